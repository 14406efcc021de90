#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# -C, expect closed (tcpcheck(1), EXPECT CLOSED): a refused target passes; an open one is status
# 6 and says so; timeout, unresolved, unreachable and error keep their statuses; -a, -m, -W and
# -- COMMAND count passing targets; state words stay the truth.

load helpers

svc() {
    getent services "$1/tcp" | awk '{print $1}' | grep . || echo '*'
}

@test "-C: a refused port passes, silently" {
    p=$(free_port)
    run_tc -C 127.0.0.1 "$p"
    check_status 0
    expect_no_output
}

@test "-C -v: a passing target in one line of its own, nc's words" {
    p=$(free_port)
    run_tc -C -v 127.0.0.1 "$p"
    check_status 0
    expect_err "Connection to 127.0.0.1 $p port [tcp/$(svc "$p")] refused, as -C expected"
}

@test "-C -vv: the address too (no connect time: nothing connected)" {
    p=$(free_port)
    run_tc -C -vv 127.0.0.1 "$p"
    check_status 0
    expect_err "Connection to 127.0.0.1 (127.0.0.1) $p port [tcp/$(svc "$p")] refused, as -C expected"
}

@test "-C: an open port is 6 and its line says -C expected it closed" {
    start_server hold
    run_tc -C 127.0.0.1 "$PORT"
    check_status 6
    expect_err "connect to 127.0.0.1 port $PORT (tcp) succeeded, but -C expected it closed"
    [[ -z $output ]]
}

@test "-C -H: an open port is 1" {
    start_server hold
    run_tc -C -H 127.0.0.1 "$PORT"
    check_status 1
}

@test "-C -j: the state words stay the truth, the open one carries the error" {
    start_server hold
    p=$(free_port)
    run_tc -C -j 127.0.0.1 "$PORT" 127.0.0.1 "$p"
    check_status 6
    [[ -z $stderr ]] || { show_run; false; }
    run jq -c '[.state, .error]' <<<"$output"
    [[ ${lines[0]} == "[\"open\",\"connect to 127.0.0.1 port $PORT (tcp) succeeded, but -C expected it closed\"]" ]] || { echo "$output"; false; }
    [[ ${lines[1]} == "[\"refused\",\"connect to 127.0.0.1 port $p (tcp) failed: Connection refused\"]" ]] || { echo "$output"; false; }
}

@test "-C: a timeout proves nothing and stays 3" {
    start_server backlog
    run_tc -C -w 0.3 127.0.0.1 "$PORT"
    check_status 3
    expect_err "connect to 127.0.0.1 port $PORT (tcp) timed out after 0.3 s"
}

@test "-C: unresolved stays 4, unreachable 5 (netns)" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "127.0.0.1 db" files "" && netns_unreachable || exit 98
        tc -C -w 1 no-such-host 80; echo "rc=$?"
        tc -C -w 1 10.78.0.1 80; echo "rc=$?"'
    [[ ${lines[0]} == rc=4 && ${lines[1]} == rc=5 ]] || { show_run; false; }
}

@test "-C: a local error stays 7 (a source address that cannot be bound)" {
    p=$(free_port)
    run_tc -C -s 192.0.2.1 127.0.0.1 "$p"
    check_status 7
}

@test "-C with several targets: the first failing one's status, an open one 6" {
    start_server hold
    p=$(free_port)
    run_tc -C 127.0.0.1 "$p" 127.0.0.1 "$PORT"
    check_status 6
    expect_err "connect to 127.0.0.1 port $PORT (tcp) succeeded, but -C expected it closed"
}

@test "-C -a and -m count refused targets" {
    start_server hold
    p=$(free_port)
    q=$(free_port)
    run_tc -C -a 127.0.0.1 "$PORT" 127.0.0.1 "$p"
    check_status 0
    # A run that succeeds still prints its line for each failing target.
    expect_err "connect to 127.0.0.1 port $PORT (tcp) succeeded, but -C expected it closed"
    run_tc -C -m 2 127.0.0.1 "$p" 127.0.0.1 "$PORT" 127.0.0.1 "$q"
    check_status 0
    run_tc -C -m 2 127.0.0.1 "$PORT" 127.0.0.1 "$p"
    check_status 6
}

@test "-C -W: waits until a listener goes away, and says so with -v" {
    start_server hold
    (
        sleep 0.5
        kill "$SERVER_PID"
    ) 3>&- &
    elapsed_ms tc -C -v -W 10 127.0.0.1 "$PORT"
    check_status 0
    expect_between 400 3000
    err_lines
    ((${#ERR[@]} == 2)) || { show_run; false; }
    [[ ${ERR[0]} == "connect to 127.0.0.1 port $PORT (tcp) succeeded, but -C expected it closed" ]] || { show_run; false; }
    [[ ${ERR[1]} =~ ^Connection\ to\ 127\.0\.0\.1\ $PORT\ port\ \[tcp/[^]]*\]\ refused\ after\ [0-9]+\.[0-9]\ s,\ as\ -C\ expected$ ]] || { show_run; false; }
}

@test "-C -W 0: no time limit, ends when the listener goes away" {
    start_server hold
    (
        sleep 0.5
        kill "$SERVER_PID"
    ) 3>&- &
    elapsed_ms tc -C -W 0 127.0.0.1 "$PORT"
    check_status 0
    expect_between 400 3000
    expect_no_output
}

@test "-C -W: a port that stays open ends with 6 when the wait ends" {
    start_server hold
    elapsed_ms tc -C -W 0.5 127.0.0.1 "$PORT"
    check_status 6
    expect_between 400 2000
    expect_err "connect to 127.0.0.1 port $PORT (tcp) succeeded, but -C expected it closed"
}

@test "-C -W -m 1: stops as soon as one target is refused" {
    start_server hold
    p=$(free_port)
    elapsed_ms tc -C -m 1 -W 10 127.0.0.1 "$PORT" 127.0.0.1 "$p"
    check_status 0
    expect_between 0 1500
}

@test "-C -- COMMAND: runs only once the target is refused" {
    program_only
    p=$(free_port)
    run_tc -C 127.0.0.1 "$p" -- echo ran
    check_status 0
    [[ $output == ran ]] || { show_run; false; }
    start_server hold
    run_tc -C 127.0.0.1 "$PORT" -- echo ran
    check_status 6
    [[ -z $output ]] || { show_run; false; }
}

@test "-C -V: the array holds the true states" {
    [[ $TC_FORM == builtin ]] || skip "-V is the builtin's"
    start_server hold
    p=$(free_port)
    run --separate-stderr builtin_bash -c 'enable -f "$1" tcpcheck || exit 99
        tcpcheck -C -q -V R 127.0.0.1 "$2" 127.0.0.1 "$3"; echo "rc=$?"
        echo "${R[127.0.0.1:$2]} ${R[127.0.0.1:$3]}"' bash "$TC_SO" "$PORT" "$p"
    [[ ${lines[0]} == rc=6 && ${lines[1]} == "open refused" ]] || { show_run; false; }
}
