#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# Hard limits: few file descriptors, 100,000 targets, extreme deadlines, long sweeps, signals.
#
# The sweeps run inside a network namespace made for the test (in_netns): its loopback holds
# only the listeners the test starts, so the open set is known exactly, and nothing on this host
# (another test's server, a service on 0.0.0.0) is probed or can disturb the count.

load helpers

setup() {
    need_netns
}

# `note TEXT`: a measured figure, shown in bats' output (fd 3) and kept for the report.
note() {
    echo "# $*" >&3
}

@test "ulimit -n 32: a full 1-65535 sweep completes with the exact open set" {
    run --separate-stderr in_netns '
        ns_server hold && a=$PORT || exit 97
        # PORT= : ns_server keeps a stale PORT when its file does not exist yet.
        PORT= && ns_server -p 80 hold && b=$PORT || exit 97
        echo "$a $b" >"$BATS_TEST_TMPDIR/ports"
        (ulimit -n 32 && tc -q -j 127.0.0.1 1-65535) >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
    '
    # Port 1 is the first target and refused: the run says so.
    check_status 1
    [[ ! -s $BATS_TEST_TMPDIR/err ]] || { head -5 "$BATS_TEST_TMPDIR/err"; false; }
    read -r a b <"$BATS_TEST_TMPDIR/ports"
    want=$(printf '%s\n' "$a" "$b" | sort -n)
    got=$(jq -r 'select(.state == "open") | .port' "$BATS_TEST_TMPDIR/out")
    [[ $got == "$want" ]] || { echo "open: $got"; echo "want: $want"; false; }
    # Every other port refused (never `error`: running short of descriptors must only slow the
    # sweep down), one object each, in argument order.
    run jq -r 'select(.state != "open" and .state != "refused") | "\(.port) \(.state) \(.error)"' \
        "$BATS_TEST_TMPDIR/out"
    [[ -z $output ]] || { echo "$output" | head; false; }
    jq -r .port "$BATS_TEST_TMPDIR/out" | cmp - <(seq 1 65535)
}

# rss KB-FILE ARG...: peak RSS (KB) of one run of the form under test, via GNU time.
RSS_FN='
rss() {
    local f=$1
    shift
    if [[ $TC_FORM == builtin ]]; then
        /usr/bin/time -f %M -o "$f" bash -c '\''enable -f "$1" tcpcheck || exit 99; shift; tcpcheck "$@"'\'' bash "$TC_SO" "$@"
    else
        /usr/bin/time -f %M -o "$f" "$TC" "$@"
    fi
}
'

@test "100,000 targets in one call: peak RSS as for 1,000" {
    [[ -x /usr/bin/time ]] || skip "GNU time is not installed (make deps)"
    [[ ${TC_SANITIZE:-} == 1 && $TC_FORM == builtin ]] &&
        skip "the ASan builtin needs a preloaded runtime; peak RSS is measured in the normal run"
    run --separate-stderr in_netns "$RSS_FN"'
        rss "$BATS_TEST_TMPDIR/rss1k" -q 127.0.0.1 1-1000; echo "$?" >"$BATS_TEST_TMPDIR/rc1k"
        rss "$BATS_TEST_TMPDIR/rss100k" -q 127.0.0.1 1-65535 127.0.0.2 1-34465
    '
    check_status 1
    (($(<"$BATS_TEST_TMPDIR/rc1k") == 1))
    small=$(tail -1 "$BATS_TEST_TMPDIR/rss1k")
    big=$(tail -1 "$BATS_TEST_TMPDIR/rss100k")
    note "peak RSS ($TC_FORM): 1,000 targets $small KB, 100,000 targets $big KB"
    # < 1.5 x the 1,000 figure + 1 MB, in integer KB.
    ((big * 2 < small * 3 + 2048)) || { echo "RSS grew from $small KB to $big KB"; false; }
}

@test "100,000 targets with -j: one object each, the last one last" {
    run --separate-stderr in_netns '
        tc -q -j 127.0.0.1 1-65535 127.0.0.2 1-34465 >"$BATS_TEST_TMPDIR/out"
    '
    check_status 1
    (($(wc -l <"$BATS_TEST_TMPDIR/out") == 100000))
    [[ $(tail -1 "$BATS_TEST_TMPDIR/out" | jq -r '"\(.host) \(.port)"') == "127.0.0.2 34465" ]]
    [[ $(sed -n 65536p "$BATS_TEST_TMPDIR/out" | jq -r '"\(.host) \(.port)"') == "127.0.0.2 1" ]]
}

