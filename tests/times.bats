#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# Times as written (tcpcheck(1), OPTIONS, "Times"): every message prints a time the way the user
# gave it ("timed out after 500ms", "timed out after 0.25 s", "the wait ended after 300ms"), and
# -W 0 waits without a time limit, until the targets open or an interrupt.

load helpers

@test "-w 500ms: 'timed out after 500ms'" {
    start_server backlog
    elapsed_ms tc -w 500ms 127.0.0.1 "$PORT"
    check_status 3
    expect_between 450 1200
    expect_err "connect to 127.0.0.1 port $PORT (tcp) timed out after 500ms"
}

@test "-w 0.25: a bare number is seconds, 'timed out after 0.25 s'" {
    start_server backlog
    run_tc -w 0.25 127.0.0.1 "$PORT"
    check_status 3
    expect_err "connect to 127.0.0.1 port $PORT (tcp) timed out after 0.25 s"
}

@test "-w 0.005m and -w .3s: as written, whatever the unit" {
    start_server backlog
    run_tc -w 0.005m 127.0.0.1 "$PORT"
    check_status 3
    expect_err "connect to 127.0.0.1 port $PORT (tcp) timed out after 0.005m"
    run_tc -w .3s 127.0.0.1 "$PORT"
    check_status 3
    expect_err "connect to 127.0.0.1 port $PORT (tcp) timed out after .3s"
}

@test "-W 300ms cutting -w: the attempt's line prints -W as written" {
    start_server backlog
    elapsed_ms tc -w 5 -W 300ms 127.0.0.1 "$PORT"
    check_status 3
    expect_between 250 1200
    expect_err "connect to 127.0.0.1 port $PORT (tcp) timed out after 300ms"
}

@test "-W 300ms: a target the wait ended before: 'the wait ended after 300ms'" {
    start_server backlog
    run_tc -c 1 -w 1 -W 300ms 127.0.0.1 "$PORT" 127.0.0.1 "$PORT"
    check_status 3
    expect_err "connect to 127.0.0.1 port $PORT (tcp) timed out after 300ms" \
        "127.0.0.1 port $PORT: not attempted: the wait ended after 300ms"
}

@test "-j: the error text carries the time as written too" {
    start_server backlog
    run_tc -j -w 200ms 127.0.0.1 "$PORT"
    check_status 3
    [[ $(jq -r .error <<<"$output") == "connect to 127.0.0.1 port $PORT (tcp) timed out after 200ms" ]] || { show_run; false; }
}

@test "a name lookup that times out: 'name resolution timed out after 400ms' (netns)" {
    need_netns
    run --separate-stderr in_netns 'netns_silent_dns "127.0.0.1 localhost" || exit 98
        tc -w 400ms db.example 80'
    check_status 4
    expect_err "db.example: name resolution timed out after 400ms"
}

@test "-i 250ms: attempts -i apart in wait mode" {
    p=$(free_port)
    run_tc -j -W 1 -i 250ms 127.0.0.1 "$p"
    check_status 1
    [[ $(jq .attempts <<<"$output") == 4 ]] || { show_run; false; }
}

@test "-W 0: no time limit; ends as soon as the port opens" {
    start_server -L 1500 hold
    elapsed_ms tc -W 0 127.0.0.1 "$PORT"
    check_status 0
    expect_between 1300 3500
    expect_no_output
}

@test "-W 0ms and -W 0s mean no limit as well" {
    start_server -L 600 hold
    run_tc -W 0ms 127.0.0.1 "$PORT"
    check_status 0
    start_server -L 600 hold
    run_tc -W 0s -v 127.0.0.1 "$PORT"
    check_status 0
    expect_err_match "Connection to 127.0.0.1 $PORT port \[tcp/*\] succeeded after [0-9].[0-9] s"
}

@test "-W 0: waits on past any -w, until SIGINT: 130" {
    p=$(free_port)
    tc_bg -W 0 -w 0.2 127.0.0.1 "$p"
    sleep 1.2
    kill -0 "$BG_PID" || { echo "-W 0 ended by itself"; cat "$BATS_TEST_TMPDIR"/bg.*; false; }
    interrupt INT
    check_status 130
    ((ELAPSED <= 400)) || { echo "took $ELAPSED ms after the signal"; false; }
}
