#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# The bash loadable builtin (build/tcpcheck.so): loading, help, statuses as a script sees them,
# -V NAME in every case the notes list, hygiene over thousands of calls (fds, memory,
# valgrind), and interrupts (trapped, untrapped, EXIT trap, interactive Ctrl-C through a pty).
#
# Every connection goes to loopback, or into a network namespace the test creates (the tests
# that need an unresolvable name get a hosts-only resolver there, so no query leaves the host).

load helpers

TC_FORM=builtin # messages carry bash's prefix (helpers' err_lines, expect_usage)

setup() {
    [[ -f $TC_SO ]] || {
        echo "$TC_SO is missing: run make"
        return 1
    }
    # A loopback address of our own: a sweep of 127.0.0.1 by anything else running on this
    # host cannot add to the connections the "nothing probed" tests count.
    LO=$(random_lo)
    start_server -a "$LO" hold
    OPEN=$PORT OPEN_OUT=$SERVER_OUT
    start_server -a "$LO" backlog
    BACKLOG=$PORT
    REFUSED=$(free_port)
    TMP=$BATS_TEST_TMPDIR
    export LO OPEN OPEN_OUT BACKLOG REFUSED TMP
}

# `tcb SCRIPT`: run SCRIPT in a fresh non-interactive bash with the builtin loaded.
tcb() {
    builtin_bash -c 'enable -f "$TC_SO" tcpcheck || exit 99
'"$1"
}

# helpers' show_run only prints: `[[ ... ]] || fail_run` must also fail the test.
fail_run() {
    show_run
    return 1
}

# ---------------------------------------------------------------------------------------------
# Loading and documentation

@test "loads, is a shell builtin, unloads" {
    run --separate-stderr tcb '
        type tcpcheck
        enable -d tcpcheck || exit 1
        type tcpcheck 2>/dev/null || echo gone
        tcpcheck "$LO" "$OPEN"; echo "after unload: $?"'
    check_status 0
    [[ ${lines[0]} == "tcpcheck is a shell builtin" ]]
    [[ ${lines[1]} == gone ]]
    [[ ${lines[2]} == "after unload: 127" ]]
}

@test "loading twice and probing after a reload work" {
    run --separate-stderr tcb '
        enable -f "$TC_SO" tcpcheck 2>/dev/null
        enable -d tcpcheck && enable -f "$TC_SO" tcpcheck && tcpcheck "$LO" "$OPEN"'
    check_status 0
}

@test "the object exports only what enable -f looks up, and needs no libcares" {
    run nm -D --defined-only "$TC_SO"
    check_status 0
    # tcpcheck_struct, its load hook (bash's release is checked, `help tcpcheck` built from the
    # option table) and its unload hook; under ASan also its marker for an exported global,
    # __odr_asan.tcpcheck_struct.
    [[ $(awk '$3 !~ /^__odr_asan\./ { print $3 }' <<<"$output" | sort) == $'tcpcheck_builtin_load\ntcpcheck_builtin_unload\ntcpcheck_struct' ]] || {
        echo "exported:"
        echo "$output"
        return 1
    }
    run ldd "$TC_SO"
    [[ ! $output =~ cares ]]
    run readelf -d "$TC_SO"
    [[ $output =~ "Library soname: [tcpcheck]" && $output =~ NODELETE && $output =~ BIND_NOW ]]
}

@test "help tcpcheck, help -d, and the usage line" {
    run --separate-stderr tcb 'help tcpcheck'
    check_status 0
    [[ ${lines[0]} == "tcpcheck: tcpcheck [-46aCHnqRvz] [-w SECS] "* ]]
    [[ $output == *"Check whether TCP connections"* ]]
    [[ $output == *"-V NAME"* && $output == *"Exit Status:"* && $output == *"130 interrupted"* ]]

    run --separate-stderr tcb 'help -d tcpcheck; echo END'
    [[ ${lines[0]} == "tcpcheck - Check whether TCP connections to HOST:PORT can be made right now." ]]
    [[ ${lines[1]} == END ]] # the description ends with its newline
}

@test "--help prints the long help and returns 2, like bash's builtins" {
    run --separate-stderr tcb 'tcpcheck --help'
    check_status 2
    [[ $output == *"Exit Status:"* ]]
    run --separate-stderr tcb 'tcpcheck -q --help'
    check_status 2
    [[ $output == *"Exit Status:"* ]]
}

