#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# shell.bats: the POSIX sh fallback, shell/tcpcheck.sh, under every shell present (dash, BusyBox
# sh, bash --posix, bash) and in every branch it can take (bash's /dev/tcp, OpenBSD nc, BusyBox's
# small nc, no tool at all).  A branch is forced by PATH: a directory of symlinks to only the
# tools that branch may see; the shell itself is run by absolute path.  The script is copied into
# a temporary directory first, so that no tcpcheck program beside it or in ../build is found.
#
# unix: targets get Unix sockets the test makes (python3); -x gets microsocks and tinyproxy, started
# by the test inside a network namespace of its own.
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
        expect_between 290 800
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
    check_status 3 && expect_between 550 1100
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
        "-V x 127.0.0.1 $PORT" "127.0.0.1 $PORT --" "" "-w" \
        "-w 500xs 127.0.0.1 $PORT" "-w 0ms 127.0.0.1 $PORT" "-W 25h 127.0.0.1 $PORT" "-w . 127.0.0.1 $PORT" \
        "-W 86400001ms 127.0.0.1 $PORT" "-i 1.5d 127.0.0.1 $PORT" "-k x 127.0.0.1 $PORT" "-k -1 127.0.0.1 $PORT" \
        "-C -k 3 127.0.0.1 $PORT" "-k 3 -W 5 127.0.0.1 $PORT" "-k 3 127.0.0.1 $PORT -- true" "-C -S x 127.0.0.1 $PORT" \
        "-C -E x 127.0.0.1 $PORT" "-4 -6 127.0.0.1 $PORT" "-S \\q 127.0.0.1 $PORT" "-S \\xZZ 127.0.0.1 $PORT" \
        "-x socks4://127.0.0.1:1080 127.0.0.1 $PORT" "-x socks5://127.0.0.1 127.0.0.1 $PORT" \
        "-x http://127.0.0.1:0 127.0.0.1 $PORT" "-x socks5h://-l:1080 127.0.0.1 $PORT" \
        "-x socks5h://127.0.0.1:1080 unix:/tmp/x.sock" "-s 127.0.0.1 unix:/tmp/x.sock" "unix:" "unix://"; do
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
            run env PATH="$BATS_FILE_TMPDIR/path/none" $shell "$s" -w 1 -C -R -k 2 -x socks5://u:p@h:1 \
                "a  b" 80 unix:/s -- x 3>&-
            [[ $status == 0 && $output == "-w 1 -C -R -k 2 -x socks5://u:p@h:1 a  b 80 unix:/s -- x" ]] ||
                { echo "$shell $s: $output" && return 1; }
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

# ---------------------------------------------------------------------------------------------
# tcpcheck(1), THE SH FALLBACK: what is new in version 2, and 1.0's host words that nc read as
# options.

dash_host_case() {
    local w
    for w in "tcp://-l:$PORT" "/dev/tcp/-l/$PORT" "[-l]:$PORT" "tcp://-e:$PORT" "/dev/tcp/-lk/$PORT" \
        "127.0.0.1 $PORT tcp://-l:$PORT" "-x socks5h://-l:1080 127.0.0.1 $PORT"; do
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

units_case() {
    elapsed_ms env PATH="$BATS_FILE_TMPDIR/path/$2" ${1} "$SH_SCRIPT" -w 300ms 127.0.0.1 "$BACKLOG" 3>&-
    check_status 3 && expect_between 290 800 &&
        stderr_is "tcpcheck: connect to 127.0.0.1 port $BACKLOG (tcp) timed out after 300ms" || return 1
    elapsed_ms env PATH="$BATS_FILE_TMPDIR/path/$2" ${1} "$SH_SCRIPT" -W 0.4s -i 100ms 127.0.0.1 "$CLOSED" 3>&-
    check_status 1 && expect_between 350 800 || return 1
    # Two silent targets one after another: the wait is over before the second one's turn.
    sh_run "$1" "$2" -W 300ms -w 1m 127.0.0.1 "$BACKLOG" "$BACKLOG"
    check_status 3 && stderr_is "tcpcheck: connect to 127.0.0.1 port $BACKLOG (tcp) timed out after 300ms
tcpcheck: 127.0.0.1 port $BACKLOG: not attempted: the wait ended after 300ms"
}
@test "shell: times with units (ms, s, m, h), printed as written; the wait ends at -W" {
    closed_port
    start_server backlog
    BACKLOG=$PORT
    each units_case
}

wait_forever_case() {
    start_server late 700 || return 1
    elapsed_ms env PATH="$BATS_FILE_TMPDIR/path/$2" ${1} "$SH_SCRIPT" -W 0 -w 500ms -i 100ms 127.0.0.1 "$PORT" 3>&-
    check_status 0 && expect_between 650 1600
}
@test "shell: -W 0 waits without a time limit" {
    each wait_forever_case
}

closed_case() {
    sh_run "$1" "$2" -C 127.0.0.1 "$CLOSED"
    check_status 0 && expect_no_output || return 1
    sh_run "$1" "$2" -C -v 127.0.0.1 "$CLOSED"
    check_status 0 && [[ $stderr =~ ^"Connection to 127.0.0.1 $CLOSED port [tcp/"[^]]+"] refused, as -C expected"$ ]] ||
        { show_run && return 1; }
    sh_run "$1" "$2" -C 127.0.0.1 "$PORT"
    check_status 6 &&
        stderr_is "tcpcheck: connect to 127.0.0.1 port $PORT (tcp) succeeded, but -C expected it closed" || return 1
    sh_run "$1" "$2" -C -w 0.3 127.0.0.1 "$BACKLOG"
    check_status 3 || return 1 # silence proves nothing
    sh_run "$1" "$2" -C -a 127.0.0.1 "$PORT" "$CLOSED" -- /bin/echo ran
    check_status 0 && [[ $output == ran ]] &&
        stderr_is "tcpcheck: connect to 127.0.0.1 port $PORT (tcp) succeeded, but -C expected it closed" || return 1
    sh_run "$1" "$2" -C 127.0.0.1 "$PORT" -- /bin/echo ran
    check_status 6 && [[ -z $output ]]
}
@test "shell: -C passes a refused target; open is 6 with its line; silence keeps 3; -a and -- COMMAND count passes" {
    closed_port
    start_server backlog
    BACKLOG=$PORT
    start_server hold
    each closed_case
}

