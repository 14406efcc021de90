#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# What tcpcheck prints: the exact stderr lines, -v/-vv, -q, -j, escaping, argument order.

load helpers

# `json_keys LINE`: the keys of one -j object, in order, comma-separated.
json_keys() {
    jq -r 'keys_unsorted | join(",")' <<<"$1"
}

# `expect_json N FILTER`: jq FILTER is true for the N-th object (0-based) of stdout.
expect_json() {
    local got
    got=$(jq -s ".[$1] | $2" <<<"$output" 2>&1)
    if [[ $got != true ]]; then
        echo "jq: .[$1] | $2 -> $got"
        show_run
        return 1
    fi
}

expect_nobjects() {
    local n
    n=$(jq -s 'length' <<<"$output") || { show_run; return 1; }
    ((n == $1)) || { echo "expected $1 JSON objects, got $n"; show_run; return 1; }
}

BASE_KEYS=host,port,state,address,rtt_ms,attempts,elapsed_ms

@test "default: nothing at all on success" {
    start_server hold
    run_tc 127.0.0.1 "$PORT"
    check_status 0
    expect_no_output
    expect_conns 1
}

@test "-v: nc's success line with [tcp/*] for a port without a service name" {
    p=$(free_port_unnamed)
    start_server -p "$p" hold
    run_tc -v 127.0.0.1 "$p"
    check_status 0
    expect_err "Connection to 127.0.0.1 $p port [tcp/*] succeeded!"
    [[ -z $output ]]
}

@test "-v: the service name from the services database" {
    read -r p name < <(free_named_port) || skip "no free port with a service name"
    start_server -p "$p" hold
    run_tc -v 127.0.0.1 "$p"
    check_status 0
    expect_err "Connection to 127.0.0.1 $p port [tcp/$name] succeeded!"
}

@test "-v: failures still print their line" {
    start_server hold
    closed=$(free_port)
    run_tc -v 127.0.0.1 "$PORT" 127.0.0.1 "$closed"
    check_status 1
    expect_err "Connection to 127.0.0.1 $PORT port [tcp/$(getent services "$PORT/tcp" | awk '{print $1}' | grep . || echo '*')] succeeded!" \
        "connect to 127.0.0.1 port $closed (tcp) failed: Connection refused"
}

@test "-vv: the address used and the connect time" {
    p=$(free_port_unnamed)
    start_server -p "$p" hold
    run_tc -vv 127.0.0.1 "$p"
    check_status 0
    expect_err_match "Connection to 127.0.0.1 (127.0.0.1) $p port \[tcp/\*\] succeeded! ([0-9]*.[0-9]* ms)"
    err_lines
    [[ ${ERR[0]} =~ ^Connection\ to\ 127\.0\.0\.1\ \(127\.0\.0\.1\)\ $p\ port\ \[tcp/\*\]\ succeeded!\ \([0-9]+\.[0-9]+\ ms\)$ ]] || { show_run; false; }
}

@test "-v/-vv with a name from /etc/hosts" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        ns_server -p 23456 hold || exit 98
        tc -v db 23456 && tc -vv db 23456'
    check_status 0
    err_lines
    local svc
    svc=$(getent services 23456/tcp | awk '{print $1}')
    svc=${svc:-*}
    [[ ${ERR[0]} == "Connection to db 23456 port [tcp/$svc] succeeded!" ]] || { show_run; false; }
    [[ ${ERR[1]} == "Connection to db (127.0.0.1) 23456 port [tcp/$svc] succeeded! ("*" ms)" ]] || { show_run; false; }
}

@test "-q: nothing about targets, status kept" {
    closed=$(free_port)
    run_tc -q 127.0.0.1 "$closed"
    check_status 1
    expect_no_output
    start_server hold
    run_tc -q -v 127.0.0.1 "$PORT"
    check_status 0
    expect_no_output
}