@test "--version: stdout, status 0; a failed write is status 1" {
    run --separate-stderr tcb 'tcpcheck --version'
    check_status 0
    [[ $output == "tcpcheck $TC_RELEASE" ]]
    run --separate-stderr tcb 'tcpcheck --version >/dev/full'
    check_status 1
    [[ $stderr == *"write error"* ]]
}

# ---------------------------------------------------------------------------------------------
# Statuses as a script sees them

@test "open, refused and timeout statuses through the builtin" {
    run --separate-stderr tcb '
        tcpcheck "$LO" "$OPEN"; echo "open=$?"
        tcpcheck -q "$LO" "$REFUSED"; echo "refused=$?"
        tcpcheck -q -w 0.2 "$LO" "$BACKLOG"; echo "timeout=$?"
        tcpcheck -qH -w 0.2 "$LO" "$BACKLOG"; echo "timeout-H=$?"'
    check_status 0
    [[ $output == $'open=0\nrefused=1\ntimeout=3\ntimeout-H=1' ]] || fail_run
}

@test "a usage error is 2 directly, in \$(...), in a pipeline; one line; nothing probed" {
    run --separate-stderr tcb '
        tcpcheck "$LO" "$OPEN" 127.0.0.1 0; echo "direct=$?"
        x=$(tcpcheck "$LO" "$OPEN" 127.0.0.1 0); echo "subst=$?"
        tcpcheck "$LO" "$OPEN" 127.0.0.1 0 | cat; echo "pipe=${PIPESTATUS[0]}"
        f() { tcpcheck "$LO" "$OPEN" 127.0.0.1 0; }; f; echo "function=$?"
        tcpcheck -x "$LO" "$OPEN"; echo "option=$?"
        tcpcheck; echo "empty=$?"'
    check_status 0
    [[ $output == $'direct=2\nsubst=2\npipe=2\nfunction=2\noption=2\nempty=2' ]] || fail_run
    # One line per call, each with bash's prefix (inside a function bash names the source
    # "environment" rather than "bash", so helpers' err_lines is too strict here).
    [[ $(grep -c ': line [0-9]*: tcpcheck: ' <<<"$stderr") == 6 ]] || fail_run
    [[ $(wc -l <<<"$stderr") == 6 ]] || fail_run
    SERVER_OUT=$OPEN_OUT expect_no_conns
}

@test "-H maps a usage error to 1, wherever it stands among the options" {
    run --separate-stderr tcb 'tcpcheck -H 127.0.0.1 0'
    expect_usage 1
    run --separate-stderr tcb 'tcpcheck -q -H -w 1 "$LO" "$OPEN" -v'
    expect_usage 1
    run --separate-stderr tcb 'tcpcheck -qH 127.0.0.1'
    expect_usage 1
    SERVER_OUT=$OPEN_OUT expect_no_conns
}

@test "-- COMMAND is refused with a hint, and COMMAND never runs" {
    run --separate-stderr tcb 'tcpcheck "$LO" "$OPEN" -- echo RAN'
    expect_usage 2
    [[ $stderr == *"&&"* ]]
    SERVER_OUT=$OPEN_OUT expect_no_conns
    run --separate-stderr tcb 'tcpcheck -H "$LO" "$OPEN" -- echo RAN'
    expect_usage 1
    # Before any target, `--` only ends the options.
    run --separate-stderr tcb 'tcpcheck -- "$LO" "$OPEN"'
    check_status 0
}

