#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# Deadlines: -w bounds one attempt (resolution included), -W bounds the whole wait.

load helpers

@test "-w 0.3 on a silent drop (netns) ends in 0.3-0.5 s" {
    need_netns
    run --separate-stderr in_netns 'netns_drop || exit 98; timed tc -w 0.3 10.77.0.2 80'
    netns_elapsed
    check_status 3
    expect_between 300 500
    expect_err "connect to 10.77.0.2 port 80 (tcp) timed out after 0.3 s"
}

@test "-w 0.3 on a full accept queue (loopback) ends in 0.3-0.5 s" {
    start_server backlog
    elapsed_ms tc -w 0.3 127.0.0.1 "$PORT"
    check_status 3
    expect_between 300 500
}

@test "-w 0.25: fractions, and the message prints the time as written" {
    start_server backlog
    elapsed_ms tc -w 0.250 127.0.0.1 "$PORT"
    check_status 3
    expect_between 250 450
    expect_err "connect to 127.0.0.1 port $PORT (tcp) timed out after 0.250 s"
}

@test "a resolver that never answers costs -w, not its own timeout" {
    need_netns
    run --separate-stderr in_netns 'netns_silent_dns "127.0.0.1 localhost" || exit 98
        timed tc -w 0.5 db 80'
    netns_elapsed
    check_status 4
    expect_between 480 700
    expect_err "db: name resolution timed out after 0.5 s"
}

@test "numeric addresses never touch the (silent) resolver" {
    need_netns
    run --separate-stderr in_netns 'netns_silent_dns "" || exit 98
        ns_server hold || exit 98
        timed tc -w 2 127.0.0.1 "$PORT" || exit
        timed tc -j -w 2 127.0.0.1 "$PORT"'
    netns_elapsed
    check_status 0
    [[ $(jq -r .state <<<"$output") == open ]] || { show_run; false; }
    expect_between 0 200
}

@test "-W 1 on a refused port ends at 1 s with status 1" {
    p=$(free_port)
    elapsed_ms tc -W 1 127.0.0.1 "$p"
    check_status 1
    expect_between 950 1100
    expect_err "connect to 127.0.0.1 port $p (tcp) failed: Connection refused"
}

@test "-W 1 -w 0.3 on a dropping port ends at 1 s with status 3" {
    start_server backlog
    elapsed_ms tc -W 1 -w 0.3 127.0.0.1 "$PORT"
    check_status 3
    expect_between 950 1100
}

@test "-W cuts off an attempt whose -w would run past it" {
    start_server backlog
    elapsed_ms tc -W 0.6 -w 5 127.0.0.1 "$PORT"
    check_status 3
    expect_between 550 700
}

@test "-W on a silent drop (netns) never exceeds W by 100 ms" {
    need_netns
    run --separate-stderr in_netns 'netns_drop || exit 98; timed tc -W 0.7 -w 0.3 10.77.0.2 80'
    netns_elapsed
    check_status 3
    expect_between 650 800
}

@test "-W with a listener that opens after 0.7 s: success soon after it opens" {
    start_server late 700
    svc=$(getent services "$PORT/tcp" | awk '{print $1}')
    elapsed_ms tc -v -W 3 127.0.0.1 "$PORT"
    check_status 0
    # The listener opens 700 ms after tcserver printed the port; -i 0.1 sees it within 100 ms.
    expect_between 550 950
    err_lines
    [[ ${#ERR[@]} == 2 && ${ERR[0]} == "connect to 127.0.0.1 port $PORT (tcp) failed: Connection refused" ]] ||
        { show_run; false; }
    # The program counts from its first attempt, the test from before it started: the tenths it
    # prints lie at most its start-up time (200 ms on a loaded machine) below ELAPSED.
    [[ ${ERR[1]} =~ ^"Connection to 127.0.0.1 $PORT port [tcp/${svc:-*}] succeeded after 0."([0-9])" s"$ ]] &&
        ((BASH_REMATCH[1] * 100 + 50 >= ELAPSED - 200 && BASH_REMATCH[1] * 100 - 50 <= ELAPSED)) ||
        { show_run; false; }
}

@test "-W: one line per state change, not per attempt" {
    p=$(free_port)
    run_tc -v -W 0.5 -i 0.05 127.0.0.1 "$p"
    check_status 1
    expect_err "connect to 127.0.0.1 port $p (tcp) failed: Connection refused"
}

@test "-i: attempts are spaced from the start of the previous one" {
    p=$(free_port)
    run_tc -j -W 1 -i 0.3 127.0.0.1 "$p"
    check_status 1
    n=$(jq '.attempts' <<<"$output")
    ((n >= 3 && n <= 5)) || { echo "attempts: $n (want 4: at 0, 0.3, 0.6, 0.9 s)"; show_run; false; }
}

@test "-W retries an unresolved name until it appears in /etc/hosts" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "127.0.0.1 localhost" files "" || exit 98
        ns_server hold || exit 98
        (sleep 0.4; printf "127.0.0.1 later\n" >"$BATS_TEST_TMPDIR/etc/hosts") &
        timed tc -W 3 -w 0.5 later "$PORT"'
    netns_elapsed
    check_status 0
    expect_between 380 900
}

@test "-W -m 1: stops as soon as the quorum is open, others reported with their last state" {
    start_server late 400
    late=$PORT
    closed=$(free_port)
    elapsed_ms tc -m 1 -W 3 127.0.0.1 "$closed" 127.0.0.1 "$late"
    check_status 0
    expect_between 300 700
    expect_err "connect to 127.0.0.1 port $closed (tcp) failed: Connection refused"
}