@test "-w 0.001: a silent host times out at once, in the words given" {
    run --separate-stderr in_netns '
        netns_drop || exit 97
        timed tc -w 0.001 10.77.0.2 80
    '
    check_status 3
    netns_elapsed
    expect_between 0 200
    expect_err "connect to 10.77.0.2 port 80 (tcp) timed out after 0.001 s"
}

@test "-w 0.001: a refused port is still refused, not a timeout" {
    run --separate-stderr in_netns 'tc -w 0.001 127.0.0.1 1'
    check_status 1
    expect_err "connect to 127.0.0.1 port 1 (tcp) failed: Connection refused"
}

@test "-w 86400 (the largest): an open port returns at once, and so does a refused one" {
    start_server hold
    elapsed_ms tc -w 86400 127.0.0.1 "$PORT"
    check_status 0
    expect_between 0 500
    p=$(free_port)
    elapsed_ms tc -w 86400 -W 86400 127.0.0.1 "$PORT"
    check_status 0
    expect_between 0 500
    elapsed_ms tc -w 86400 127.0.0.1 "$p"
    check_status 1
    expect_between 0 500
    run_tc -w 86400.000001 127.0.0.1 "$PORT"
    expect_usage
}

@test "a port range across five hosts: reported in argument order, whatever -c" {
    run --separate-stderr in_netns '
        ns_server -a 127.0.0.3 -p 150 hold || exit 97
        PORT= && ns_server -a 127.0.0.5 -p 7 hold || exit 97
        words=()
        for h in 1 2 3 4 5; do words+=("127.0.0.$h" 1-200); done
        tc -j "${words[@]}" >"$BATS_TEST_TMPDIR/out" 2>/dev/null
        echo $? >"$BATS_TEST_TMPDIR/rc"
        tc -j -c 3 "${words[@]}" >"$BATS_TEST_TMPDIR/out3" 2>/dev/null
    '
    check_status 1
    (($(<"$BATS_TEST_TMPDIR/rc") == 1))
    want=$(for h in 1 2 3 4 5; do
        for p in {1..200}; do
            s=refused
            [[ $h.$p == 3.150 || $h.$p == 5.7 ]] && s=open
            echo "127.0.0.$h $p $s"
        done
    done)
    for f in out out3; do
        got=$(jq -r '"\(.host) \(.port) \(.state)"' "$BATS_TEST_TMPDIR/$f")
        [[ $got == "$want" ]] || { diff <(echo "$want") <(echo "$got") | head; false; }
    done
}

# signal_mid_sweep SIG: start a sweep of a silent host, check it holds sockets, send SIG, and
# write "SOCKETS STATUS MICROSECONDS SYN_SENT_LEFT ALIVE" to $BATS_TEST_TMPDIR/sig.
SIGNAL_FN='
signal_mid_sweep() {
    netns_drop || exit 97
    # A background job of a script starts with SIGINT ignored, which the program keeps ignored
    # (tcpcheck(1), STATES AND EXIT STATUS): give it the default action, as a foreground run has.
    env --default-signal=INT "$TC" -q 10.77.0.2 1-65535 &
    local pid=$! socks rc t0 t1 alive=no
    sleep 0.3
    socks=$(find "/proc/$pid/fd" -lname "socket:*" 2>/dev/null | wc -l)
    t0=$(date +%s%N)
    kill -"$1" "$pid"
    wait "$pid"
    rc=$?
    t1=$(date +%s%N)
    kill -0 "$pid" 2>/dev/null && alive=yes
    echo "$socks $rc $(((t1 - t0) / 1000)) $(ss -Htan state syn-sent | wc -l) $alive" \
        >"$BATS_TEST_TMPDIR/sig"
}
'

check_signal() {
    local socks rc us left alive
    read -r socks rc us left alive <"$BATS_TEST_TMPDIR/sig"
    note "$1 mid-sweep: exit $rc after $((us / 1000)).$(printf %03d $((us % 1000))) ms, $socks sockets open before"
    ((socks > 0)) || { echo "no socket open mid-sweep"; false; }
    ((rc == $2)) || { echo "status $rc, expected $2"; false; }
    ((us < 400000)) || { echo "took $us us"; false; }
    ((left == 0)) || { echo "$left connecting sockets left"; false; }
    [[ $alive == no ]]
}

@test "SIGINT mid-sweep: 130 at once, every socket closed" {
    program_only
    run --separate-stderr in_netns "$SIGNAL_FN"'signal_mid_sweep INT'
    check_status 0
    check_signal SIGINT 130
}

@test "SIGTERM mid-sweep: 143 at once, every socket closed" {
    program_only
    run --separate-stderr in_netns "$SIGNAL_FN"'signal_mid_sweep TERM'
    check_status 0
    check_signal SIGTERM 143
}