@test "-j writes JSON on stdout in the shell's own stream" {
    run --separate-stderr tcb 'tcpcheck -j "$LO" "$OPEN","$REFUSED"'
    check_status 1
    [[ ${#lines[@]} == 2 && ${lines[0]} == *'"state":"open"'* && ${lines[1]} == *'"state":"refused"'* ]] ||
        show_run
    [[ -z $stderr ]] || fail_run
}

# ---------------------------------------------------------------------------------------------
# -V NAME

@test "-V: a new name becomes a global associative array keyed HOST:PORT" {
    run --separate-stderr tcb '
        tcpcheck -q -V R "$LO" "$OPEN","$REFUSED"; echo "rc=$?"
        echo "attrs=${R@a} n=${#R[@]} open=${R[$LO:$OPEN]} refused=${R[$LO:$REFUSED]}"'
    check_status 0
    [[ ${lines[0]} == rc=1 ]]
    [[ ${lines[1]} == "attrs=A n=2 open=open refused=refused" ]] || fail_run
}

@test "-V: an IPv6 host is keyed [ADDR]:PORT" {
    need_ipv6
    start_server -6 hold
    export P6=$PORT
    run --separate-stderr tcb '
        tcpcheck -V R ::1 "$P6"; echo "rc=$?"
        for k in "${!R[@]}"; do echo "$k=${R[$k]}"; done'
    check_status 0
    [[ $output == "rc=0"$'\n'"[::1]:$P6=open" ]] || fail_run
}

@test "-V: an existing array loses its old keys; a scalar is converted" {
    run --separate-stderr tcb '
        declare -A R=([old]=x ["$LO:$OPEN"]=stale)
        tcpcheck -V R "$LO" "$OPEN"
        echo "n=${#R[@]} old=${R[old]-unset} v=${R[$LO:$OPEN]}"
        S=hello
        tcpcheck -V S "$LO" "$OPEN"
        echo "attrs=${S@a} v=${S[$LO:$OPEN]}"'
    check_status 0
    [[ $output == $'n=1 old=unset v=open\nattrs=A v=open' ]] || fail_run
}

# `bad_name SCRIPT_PREFIX NAME`: -V NAME is a usage error that probes nothing and leaves the
# variable as it was.
bad_name() {
    run --separate-stderr tcb "$1"'
        before=$(declare -p '"$2"' 2>/dev/null)
        tcpcheck -V '"$2"' "$LO" "$OPEN"; rc=$?
        after=$(declare -p '"$2"' 2>/dev/null)
        [[ $before == "$after" ]] || echo "changed: $before -> $after"
        exit $rc'
    expect_usage 2 && SERVER_OUT=$OPEN_OUT expect_no_conns
}

@test "-V: an indexed array is a usage error and stays untouched" {
    bad_name 'I=(1 2)' I
    [[ $stderr == *"I: cannot convert indexed to associative array"* ]]
}

@test "-V: a readonly variable is a usage error and stays untouched" {
    bad_name 'declare -rA RO=([k]=v)' RO
    [[ $stderr == *"RO: readonly variable"* ]]
    bad_name 'readonly RS=1' RS
}

@test "-V: a name that is not an identifier is a usage error" {
    bad_name ':' 1bad
    [[ $stderr == *"1bad"*"not a valid identifier"* ]]
    bad_name ':' 'a[1]'
}

@test "-V: -H makes a bad name status 1" {
    run --separate-stderr tcb 'readonly RO=1; tcpcheck -H -V RO "$LO" "$OPEN"'
    expect_usage 1
}

@test "-V: local -A and an unset local stay local to the function" {
    run --separate-stderr tcb '
        f() {
            local -A L
            local M
            tcpcheck -V L "$LO" "$OPEN"
            tcpcheck -V M "$LO" "$OPEN"
            echo "inside L=${L[$LO:$OPEN]} M=${M[$LO:$OPEN]} ${M@a}"
        }
        f
        declare -p L M 2>/dev/null || echo "outside: none"'
    check_status 0
    [[ $output == $'inside L=open M=open A\noutside: none' ]] || fail_run
}

@test "-V: a nameref writes its target" {
    run --separate-stderr tcb '
        declare -n ref=TARGET
        tcpcheck -V ref "$LO" "$OPEN"
        echo "${TARGET@a} ${TARGET[$LO:$OPEN]}"'
    check_status 0
    [[ $output == "A open" ]] || fail_run
}

@test "-V: declare -Ai keeps the state words verbatim (no arithmetic)" {
    run --separate-stderr tcb '
        declare -Ai N
        tcpcheck -q -w 0.1 -V N "$LO" "$OPEN","$REFUSED","$BACKLOG"; echo "rc=$?"
        echo "${N[$LO:$OPEN]} ${N[$LO:$REFUSED]} ${N[$LO:$BACKLOG]}"'
    check_status 0
    [[ $output == $'rc=1\nopen refused timeout' ]] || fail_run
}

@test "-V under set -e: a readonly or indexed name prints a message and || handled runs" {
    run --separate-stderr tcb '
        set -e
        readonly RO=1
        I=(1)
        tcpcheck -V RO "$LO" "$OPEN" || echo "handled $?"
        tcpcheck -V I "$LO" "$OPEN" || echo "handled $?"
        echo reached'
    check_status 0
    [[ $output == $'handled 2\nhandled 2\nreached' ]] || fail_run
    [[ $stderr == *"RO: readonly variable"* && $stderr == *"I: cannot convert"* ]] || fail_run
}

@test "-V: many results (a port range) are all stored" {
    run --separate-stderr tcb '
        tcpcheck -q -c 200 -V R "$LO" 20000-21999; echo "rc=$?"
        n=0; for k in "${!R[@]}"; do [[ ${R[$k]} == refused ]] && ((++n)); done
        echo "n=${#R[@]} refused=$n"'
    check_status 0
    [[ ${lines[1]} == "n=2000 refused="* ]] || fail_run
}

# ---------------------------------------------------------------------------------------------
# Hygiene: thousands of calls in one shell

# The body both hygiene tests run inside a network namespace: servers of its own, port 1 for
# refused (nothing can listen there in a new namespace), and a hosts-only resolver so that
# `no-such-host.invalid` is unresolved without a query leaving the namespace.
NS_PREAMBLE='
netns_dns "127.0.0.1 localhost" files "" || exit 97
PORT= # ns_server keeps an old PORT while its output file does not exist yet
ns_server hold || exit 96
export OPEN=$PORT
PORT=
ns_server backlog || exit 96
export BACKLOG=$PORT
'

# `mixed_round I`: one call chosen by I among open, refused, timeout, unresolved (with -V and
# -j on some), failing when the status is not the one its state must give.
MIXED_ROUND='
mixed_round() {
    local rc want
    case $(($1 % 10)) in
    0) tcpcheck -q -w 0.01 127.0.0.1 "$BACKLOG"; rc=$? want=3 ;;
    1 | 2) tcpcheck -q 127.0.0.1 "$OPEN"; rc=$? want=0 ;;
    3) tcpcheck -q -V R 127.0.0.1 "$OPEN",1; rc=$? want=1 ;;
    4 | 5) tcpcheck -q 127.0.0.1 1; rc=$? want=1 ;;
    6) tcpcheck -j 127.0.0.1 "$OPEN" >/dev/null; rc=$? want=0 ;;
    7 | 8) tcpcheck -q -w 1 no-such-host.invalid 80; rc=$? want=4 ;;
    9) tcpcheck -q -V R -w 1 no-such-host.invalid 80 localhost "$OPEN"; rc=$? want=4 ;;
    esac
    ((rc == want)) || { echo "call $1: status $rc, want $want" >&2; return 1; }
}
'

