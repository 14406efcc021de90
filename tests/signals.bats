#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# SIGINT/SIGTERM stop a run at once (tcpcheck(1), STATES AND EXIT STATUS: 130 for SIGINT, 128 + signal), sockets closed.

load helpers

# `expect_quick_exit WANT...`: the status is one of WANT and the process ended within 400 ms
# of the signal (the goal is 100 ms; the margin absorbs a loaded CI machine).
expect_quick_exit() {
    echo "# $BATS_TEST_DESCRIPTION: ended ${ELAPSED} ms after the signal (status $status)" >&3
    local want ok=0
    for want in "$@"; do
        [[ $status == "$want" ]] && ok=1
    done
    ((ok)) || { echo "status $status, want one of $*"; show_run; return 1; }
    ((ELAPSED <= 400)) || { echo "took ${ELAPSED} ms after the signal"; return 1; }
    ! kill -0 "$BG_PID" 2>/dev/null || { echo "still running"; return 1; }
}

@test "SIGINT during a connect (-w 5, full accept queue): 130 at once" {
    start_server backlog
    tc_bg -w 5 127.0.0.1 "$PORT"
    wait_socket "$BG_PID"
    sleep 0.2
    interrupt INT
    expect_quick_exit 130
}

@test "SIGTERM during a connect: 128 + 15 (or 130) at once" {
    start_server backlog
    tc_bg -w 5 127.0.0.1 "$PORT"
    wait_socket "$BG_PID"
    sleep 0.2
    interrupt TERM
    expect_quick_exit 143 130
}

@test "SIGINT during -W 30 on a refused port: 130 at once" {
    p=$(free_port)
    tc_bg -W 30 127.0.0.1 "$p"
    sleep 0.3
    interrupt INT
    expect_quick_exit 130
}

@test "SIGTERM during -W 30 on a dropping port" {
    start_server backlog
    tc_bg -W 30 -w 1 127.0.0.1 "$PORT"
    wait_socket "$BG_PID"
    sleep 0.2
    interrupt TERM
    expect_quick_exit 143 130
}

@test "SIGINT while waiting for a reply (-E): 130, the connection is closed" {
    start_server hold
    tc_bg -w 5 -E 'SSH-*' 127.0.0.1 "$PORT"
    wait_socket "$BG_PID"
    sleep 0.2
    interrupt INT
    expect_quick_exit 130
    wait_gone 1
}

@test "SIGINT with -H stays 130" {
    start_server backlog
    tc_bg -H -w 5 127.0.0.1 "$PORT"
    wait_socket "$BG_PID"
    sleep 0.1
    interrupt INT
    expect_quick_exit 130
}

@test "SIGINT during a sweep of many timing-out targets" {
    start_server backlog
    tc_bg -q -w 5 127.0.0.1 "$(printf "$PORT,%.0s" {1..99})$PORT"
    wait_socket "$BG_PID"
    sleep 0.2
    interrupt INT
    expect_quick_exit 130
}

@test "SIGINT during a name lookup that never answers (netns): 130 at once" {
    need_netns
    run --separate-stderr in_netns 'netns_silent_dns "127.0.0.1 localhost" || exit 98
        tc_bg -w 5 db 80
        sleep 0.3
        t0=$(date +%s%N)
        kill -INT $BG_PID
        wait $BG_PID
        rc=$?
        echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$BATS_TEST_TMPDIR/elapsed"
        exit $rc'
    netns_elapsed
    BG_PID=0
    echo "# $BATS_TEST_DESCRIPTION: ended ${ELAPSED} ms after the signal (status $status)" >&3
    check_status 130
    ((ELAPSED <= 400)) || { echo "took ${ELAPSED} ms"; false; }
}

# ---------------------------------------------------------------------------------------------
# A signal ignored when the program starts stays ignored (tcpcheck(1), STATES AND EXIT STATUS):
# `nohup tcpcheck ...`, a background job after `trap '' INT`.  The builtin is bash's business.

# `ignored_run SIG`: start the program with SIG ignored on -W 1 against a refused port, send SIG
# after 0.3 s; sets status and ELAPSED (ms from start).
ignored_run() {
    local closed t0
    closed=$(free_port)
    t0=$(date +%s%N)
    env --ignore-signal="$1" "$TC" -q -W 1 127.0.0.1 "$closed" 3>&- &
    BG_PID=$!
    sleep 0.3
    kill -"$1" "$BG_PID"
    status=0
    wait "$BG_PID" || status=$?
    ELAPSED=$((($(date +%s%N) - t0) / 1000000))
}

@test "an ignored SIGINT, SIGTERM or SIGHUP stays ignored: the wait runs to its end, status 1" {
    program_only
    local sig
    for sig in INT TERM HUP; do
        ignored_run "$sig"
        [[ $status == 1 ]] || { echo "SIG$sig ignored: status $status, want 1 (the run's own)"; return 1; }
        ((ELAPSED >= 900)) || { echo "SIG$sig ignored: ended after $ELAPSED ms, before -W 1"; return 1; }
    done
}

@test "a background job after trap '' INT keeps SIGINT ignored; a default SIGINT still stops it" {
    program_only
    local closed
    closed=$(free_port)
    run bash -c 'trap "" INT
        "$1" -q -W 1 127.0.0.1 "$2" & pid=$!
        sleep 0.3; kill -INT $pid; wait $pid; echo "ignored=$?"
        trap - INT
        env --default-signal=INT "$1" -q -W 1 127.0.0.1 "$2" & pid=$!
        sleep 0.3; kill -INT $pid; wait $pid; echo "default=$?"' _ "$TC" "$closed" 3>&-
    [[ $output == $'ignored=1\ndefault=130' ]] || { show_run; return 1; }
}

@test "-- COMMAND inherits the signals ignored at start (nohup tcpcheck ... -- server)" {
    program_only
    start_server hold
    run env --ignore-signal=HUP "$TC" 127.0.0.1 "$PORT" -- sh -c 'kill -HUP $$; echo survived' 3>&-
    check_status 0
    [[ $output == survived ]] || { show_run; return 1; }
    # Without nohup, COMMAND gets the default action back.
    run env --default-signal=HUP "$TC" 127.0.0.1 "$PORT" -- sh -c 'kill -HUP $$; echo survived' 3>&-
    check_status 129
}
