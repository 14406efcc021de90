#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# shell.bats: the POSIX sh fallback, shell/tcpcheck.sh, under every shell present (dash, BusyBox
# sh, bash --posix, bash) and in every branch it can take (bash's /dev/tcp, OpenBSD nc, BusyBox's
# small nc, no tool at all).  A branch is forced by PATH: a directory of symlinks to only the
# tools that branch may see; the shell itself is run by absolute path.  The script is copied into
# a temporary directory first, so that no tcpcheck program beside it or in ../build is found.
#
# Every connection goes to loopback, or into a network namespace the test made (unshare -n).

load helpers

SCRIPT_SRC=${SH_SCRIPT_SRC:-$ROOT/shell/tcpcheck.sh}

setup_file() {
    local d=$BATS_FILE_TMPDIR b
    mkdir -p "$d/shell" "$d/path/bash" "$d/path/openbsd-nc" "$d/path/busybox-nc" "$d/path/none"
    cp "$SCRIPT_SRC" "$d/shell/tcpcheck.sh"
    ln -s "$(command -v sleep)" "$d/path/none/sleep"
    if b=$(command -v bash); then
        ln -s "$b" "$d/path/bash/bash"
        ln -s "$(command -v sleep)" "$d/path/bash/sleep"
    fi
    if [[ -x /usr/bin/nc.openbsd || -x /bin/nc.openbsd ]]; then
        ln -s "$(command -v nc.openbsd)" "$d/path/openbsd-nc/nc"
        ln -s "$(command -v sleep)" "$d/path/openbsd-nc/sleep"
    fi
    if b=$(command -v busybox); then # a BusyBox image: nc, sleep and true are all BusyBox
        for t in nc sleep true; do ln -s "$b" "$d/path/busybox-nc/$t"; done
    fi
}

setup() {
    [[ -x $TCSERVER ]] || skip "no $TCSERVER: run make tools"
    SH_SCRIPT=$BATS_FILE_TMPDIR/shell/tcpcheck.sh
    SHELLS=()
    local s
    for s in /usr/bin/dash /bin/dash; do [[ -x $s ]] && SHELLS+=("$s") && break; done
    command -v busybox >/dev/null && SHELLS+=("$(command -v busybox) sh")
    SHELLS+=("$(command -v bash) --posix" "$(command -v bash)")
    BRANCHES=()
    for s in bash openbsd-nc busybox-nc; do
        [[ -e $BATS_FILE_TMPDIR/path/$s/sleep ]] && BRANCHES+=("$s")
    done
}

# sh SHELL BRANCH ARGS...: run the script with `run --separate-stderr`, PATH set to the branch.
sh_run() {
    local shell=$1 branch=$2
    shift 2
    # shellcheck disable=SC2086 # "busybox sh" and "bash --posix" are two words on purpose
    run --separate-stderr env PATH="$BATS_FILE_TMPDIR/path/$branch" $shell "$SH_SCRIPT" "$@" 3>&-
}

# each FUNCTION: call FUNCTION SHELL BRANCH for every shell and branch; say which one failed.
each() {
    local shell branch
    for shell in "${SHELLS[@]}"; do
        for branch in "${BRANCHES[@]}"; do
            if ! "$1" "$shell" "$branch"; then
                echo "FAILED under shell '$shell', branch '$branch'"
                return 1
            fi
        done
    done
}

# A port where nothing listens: a server's port after it stopped.
closed_port() {
    start_server hold
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    CLOSED=$PORT
}

# stderr is exactly this text.
stderr_is() {
    if [[ $stderr != "$1" ]]; then
        printf 'want stderr: %s\n' "$1"
        show_run
        return 1
    fi
}

@test "shell: shellcheck -s sh finds nothing in shell/tcpcheck.sh" {
    command -v shellcheck >/dev/null || skip "shellcheck is not installed (make deps)"
    run shellcheck -s sh "$SCRIPT_SRC"
    [[ $status == 0 ]] || { echo "$output"; return 1; }
}