@test "hygiene: 10,000 calls leave the fd count unchanged and VmRSS within 2 MB" {
    need_netns
    # The loop is a file run by its own bash: under TC_SANITIZE=1 that bash gets the ASan
    # runtime with LeakSanitizer on, so a leak in the builtin fails this test there too.
    cat >"$BATS_TEST_TMPDIR/hygiene.sh" <<EOF
enable -f "\$TC_SO" tcpcheck || exit 99
$MIXED_ROUND
nfds() { local f=(/proc/\$\$/fd/*); NFDS=\${#f[@]}; }
rss() { local k v u; while read -r k v u; do [[ \$k == VmRSS: ]] && RSS=\$v; done </proc/\$\$/status; }
bad=0
for ((i = 0; i < 200; i++)); do mixed_round \$i || ((++bad)); done  # warm up
nfds; fd0=\$NFDS; rss; rss0=\$RSS; t0=\$EPOCHREALTIME
for ((i = 0; i < 10000; i++)); do mixed_round \$i || ((++bad)); done
t1=\$EPOCHREALTIME; nfds; rss
echo "bad=\$bad fds=\$fd0/\$NFDS rss_kb=\$rss0/\$RSS ms=\$(((\${t1//[.,]/} - \${t0//[.,]/}) / 1000))"
EOF
    local lsan=
    [[ ${TC_SANITIZE:-} == 1 ]] &&
        lsan="LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=1"
    run --separate-stderr in_netns "$NS_PREAMBLE"'
        env '"$lsan"' bash "$BATS_TEST_TMPDIR/hygiene.sh"'
    check_status 0
    echo "# hygiene: ${lines[-1]}" >&3
    [[ ${lines[-1]} =~ ^bad=0\ fds=([0-9]+)/([0-9]+)\ rss_kb=([0-9]+)/([0-9]+) ]] || fail_run
    local fd0=${BASH_REMATCH[1]} fd1=${BASH_REMATCH[2]} rss0=${BASH_REMATCH[3]} rss1=${BASH_REMATCH[4]}
    ((fd0 == fd1)) || fail_run
    # ASan's quarantine holds freed memory back on purpose: the RSS bound is for normal builds.
    [[ ${TC_SANITIZE:-} == 1 ]] || ((rss1 - rss0 < 2048)) || fail_run
}

@test "hygiene: valgrind finds no definite leak and no error over 300 mixed calls" {
    need_netns
    need_cmd valgrind
    [[ ${TC_SANITIZE:-} == 1 ]] && skip "an ASan build: LeakSanitizer checks the hygiene loop instead"
    # The inner script is a file: valgrind runs bash on it inside the namespace.
    cat >"$BATS_TEST_TMPDIR/inner.sh" <<EOF
enable -f "\$TC_SO" tcpcheck || exit 98
$MIXED_ROUND
bad=0
for ((i = 0; i < 300; i++)); do mixed_round \$i || ((++bad)); done
echo bad=\$bad
((bad == 0))
EOF
    run --separate-stderr in_netns "$NS_PREAMBLE"'
        valgrind -q --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
            --error-exitcode=99 bash "$BATS_TEST_TMPDIR/inner.sh"'
    check_status 0
    [[ $output == bad=0 ]] || fail_run
}

# ---------------------------------------------------------------------------------------------
# Interrupts.  The script signals itself from a background subshell after it has written the
# time; the builtin must return within the signal's arrival, every socket closed, and leave
# -V's variable as it was.  (The subshell's exit is also a SIGCHLD that must not stop it.)

# `interrupt_run SIG TRAP_LINE TCPCHECK_ARGS`: the script prints "rc=N fds=B/A us=U" and R.
interrupt_run() {
    run --separate-stderr tcb "$2"'
        declare -A R=([old]=kept)
        f=(/proc/$$/fd/*); before=${#f[@]}
        (sleep 0.3; echo "$EPOCHREALTIME" >"$TMP/sent"; kill -'"$1"' $$) &
        tcpcheck -V R '"$3"'
        rc=$? end=$EPOCHREALTIME
        wait
        f=(/proc/$$/fd/*)
        read -r sent <"$TMP/sent"
        echo "rc=$rc fds=$before/${#f[@]} us=$((${end//[.,]/} - ${sent//[.,]/}))"
        declare -p R'
}

# `expect_interrupt RC`: the builtin returned RC within 400 ms, with no fd left behind.
expect_interrupt() {
    local last=${lines[-2]-}
    [[ $last =~ ^rc=$1\ fds=([0-9]+)/([0-9]+)\ us=([0-9]+)$ ]] || fail_run
    echo "# signal to return: ${BASH_REMATCH[3]} us" >&3
    ((BASH_REMATCH[1] == BASH_REMATCH[2])) || fail_run
    ((BASH_REMATCH[3] < 400000)) || fail_run
    [[ ${lines[-1]} == 'declare -A R=([old]="kept" )' ]] || fail_run
}

@test "SIGINT, trapped, during a 5 s timeout probe: 130 at once, then the trap runs" {
    interrupt_run INT 'trap "echo trapped" INT' '-w 5 "$LO" "$BACKLOG"'
    check_status 0
    [[ ${lines[0]} == trapped ]] || fail_run
    expect_interrupt 130
}

@test "SIGINT, trapped, during -W 30 on a refused port: 130 at once" {
    interrupt_run INT 'trap "echo trapped" INT' '-q -W 30 "$LO" "$REFUSED"'
    check_status 0
    [[ ${lines[0]} == trapped ]] || fail_run
    expect_interrupt 130
}

@test "SIGTERM, trapped: 143 at once" {
    interrupt_run TERM 'trap "echo trapped" TERM' '-w 5 "$LO" "$BACKLOG"'
    check_status 0
    expect_interrupt 143
}

@test "SIGINT with only an EXIT trap: the shell exits 130 at once and runs the EXIT trap" {
    elapsed_ms tcb '
        trap "echo exit-trap" EXIT
        (sleep 0.3; kill -INT $$) &
        tcpcheck -w 5 "$LO" "$BACKLOG"
        echo "not reached"'
    check_status 130
    [[ $output == exit-trap ]] || fail_run
    expect_between 300 700
}

@test "SIGINT with no trap kills the script at once, as for any command" {
    elapsed_ms tcb '
        (sleep 0.3; kill -INT $$) &
        tcpcheck -w 5 "$LO" "$BACKLOG"
        echo "not reached"'
    check_status 130
    [[ -z $output ]] || fail_run
    expect_between 300 700
}

@test "a finishing background job, even with a CHLD trap, does not stop a probe" {
    elapsed_ms tcb '
        trap : CHLD
        (exit 0) & (sleep 0.1) &
        tcpcheck -w 0.5 "$LO" "$BACKLOG"; echo "rc=$?"'
    check_status 0
    [[ $output == rc=3 ]] || fail_run
    expect_between 500 1000
}

@test "interactive Ctrl-C: back at the prompt with \$? 130, no fd left, list aborted" {
    need_cmd python3
    python3 -c 'import pty' 2>/dev/null || skip "python3 has no pty module"
    TC_ASAN_RUNTIME=$(gcc -print-file-name=libasan.so) \
        run --separate-stderr python3 - "$TC_SO" "$LO" "$BACKLOG" <<'EOF'
import os, pty, select, signal, sys, time

so, lo, port = sys.argv[1], sys.argv[2], sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    # A run started with SIGINT ignored passes that on: give this bash a terminal's defaults.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    # TC_SANITIZE=1: the ASan-built .so needs the ASan runtime in this bash (and only there).
    env = dict(os.environ)
    if os.environ.get("TC_SANITIZE") == "1":
        env["LD_PRELOAD"] = os.environ["TC_ASAN_RUNTIME"]
        env["ASAN_OPTIONS"] = "detect_leaks=0"
    os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"], env)

screen = b""
def until(marker, timeout=5.0):
    """Read the pty until marker appears after what was seen so far; False on timeout."""
    global screen
    start = len(screen)
    end = time.monotonic() + timeout
    while marker not in screen[start:]:
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return False
        try:
            screen += os.read(fd, 4096)
        except OSError:
            return False
    return True

def type_line(line):
    os.write(fd, line.encode() + b"\n")

prompt = b"@@P> "
type_line("PS1='@@''P> '")  # the echoed command does not contain the prompt itself
ok = until(prompt)
type_line(f"enable -f {so} tcpcheck && f=(/proc/$$/fd/*) && echo before=${{#f[@]}}")
ok = ok and until(prompt)
type_line(f"tcpcheck -w 5 {lo} {port}; echo after=$?")
time.sleep(0.5)
t0 = time.monotonic()
os.write(fd, b"\x03")
ok = ok and until(prompt)
ms = (time.monotonic() - t0) * 1000
type_line("echo rc=$?; f=(/proc/$$/fd/*); echo after_fds=${#f[@]}")
ok = ok and until(prompt)
type_line("exit")
os.waitpid(pid, 0)
text = screen.decode(errors="replace").replace("\r", "")
print(text)
print(f"ok={ok} us={ms * 1000:.0f}")
EOF
    check_status 0
    [[ $output == *"ok=True"* ]] || fail_run
    [[ $output =~ before=([0-9]+) ]] && local before=${BASH_REMATCH[1]}
    [[ $output =~ after_fds=([0-9]+) ]] && local after=${BASH_REMATCH[1]}
    [[ $output =~ rc=130 ]] || fail_run
    [[ ! $output =~ after=[0-9] ]] || fail_run # Ctrl-C aborts the rest of the list
    [[ -n $before && $before == "$after" ]] || fail_run
    [[ $output =~ us=([0-9]+) ]] || fail_run
    echo "# interactive Ctrl-C: ${BASH_REMATCH[1]} us to the prompt" >&3
    ((BASH_REMATCH[1] < 400000)) || fail_run
}
