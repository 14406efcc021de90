#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# `-- COMMAND`: the program execs COMMAND once the run succeeded (wait-for-it's use).

load helpers

setup() {
    program_only
}

@test "-- COMMAND runs on success: its status and output are the run's" {
    start_server hold
    run_tc 127.0.0.1 "$PORT" -- sh -c 'echo ran "$1"; exit 42' sh arg1
    check_status 42
    [[ $output == "ran arg1" ]] || { show_run; false; }
    [[ -z $stderr ]] || { show_run; false; }
}

@test "-- COMMAND replaces the process (same pid)" {
    start_server hold
    run bash -c '"$1" 127.0.0.1 "$2" -- sh -c "echo \$\$" & echo $!; wait' _ "$TC" "$PORT"
    [[ $status == 0 ]] || { show_run; false; }
    [[ ${#lines[@]} == 2 && ${lines[0]} == "${lines[1]}" ]] || { echo "pids differ"; show_run; false; }
}

@test "-- COMMAND is not run on failure; the status is tcpcheck's" {
    p=$(free_port)
    run_tc 127.0.0.1 "$p" -- touch "$BATS_TEST_TMPDIR/ran"
    check_status 1
    [[ ! -e $BATS_TEST_TMPDIR/ran ]] || { echo "COMMAND ran after a failure"; false; }
    expect_err "connect to 127.0.0.1 port $p (tcp) failed: Connection refused"
}

@test "-- COMMAND is not run when -a/-m fail" {
    p=$(free_port)
    run_tc -a 127.0.0.1 "$p" 127.0.0.1:"$p" -- touch "$BATS_TEST_TMPDIR/ran"
    check_status 1
    [[ ! -e $BATS_TEST_TMPDIR/ran ]]
}

@test "-- a missing command: 127 and one line" {
    start_server hold
    run -127 --separate-stderr tc 127.0.0.1 "$PORT" -- /nonexistent/no-such-command
    check_status 127
    err_lines
    ((${#ERR[@]} == 1)) || { show_run; false; }
    [[ ${ERR[0]} == *"/nonexistent/no-such-command"* ]] || { show_run; false; }
}

@test "-- a command not on PATH: 127" {
    start_server hold
    run -127 --separate-stderr tc 127.0.0.1 "$PORT" -- no-such-command-xyz-123
    check_status 127
    err_lines
    ((${#ERR[@]} == 1)) || { show_run; false; }
}

@test "-- a file that is not executable: 126 and one line" {
    start_server hold
    f=$BATS_TEST_TMPDIR/not-exec
    printf '#!/bin/sh\necho hi\n' >"$f"
    chmod 644 "$f"
    run_tc 127.0.0.1 "$PORT" -- "$f"
    check_status 126
    err_lines
    ((${#ERR[@]} == 1)) || { show_run; false; }
}

@test "-- after -W: the command runs once the port opens" {
    start_server late 300
    run_tc -W 3 127.0.0.1 "$PORT" -- echo ready
    check_status 0
    [[ $output == ready ]] || { show_run; false; }
}

@test "-- with -H: the command's own status is kept" {
    start_server hold
    run_tc -H 127.0.0.1 "$PORT" -- sh -c 'exit 3'
    check_status 3
}

@test "-- after a target starts COMMAND even if it looks like a target" {
    start_server hold
    run_tc 127.0.0.1 "$PORT" -- echo 127.0.0.1 1
    check_status 0
    [[ $output == "127.0.0.1 1" ]] || { show_run; false; }
}