@test "-j open: seven keys in order, address and rtt set, no error" {
    start_server hold
    run_tc -j 127.0.0.1 "$PORT"
    check_status 0
    [[ -z $stderr ]] || { show_run; false; }
    expect_nobjects 1
    [[ $(json_keys "$output") == "$BASE_KEYS" ]] || { json_keys "$output"; show_run; false; }
    expect_json 0 ".host == \"127.0.0.1\" and .port == $PORT and .state == \"open\""
    expect_json 0 '.address == "127.0.0.1" and (.rtt_ms | type) == "number" and .rtt_ms >= 0'
    expect_json 0 '.attempts == 1 and (.elapsed_ms | type) == "number" and .elapsed_ms >= 0'
}

@test "-j refused: error key, rtt null, no stderr line" {
    closed=$(free_port)
    run_tc -j 127.0.0.1 "$closed"
    check_status 1
    [[ -z $stderr ]] || { show_run; false; }
    expect_nobjects 1
    [[ $(json_keys "$output") == "$BASE_KEYS,error" ]] || { json_keys "$output"; show_run; false; }
    expect_json 0 ".state == \"refused\" and .rtt_ms == null and .port == $closed"
    expect_json 0 '.address == null or .address == "127.0.0.1"'
    expect_json 0 '.error | test("Connection refused")'
}

@test "-j timeout" {
    start_server backlog
    run_tc -j -w 0.3 127.0.0.1 "$PORT"
    check_status 3
    [[ $(json_keys "$output") == "$BASE_KEYS,error" ]] || { show_run; false; }
    expect_json 0 '.state == "timeout" and .rtt_ms == null and (.error | test("timed out after 0.3 s"))'
}

@test "-j mismatch: reply key after error" {
    start_server -c send 48454c4c4f0d0a
    run_tc -j -w 1 -E 'SSH-*' 127.0.0.1 "$PORT"
    check_status 6
    [[ $(json_keys "$output") == "$BASE_KEYS,error,reply" ]] || { json_keys "$output"; show_run; false; }
    expect_json 0 '.state == "mismatch" and .reply == "HELLO\r\n" and .address == "127.0.0.1"'
    expect_json 0 '(.rtt_ms | type) == "number"'
}

@test "-j open with -E: reply key, no error key" {
    start_server send 5353482d322e302d780d0a
    run_tc -j -w 1 -E 'SSH-*' 127.0.0.1 "$PORT"
    check_status 0
    [[ $(json_keys "$output") == "$BASE_KEYS,reply" ]] || { json_keys "$output"; show_run; false; }
    expect_json 0 '.state == "open" and .reply == "SSH-2.0-x\r\n"'
}

@test "-j error (cannot bind the source)" {
    start_server hold
    run_tc -j -w 1 -s 10.99.0.1 127.0.0.1 "$PORT"
    check_status 7
    [[ $(json_keys "$output") == "$BASE_KEYS,error" ]] || { show_run; false; }
    expect_json 0 '.state == "error" and .rtt_ms == null and (.error | test("cannot bind 10.99.0.1"))'
}

@test "-j unresolved, unreachable (netns): address null where nothing was tried" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        netns_unreachable || exit 98
        tc -j -w 1 no-such-host 80 10.78.0.1 81'
    check_status 4
    [[ -z $stderr ]] || { show_run; false; }
    expect_nobjects 2
    [[ $(jq -s -r '.[0] | keys_unsorted | join(",")' <<<"$output") == "$BASE_KEYS,error" ]] || { show_run; false; }
    expect_json 0 '.host == "no-such-host" and .port == 80 and .state == "unresolved" and .address == null and .rtt_ms == null'
    expect_json 0 '.error | test("Name or service not known")'
    expect_json 1 '.host == "10.78.0.1" and .port == 81 and .state == "unreachable" and .rtt_ms == null'
    expect_json 1 '.error | test("No route to host")'
}