closing_case() {
    start_server hold || return 1
    (sleep 0.6 && kill "$SERVER_PID") 3>&- &
    elapsed_ms env PATH="$BATS_FILE_TMPDIR/path/$2" ${1} "$SH_SCRIPT" -C -v -W 5 -i 100ms 127.0.0.1 "$PORT" 3>&-
    check_status 0 && expect_between 550 1600 || return 1
    [[ $stderr =~ ^"tcpcheck: connect to 127.0.0.1 port $PORT (tcp) succeeded, but -C expected it closed"$'\n'"Connection to 127.0.0.1 $PORT port [tcp/"[^]]+"] refused, as -C expected after "[0-9.]+" s"$ ]] ||
        { show_run && return 1; }
}
@test "shell: -C -W waits until the old server has let go of its port" {
    each closing_case
}

cant_case() {
    local args
    for args in "-R" "-k 3" "-k 0" "-4" "-6" "-n" "-s 127.0.0.1" "-S x" "-E x" "-j" "-q -R"; do
        # shellcheck disable=SC2086
        sh_run "$1" "$2" $args 127.0.0.1 "$PORT"
        expect_usage 7 || { echo "args: $args" && return 1; }
    done
    sh_run "$1" "$2" -H -R 127.0.0.1 "$PORT"
    expect_usage 1
}
@test "shell: what no branch can do honestly (-R, -k, -4 -6 -n -s -S -E -j) is one line and status 7" {
    start_server hold
    each cant_case
    expect_no_conns
}

# `unix_server PATH [BACKLOG_FULL]`: a Unix stream socket listening at PATH that accepts and
# closes every connection (or, with BACKLOG_FULL, never accepts and has its queue filled).
unix_server() {
    local out=$BATS_TEST_TMPDIR/unix.$RANDOM _try
    python3 -c '
import os, socket, sys, time
path, full = sys.argv[1], len(sys.argv) > 2
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(0 if full else 64)
if full:
    fillers = []
    for _ in range(4):
        c = socket.socket(socket.AF_UNIX)
        c.setblocking(False)
        try:
            c.connect(path)
        except BlockingIOError:
            break
        fillers.append(c)
print("ready", flush=True)
while True:
    if full:
        time.sleep(60)
    else:
        s.accept()[0].close()
' "$@" >"$out" 2>&1 3>&- &
    SERVER_PIDS+=($!)
    for ((_try = 0; _try < 300; _try++)); do
        [[ -s $out ]] && return 0
        sleep 0.01
    done
    echo "unix_server $1 did not start: $(cat "$out")"
    return 1
}

