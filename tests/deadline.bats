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
    expect_between 250 650
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

@test "-W 1 on a refused port: attempts until 0.9 s (the last one -i allows), status 1" {
    p=$(free_port)
    elapsed_ms tc -W 1 127.0.0.1 "$p"
    check_status 1
    expect_between 850 1100
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
    expect_err_match "connect to 127.0.0.1 port $PORT (tcp) failed: Connection refused"
    # The line gives the time from the first attempt to success in tenths; ELAPSED (measured
    # out here, process start-up included) may round to the next tenth either way.
    err_lines
    ((${#ERR[@]} == 2)) || { show_run; false; }
    want_re="^Connection to 127\.0\.0\.1 $PORT port \[tcp/${svc:-\*}\] succeeded after 0\.([0-9]) s$"
    [[ ${ERR[1]} =~ $want_re ]] || { echo "line 2: ${ERR[1]}"; show_run; false; }
    shown=$((BASH_REMATCH[1] * 100))
    ((shown >= ELAPSED - 200 && shown <= ELAPSED + 100)) ||
        { echo "says $shown ms, took $ELAPSED ms"; show_run; false; }
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
    ((n >= 3 && n <= 4)) || { echo "attempts: $n (want 4: at 0, 0.3, 0.6, 0.9 s)"; show_run; false; }
}

@test "-i is a floor: no extra attempt just before -W ends" {
    p=$(free_port)
    run_tc -j -W 1 -i 0.6 127.0.0.1 "$p"
    check_status 1
    n=$(jq '.attempts' <<<"$output")
    ((n == 2)) || { echo "attempts: $n (want 2: at 0 and 0.6 s, none at 0.999 s)"; show_run; false; }
}

@test "-i is a floor: a port that opens in the last interval is not seen" {
    # Attempts at 0 and 1.2 s; the listener opens 1.6 s after the server started (which leaves
    # 0.4 s either way for tcpcheck's own start-up); the next attempt would be at 2.4 s.
    start_server late 1600
    elapsed_ms tc -j -W 2 -i 1.2 127.0.0.1 "$PORT"
    check_status 1
    [[ $(jq -r '"\(.state) \(.attempts)"' <<<"$output") == "refused 2" ]] || { show_run; false; }
    expect_between 1100 1800
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

@test "-W with more targets than -c: every target gets attempts, the open one is found" {
    need_netns
    run --separate-stderr in_netns 'ns_server hold || exit 98
        timed tc -j -W 1 -c 8 127.0.0.1 1-40 "$PORT"'
    netns_elapsed
    check_status 1
    (($(jq -s length <<<"$output") == 41)) || { show_run; false; }
    [[ $(jq -r 'select(.state == "open") | .port' <<<"$output") == "$(tail -1 <<<"$output" | jq .port)" ]] ||
        { show_run; false; }
    # Every refused target was attempted, more than once, and says so.
    [[ $(jq -r 'select(.state != "open") | .state' <<<"$output" | sort -u) == refused ]] || { show_run; false; }
    (($(jq -s 'map(.attempts) | min' <<<"$output") >= 1)) || { show_run; false; }
    (($(jq -s 'map(select(.state == "refused") | .attempts) | min' <<<"$output") >= 2)) || { show_run; false; }
    expect_between 800 1300
}

@test "-W 1 with 2,000 targets and the default -c: the open one past the first 1,024 is found" {
    need_netns
    run --separate-stderr in_netns 'ns_server -p 7041 hold || exit 98
        tc -j -W 1 127.0.0.1 1-2000 7041'
    check_status 1
    [[ $(jq -r 'select(.port == 7041) | .state' <<<"$output") == open ]] || { show_run | head; false; }
    (($(jq -s 'map(.attempts) | min' <<<"$output") >= 1)) || { echo "a target was never attempted"; false; }
    [[ -z $(jq -r 'select(.error != null) | .error | select(test("timed out"))' <<<"$output") ]] ||
        { echo "a refused port reported as a timeout"; false; }
}

@test "-a -W 2 -c 1: the quorum ends the run at once, with targets still queued" {
    start_server hold
    p=$(free_port)
    elapsed_ms tc -j -a -W 2 -c 1 127.0.0.1:"$p" 127.0.0.1:"$PORT"
    check_status 0
    [[ $(jq -r '"\(.state) \(.attempts)"' <<<"$output" | paste -sd,) == "refused 1,open 1" ]] ||
        { show_run; false; }
    expect_between 0 400
}

@test "-W ends before a target was attempted: 'not attempted', attempts 0, never a connect timeout" {
    need_netns
    # -c 1: the silent target holds the only socket until -W cuts it at 0.5 s.
    run --separate-stderr in_netns 'netns_drop || exit 98
        ns_server hold || exit 98
        echo "$PORT" >"$BATS_TEST_TMPDIR/port"
        tc -j -W 0.5 -w 1 -c 1 10.77.0.2:80 127.0.0.1:"$PORT" >"$BATS_TEST_TMPDIR/json"
        tc -W 0.5 -w 1 -c 1 10.77.0.2:80 127.0.0.1:"$PORT"'
    check_status 3
    port=$(<"$BATS_TEST_TMPDIR/port")
    expect_err "connect to 10.77.0.2 port 80 (tcp) timed out after 0.5 s" \
        "127.0.0.1 port $port: not attempted: the wait ended after 0.5 s"
    run jq -r '"\(.state) \(.attempts) \(.address)"' "$BATS_TEST_TMPDIR/json"
    [[ $output == $'timeout 1 10.77.0.2\ntimeout 0 null' ]] || { echo "$output"; false; }
}

@test "-a: a target the quorum cut off says so (never attempted, or first attempt cut short)" {
    need_netns
    # -c 1: the silent target takes its -w, then the open one meets the quorum; the third
    # was never attempted.
    run --separate-stderr in_netns 'netns_drop || exit 98
        ns_server hold || exit 98
        echo "$PORT" >"$BATS_TEST_TMPDIR/port"
        tc -a -W 3 -w 0.3 -c 1 10.77.0.2:80 127.0.0.1:"$PORT" 127.0.0.1:"$PORT" || exit
        timed tc -a -W 3 -w 2 10.77.0.2:80 127.0.0.1:"$PORT"'
    check_status 0
    netns_elapsed
    port=$(<"$BATS_TEST_TMPDIR/port")
    expect_err "connect to 10.77.0.2 port 80 (tcp) timed out after 0.3 s" \
        "127.0.0.1 port $port: not attempted: the quorum was met first" \
        "10.77.0.2 port 80: first attempt cut short: the quorum was met"
    expect_between 0 400
}