@test "shell: every shell and branch this suite wants is installed" {
    local missing=()
    [[ ${SHELLS[0]} == */dash ]] || missing+=(dash)
    command -v busybox >/dev/null || missing+=(busybox)
    command -v nc.openbsd >/dev/null || missing+=(netcat-openbsd)
    ((${#missing[@]} == 0)) || skip "missing: ${missing[*]} (make deps installs them)"
}

open_case() {
    sh_run "$1" "$2" -v 127.0.0.1 "$PORT" || return 1
    check_status 0 || return 1
    [[ $stderr =~ ^"Connection to 127.0.0.1 $PORT port [tcp/"[^]]+"] succeeded!"$ ]] || {
        show_run
        return 1
    }
    [[ -z $output ]] || { show_run && return 1; }
}
@test "shell: an open port is open (status 0, nc's -v words), in every shell and branch" {
    start_server hold
    each open_case
    # A real connection for each run, not a guess.
    local want=$((${#SHELLS[@]} * ${#BRANCHES[@]})) got
    sleep 0.1
    got=$(server_conns)
    ((got == want)) || { echo "server saw $got connections, want $want" && return 1; }
}

refused_case() {
    sh_run "$1" "$2" 127.0.0.1 "$CLOSED" && check_status 1 &&
        stderr_is "tcpcheck: connect to 127.0.0.1 port $CLOSED (tcp) failed: Connection refused"
}
@test "shell: a closed port is refused (status 1), in every shell and branch" {
    closed_port
    each refused_case
}

ipv6_case() {
    sh_run "$1" "$2" -v "[::1]:$PORT" "/dev/tcp/::1/$CLOSED" && check_status 1 &&
        [[ $stderr == "Connection to ::1 $PORT port [tcp/"*"] succeeded!"$'\n'"tcpcheck: connect to ::1 port $CLOSED (tcp) failed: Connection refused" ]] ||
        { show_run && return 1; }
}
@test "shell: IPv6 literals in [::1]:PORT and /dev/tcp/::1/PORT" {
    closed_port
    start_server -6 hold || skip "no IPv6 loopback here"
    each ipv6_case
}

timeout_case() {
    elapsed_ms env PATH="$BATS_FILE_TMPDIR/path/$2" ${1} "$SH_SCRIPT" -w 0.3 127.0.0.1 "$PORT" 3>&-
    check_status 3 &&
        stderr_is "tcpcheck: connect to 127.0.0.1 port $PORT (tcp) timed out after 0.3 s" &&
        expect_between 290 600
}
@test "shell: a port that never answers times out after -w (status 3), in every shell and branch" {
    start_server backlog
    each timeout_case
}

net_case() {
    run --separate-stderr unshare -n sh -c 'ip link set lo up && ip route add unreachable 192.0.2.0/24 &&
        PATH=$1 '"$1"' "$2" -w 2 192.0.2.1 80 198.51.100.1 80 no-such-host.invalid 80' _ \
        "$BATS_FILE_TMPDIR/path/$2" "$SH_SCRIPT" 3>&-
    check_status 5 || return 1
    local resolve="Name or service not known"
    [[ $stderr == *"Temporary failure"* ]] && resolve="Temporary failure in name resolution"
    stderr_is "tcpcheck: connect to 192.0.2.1 port 80 (tcp) failed: No route to host
tcpcheck: connect to 198.51.100.1 port 80 (tcp) failed: Network is unreachable
tcpcheck: no-such-host.invalid: $resolve"
}
unresolved_case() {
    run --separate-stderr unshare -n sh -c 'PATH=$1 '"$1"' "$2" -w 2 no-such-host.invalid 80' _ \
        "$BATS_FILE_TMPDIR/path/$2" "$SH_SCRIPT" 3>&-
    check_status 4 && [[ $stderr == "tcpcheck: no-such-host.invalid: "* ]] || { show_run && return 1; }
}
@test "shell: unreachable (5) and unresolved (4), inside a network namespace of its own" {
    command -v ip >/dev/null || skip "no ip(8)"
    unshare -n true 2>/dev/null || skip "unshare -n is not allowed here"
    each net_case
    each unresolved_case
}

late_case() {
    start_server late 700 || return 1
    elapsed_ms env PATH="$BATS_FILE_TMPDIR/path/$2" ${1} "$SH_SCRIPT" -v -W 5 -w 0.5 127.0.0.1 "$PORT" 3>&-
    check_status 0 && expect_between 650 1600 || return 1
    [[ $stderr =~ ^"tcpcheck: connect to 127.0.0.1 port $PORT (tcp) failed: Connection refused"$'\n'"Connection to 127.0.0.1 $PORT port [tcp/"[^]]+"] succeeded after "[0-9]+\.[0-9]" s"$ ]] ||
        { show_run && return 1; }
}
@test "shell: wait mode sees a listener that appears after 0.7 s, one line per state change" {
    each late_case
}

wait_refused_case() {
    elapsed_ms env PATH="$BATS_FILE_TMPDIR/path/$2" ${1} "$SH_SCRIPT" -W 0.5 127.0.0.1 "$CLOSED" 3>&-
    check_status 1 && expect_between 450 800 &&
        stderr_is "tcpcheck: connect to 127.0.0.1 port $CLOSED (tcp) failed: Connection refused"
}
wait_timeout_case() {
    elapsed_ms env PATH="$BATS_FILE_TMPDIR/path/$2" ${1} "$SH_SCRIPT" -W 0.6 -w 5 127.0.0.1 "$PORT" 3>&-
    check_status 3 && expect_between 550 900
}
@test "shell: wait mode ends at -W with the last attempt's status, even inside a long -w" {
    closed_port
    each wait_refused_case
    start_server backlog
    each wait_timeout_case
}

command_case() {
    sh_run "$1" "$2" 127.0.0.1 "$PORT" -- /bin/echo "a  b" c || return 1
    check_status 0 && [[ $output == "a  b c" ]] || { show_run && return 1; }
    sh_run "$1" "$2" 127.0.0.1 "$CLOSED" -- /bin/echo ran
    check_status 1 && [[ -z $output ]] || { show_run && return 1; }
}
@test "shell: -- COMMAND is exec'd on success only, with its arguments intact" {
    closed_port
    start_server hold
    each command_case
}

lists_case() {
    sh_run "$1" "$2" 127.0.0.1 "$P1,$P2" "$CLOSED" 127.0.0.1:"$P1-$P1" || return 1
    check_status 1 && stderr_is "tcpcheck: connect to 127.0.0.1 port $CLOSED (tcp) failed: Connection refused" || return 1
    sh_run "$1" "$2" -a 127.0.0.1 "$CLOSED" "tcp://127.0.0.1:$P2"
    check_status 0 || return 1
    sh_run "$1" "$2" -q -m 2 127.0.0.1 "$CLOSED,$P1"
    check_status 1 && expect_no_output || return 1
    sh_run "$1" "$2" -H -w 0.2 127.0.0.1 "$P3"
    check_status 1
}
@test "shell: port lists, ranges, several targets, -a, -m, -q, -H" {
    closed_port
    start_server hold && P1=$PORT
    start_server hold && P2=$PORT
    start_server backlog && P3=$PORT
    each lists_case
}

usage_case() {
    local args
    for args in "127.0.0.1 $PORT -v" "127.0.0.1 $PORT 0" "127.0.0.1 $PORT,65536" "127.0.0.1 9-8" \
        "127.0.0.1" ":$PORT" "127.0.0.1:" "::1:$PORT" "tcp://::1:$PORT" "[::1]" "/dev/tcp/x" \
        "-w 0 127.0.0.1 $PORT" "-w 1.1234567 127.0.0.1 $PORT" "-w x 127.0.0.1 $PORT" \
        "-W 86401 127.0.0.1 $PORT" "-i -1 127.0.0.1 $PORT" "-m 2 127.0.0.1 $PORT" "-x 127.0.0.1 $PORT" \
        "-S x 127.0.0.1 $PORT" "-j 127.0.0.1 $PORT" "-4 127.0.0.1 $PORT" "-V x 127.0.0.1 $PORT" \
        "127.0.0.1 $PORT --" "" "-w"; do
        # shellcheck disable=SC2086
        sh_run "$1" "$2" $args
        expect_usage || { echo "args: $args" && return 1; }
    done
    sh_run "$1" "$2" -H 127.0.0.1 0
    expect_usage 1
}
@test "shell: usage errors are status 2, one line, and probe nothing" {
    start_server hold
    each usage_case
    expect_no_conns
}

@test "shell: with no bash and no nc, status 7 says what to install" {
    local shell
    for shell in "${SHELLS[@]}"; do
        sh_run "$shell" none 127.0.0.1 80
        check_status 7 && stderr_is "tcpcheck: no probe method: install tcpcheck, bash or nc" || return 1
    done
}

@test "shell: the tcpcheck program beside it, in ../build or on PATH gets every argument" {
    local d=$BATS_TEST_TMPDIR shell
    mkdir -p "$d/a" "$d/b/shell" "$d/b/build" "$d/c" "$d/onpath"
    cp "$SCRIPT_SRC" "$d/a/tcpcheck.sh"
    cp "$SCRIPT_SRC" "$d/b/shell/tcpcheck.sh"
    cp "$SCRIPT_SRC" "$d/c/tcpcheck.sh"
    # A stand-in program: a binary (not a script) that prints its arguments.
    cp "$(type -P echo)" "$d/a/tcpcheck"
    cp "$(type -P echo)" "$d/b/build/tcpcheck"
    cp "$(type -P echo)" "$d/onpath/tcpcheck"
    for shell in "${SHELLS[@]}"; do
        # shellcheck disable=SC2086
        for s in "$d/a/tcpcheck.sh" "$d/b/shell/tcpcheck.sh"; do
            run env PATH="$BATS_FILE_TMPDIR/path/none" $shell "$s" -w 1 "a  b" 80 -- x 3>&-
            [[ $status == 0 && $output == "-w 1 a  b 80 -- x" ]] || { echo "$shell $s: $output" && return 1; }
        done
        run env PATH="$d/onpath:$BATS_FILE_TMPDIR/path/none" $shell "$d/c/tcpcheck.sh" -q db 80 3>&-
        [[ $status == 0 && $output == "-q db 80" ]] || { echo "$shell on PATH: $output" && return 1; }
    done
}

@test "shell: a tcpcheck that is a script (itself, say) is never delegated to" {
    local d=$BATS_TEST_TMPDIR shell
    mkdir -p "$d/x" "$d/onpath"
    cp "$SCRIPT_SRC" "$d/x/tcpcheck.sh"
    printf '#!/bin/sh\necho WRONG\n' >"$d/x/tcpcheck"
    ln -s "$d/x/tcpcheck.sh" "$d/onpath/tcpcheck"
    chmod +x "$d/x/tcpcheck"
    closed_port
    for shell in "${SHELLS[@]}"; do
        # shellcheck disable=SC2086
        run --separate-stderr env PATH="$d/onpath:$BATS_FILE_TMPDIR/path/bash" $shell "$d/x/tcpcheck.sh" 127.0.0.1 "$CLOSED" 3>&-
        check_status 1 && [[ -z $output ]] || return 1
    done
}

@test "shell: in the repository layout it runs build/tcpcheck, the real program" {
    [[ -x $ROOT/build/tcpcheck ]] || skip "no build/tcpcheck yet (make)"
    start_server hold
    run --separate-stderr env PATH=/nonexistent /bin/sh "$SCRIPT_SRC" -v 127.0.0.1 "$PORT" 3>&-
    check_status 0
    local sh_err=$stderr
    run --separate-stderr "$ROOT/build/tcpcheck" -v 127.0.0.1 "$PORT"
    check_status 0
    [[ $stderr == "$sh_err" ]]
}

dash_host_case() {
    local w
    for w in "tcp://-l:$PORT" "/dev/tcp/-l/$PORT" "[-l]:$PORT" "tcp://-e:$PORT" "/dev/tcp/-lk/$PORT" \
        "127.0.0.1 $PORT tcp://-l:$PORT"; do
        # shellcheck disable=SC2086 # one or more words on purpose
        sh_run "$1" "$2" -w 1 $w
        expect_usage || { echo "words: $w" && return 1; }
    done
}
@test "shell: a host word starting with - is a usage error in every target form (nc would read an option)" {
    start_server hold
    each dash_host_case
    expect_no_conns
}