unix_case() {
    if [[ $2 != openbsd-nc ]]; then
        sh_run "$1" "$2" "unix:$SOCK"
        expect_usage 7 && [[ $stderr == *"unix: targets need OpenBSD nc"* ]] || { show_run && return 1; }
        return 0
    fi
    sh_run "$1" "$2" -v "unix:$SOCK" "unix://$SOCK"
    check_status 0 && stderr_is "Connection to $SOCK succeeded!
Connection to $SOCK succeeded!" || return 1
    sh_run "$1" "$2" "unix:$DEAD"
    check_status 1 && stderr_is "tcpcheck: connect to $DEAD failed: Connection refused" || return 1
    sh_run "$1" "$2" "unix:$UDIR/none.sock"
    check_status 1 && stderr_is "tcpcheck: connect to $UDIR/none.sock failed: No such file or directory" || return 1
    sh_run "$1" "$2" -C "unix:$UDIR/none.sock" "unix:$DEAD"
    check_status 0 && expect_no_output || return 1
    sh_run "$1" "$2" -C "unix:$SOCK"
    check_status 6 && stderr_is "tcpcheck: connect to $SOCK succeeded, but -C expected it closed" || return 1
    elapsed_ms env PATH="$BATS_FILE_TMPDIR/path/$2" ${1} "$SH_SCRIPT" -w 300ms "unix:$FULL" 3>&-
    check_status 3 && expect_between 290 800 &&
        stderr_is "tcpcheck: connect to $FULL timed out after 300ms" || return 1
    # A relative path that begins with - is a file name, never an option of nc.
    (cd "$UDIR" && sh_run "$1" "$2" -v unix:-l && check_status 0 && stderr_is "Connection to -l succeeded!")
}
@test "shell: unix: targets through OpenBSD nc -U (open, refused, no such file, a full backlog, -C); else 7" {
    need_cmd python3
    UDIR=$BATS_TEST_TMPDIR/u SOCK=$BATS_TEST_TMPDIR/u/app.sock DEAD=$BATS_TEST_TMPDIR/u/dead.sock
    FULL=$BATS_TEST_TMPDIR/u/full.sock
    mkdir -p "$UDIR"
    unix_server "$SOCK"
    unix_server "$FULL" full
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$DEAD" # nobody listens
    ln -s app.sock "$UDIR/-l"
    each unix_case
}

@test "shell: a unix: socket we may not connect to (EACCES) is error, status 7" {
    need_cmd python3
    [[ $EUID == 0 ]] && command -v setpriv >/dev/null || skip "needs root and setpriv to become nobody"
    [[ -x /usr/bin/nc.openbsd ]] || skip "no OpenBSD nc"
    local d shell
    d=$(mktemp -d /tmp/tcpcheck-eacces.XXXXXX)
    chmod 755 "$d" && mkdir "$d/bin" && cp "$SCRIPT_SRC" "$d/tcpcheck.sh"
    ln -s /usr/bin/nc.openbsd "$d/bin/nc" && ln -s "$(command -v sleep)" "$d/bin/sleep"
    unix_server "$d/root.sock" # srwxr-xr-x root: nobody may not write to it
    for shell in "${SHELLS[@]}"; do
        # shellcheck disable=SC2086
        run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
            env PATH="$d/bin" $shell "$d/tcpcheck.sh" "unix:$d/root.sock" 3>&-
        check_status 7 && stderr_is "tcpcheck: connect to $d/root.sock failed: Permission denied" ||
            { rm -rf "$d" && return 1; }
    done
    rm -rf "$d"
}

proxy_elsewhere_case() {
    [[ $2 == openbsd-nc ]] && return 0
    sh_run "$1" "$2" -x socks5h://127.0.0.1:1080 127.0.0.1 80
    expect_usage 7 && [[ $stderr == *"-x socks5h://127.0.0.1:1080 needs OpenBSD nc"* ]] || { show_run && return 1; }
}
@test "shell: -x where there is no OpenBSD nc is one line and status 7" {
    each proxy_elsewhere_case
}

# The proxy tests run inside a network namespace: microsocks on 127.0.0.1:1080, tinyproxy on
# 127.0.0.1:8888 (CONNECT allowed to 7001-7003 only), a listener on 7001, nothing on 7002, a
# full accept queue on 7003, and 10.78.0.0/24 unreachable.  PROXY_CASES lines are
# "NAME|ARGS"; for each shell the script prints "SHELL|NAME|STATUS|STDERR" (one line).
PROXY_SCRIPT='
ip link set lo up && ip route add unreachable 10.78.0.0/24 || exit 98
microsocks -i 127.0.0.1 -p 1080 >/dev/null 2>&1 &
printf "%s\n" "Port 8888" "Listen 127.0.0.1" "Timeout 5" "MaxClients 20" "User nobody" "Group nogroup" \
    "Allow 127.0.0.1" "ConnectPort 7001" "ConnectPort 7002" "ConnectPort 7003" >"$TMP/tinyproxy.conf"