@test "-j: IPv6 host without brackets" {
    need_ipv6
    start_server -6 hold
    run_tc -j "[::1]:$PORT"
    check_status 0
    expect_json 0 ".host == \"::1\" and .address == \"::1\" and .port == $PORT"
}

@test "-j with -q still writes the JSON" {
    closed=$(free_port)
    run_tc -j -q 127.0.0.1 "$closed"
    check_status 1
    expect_nobjects 1
    expect_json 0 '.state == "refused"'
}

@test "results are reported in argument order (-j and stderr)" {
    start_server backlog
    slow=$PORT
    start_server hold
    fast=$PORT
    closed=$(free_port)
    run_tc -j -w 0.4 127.0.0.1 "$slow" 127.0.0.1 "$closed" 127.0.0.1 "$fast"
    check_status 3
    expect_nobjects 3
    expect_json 0 ".port == $slow and .state == \"timeout\""
    expect_json 1 ".port == $closed and .state == \"refused\""
    expect_json 2 ".port == $fast and .state == \"open\""
    run_tc -w 0.4 127.0.0.1 "$slow" 127.0.0.1 "$closed" 127.0.0.1 "$fast"
    expect_err "connect to 127.0.0.1 port $slow (tcp) timed out after 0.4 s" \
        "connect to 127.0.0.1 port $closed (tcp) failed: Connection refused"
}

@test "hostile reply bytes are escaped on stderr" {
    start_server -c send 1b5b33316d00fffe0d0a
    run_tc -w 1 -E 'x*' 127.0.0.1 "$PORT"
    check_status 6
    expect_err "127.0.0.1 port $PORT: reply did not match 'x*': closed by peer: \"\\x1b[31m\\0\\xff\\xfe\\r\\n\""
    ! LC_ALL=C grep -q $'\x1b' <<<"$stderr" || { echo "raw ESC on stderr"; false; }
}

@test "DEL and bytes >= 0x80 are escaped on stderr" {
    start_server -c send 7f80c3a909
    run_tc -w 1 -E 'x*' 127.0.0.1 "$PORT"
    check_status 6
    expect_err "127.0.0.1 port $PORT: reply did not match 'x*': closed by peer: \"\\x7f\\x80\\xc3\\xa9\\t\""
}

@test "hostile reply bytes: JSON stays valid, control bytes escaped, bad UTF-8 replaced" {
    start_server -c send 1b5b33316d00fffe0d0a
    run_tc -j -w 1 -E 'x*' 127.0.0.1 "$PORT"
    check_status 6
    expect_nobjects 1
    ! LC_ALL=C grep -q '[[:cntrl:]]' <<<"$output" || { echo "raw control byte in JSON"; show_run; false; }
    expect_json 0 '.reply == "\u001b[31m\u0000\ufffd\ufffd\r\n"'
}

@test "JSON keeps valid UTF-8 in the reply" {
    start_server -c send c3a92de282ac
    run_tc -j -w 1 -E 'x*' 127.0.0.1 "$PORT"
    check_status 6
    expect_json 0 '.reply == "é-€"'
}

@test "a hostile host name: stderr escaped, JSON valid" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        tc -j -w 1 $'"'"'evil\x1b[2Jhost'"'"' 80'
    # The name does not resolve (4); refusing it as malformed (2) is also acceptable.
    [[ $status == 4 || $status == 2 ]] || { show_run; false; }
    ! LC_ALL=C grep -q $'\x1b' <<<"$stderr$output" || { echo "raw ESC in output"; show_run; false; }
    if [[ $status == 4 ]]; then
        expect_json 0 '.host == "evil\u001b[2Jhost" and .state == "unresolved"'
    fi
}

@test "-v output goes to stderr, stdout stays empty" {
    start_server hold
    run_tc -v 127.0.0.1 "$PORT"
    [[ -z $output && -n $stderr ]] || { show_run; false; }
}