tinyproxy -d -c "$TMP/tinyproxy.conf" >/dev/null 2>&1 &
"$TCSERVER" -p 7001 hold >"$TMP/s7001" 3>&- &
"$TCSERVER" -p 7003 backlog >"$TMP/s7003" 3>&- &
for i in $(seq 200); do [[ -s $TMP/s7001 && -s $TMP/s7003 ]] && break; sleep 0.02; done
for p in 1080 8888; do # the proxies accept once they are ready
    for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.05; done
done
trap "kill \$(jobs -p) 2>/dev/null" EXIT
while IFS="|" read -r name args; do
    for shell in "${SHELLS[@]}"; do
        err=$(env PATH="$BRANCH" $shell "$SH_SCRIPT" $args 2>&1 >/dev/null 3>&-)
        echo "$shell|$name|$?|${err//$'\''\n'\''/ // }"
    done
done <<<"$PROXY_CASES"
'

# `expect_proxy NAME STATUS STDERR`: every shell gave NAME this status and stderr.
expect_proxy() {
    local line shell name st err n=0
    while IFS='|' read -r shell name st err; do
        [[ $name == "$1" ]] || continue
        ((++n))
        if [[ $st != "$2" || $err != "$3" ]]; then
            echo "case $1 under $shell: status $st, stderr: $err"
            echo "want:                    status $2, stderr: $3"
            return 1
        fi
    done <<<"$output"
    ((n == ${#SHELLS[@]})) || { echo "case $1 ran $n times"; echo "$output"; return 1; }
}

@test "shell: -x through OpenBSD nc: what microsocks and tinyproxy say, and only that" {
    need_netns
    need_cmd microsocks
    need_cmd tinyproxy
    [[ -e $BATS_FILE_TMPDIR/path/openbsd-nc/nc ]] || skip "no OpenBSD nc"
    export PROXY_CASES='open|-v -x socks5h://127.0.0.1:1080 127.0.0.1 7001
refused|-x socks5h://127.0.0.1:1080 127.0.0.1 7002
unreachable|-x socks5://127.0.0.1:1080 10.78.0.1 7001
name|-x socks5h://127.0.0.1:1080 no-such-host.invalid 7001
localname|-x socks5://127.0.0.1:1080 localhost 7001
silent|-w 500ms -x socks5h://127.0.0.1:1080 127.0.0.1 7003
down|-x socks5h://127.0.0.1:1081 127.0.0.1 7001
creds|-x socks5h://bob:s3cret@127.0.0.1:1080 127.0.0.1 7001
closed|-C -x socks5h://127.0.0.1:1080 127.0.0.1 7002
http-open|-x http://127.0.0.1:8888 127.0.0.1 7001
http-refused|-x http://127.0.0.1:8888 127.0.0.1 7002
http-denied|-x http://127.0.0.1:8888 127.0.0.1 22'
    export BRANCH=$BATS_FILE_TMPDIR/path/openbsd-nc SH_SCRIPT TCSERVER TMP=$BATS_TEST_TMPDIR
    run --separate-stderr unshare -n -m bash -c "$(declare -p SHELLS)
$PROXY_SCRIPT" 3>&-
    check_status 0
    local via='through proxy 127.0.0.1 port 1080 failed'
    expect_proxy open 0 "Connection to 127.0.0.1 7001 port [tcp/$(getent services 7001/tcp | awk '{print $1}' | grep . || echo '*')] succeeded!"
    expect_proxy refused 1 "tcpcheck: connect to 127.0.0.1 port 7002 (tcp) $via: Connection refused"
    expect_proxy unreachable 5 "tcpcheck: connect to 10.78.0.1 port 7001 (tcp) $via: Host unreachable"
    expect_proxy name 7 "tcpcheck: proxy 127.0.0.1 port 1080: General SOCKS server failure"
    expect_proxy localname 7 "tcpcheck: -x socks5:// resolves localhost here, which the sh fallback cannot (the tcpcheck program can)"
    expect_proxy silent 7 "tcpcheck: proxy 127.0.0.1 port 1080: no tunnel to 127.0.0.1 port 7003 after 500ms (a silent proxy and a silent target look the same from here)"
    expect_proxy down 7 "tcpcheck: proxy 127.0.0.1 port 1081: connect failed: Connection refused"
    expect_proxy creds 7 "tcpcheck: -x with USER:PASS@: nc cannot hand a proxy credentials (the tcpcheck program can)"
    expect_proxy closed 0 ""
    expect_proxy http-open 0 ""
    expect_proxy http-refused 7 "tcpcheck: proxy 127.0.0.1 port 8888: HTTP/1.0 500 Unable to connect"
    expect_proxy http-denied 7 "tcpcheck: proxy 127.0.0.1 port 8888: HTTP/1.0 403 Access violation"
    [[ $output != *s3cret* ]] || { echo "a credential was printed"; return 1; }
}
