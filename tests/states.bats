#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# One test per state and exit status (tcpcheck(1), STATES AND EXIT STATUS), then several targets.

load helpers

@test "open: 0 and nothing printed" {
    start_server hold
    run_tc 127.0.0.1 "$PORT"
    check_status 0
    expect_no_output
    sleep 0.05
    (($(server_conns) == 1)) || { echo "server saw $(server_conns) connections"; false; }
}

@test "open: a probe sends nothing and closes normally (tcpcheck(1), OPTIONS, -R)" {
    start_server hold
    run_tc 127.0.0.1 "$PORT"
    check_status 0
    wait_gone 1
    grep -qx 'gone 1 bytes 0 eof' "$SERVER_OUT" || { cat "$SERVER_OUT"; false; }
}

@test "-S: the probe sends exactly the decoded bytes" {
    start_server hold
    run_tc -S 'ab\r\n' 127.0.0.1 "$PORT"
    check_status 0
    wait_gone 1
    grep -qx 'gone 1 bytes 4 eof' "$SERVER_OUT" || { cat "$SERVER_OUT"; false; }
}

@test "refused: 1 and nc's words" {
    p=$(free_port)
    run_tc 127.0.0.1 "$p"
    check_status 1
    expect_err "connect to 127.0.0.1 port $p (tcp) failed: Connection refused"
    [[ -z $output ]]
}

@test "timeout on loopback (full accept queue): 3" {
    start_server backlog
    run_tc -w 0.3 127.0.0.1 "$PORT"
    check_status 3
    expect_err "connect to 127.0.0.1 port $PORT (tcp) timed out after 0.3 s"
}

@test "timeout on a silent drop in a netns: 3" {
    need_netns
    run --separate-stderr in_netns 'netns_drop || exit 98; tc -w 0.3 10.77.0.2 80'
    check_status 3
    expect_err "connect to 10.77.0.2 port 80 (tcp) timed out after 0.3 s"
}

@test "unresolved: a name absent from /etc/hosts (hosts: files): 4" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        tc -w 1 no-such-host 80'
    check_status 4
    expect_err "no-such-host: Name or service not known"
}

@test "unresolved: NXDOMAIN from a DNS server: 4, Name or service not known" {
    need_netns
    run --separate-stderr in_netns 'netns_nx_dns "127.0.0.1 db" || exit 98
        timed tc -w 2 no-such-host.example 80'
    netns_elapsed
    check_status 4
    expect_err "no-such-host.example: Name or service not known"
    # An answer, not a timeout: it must not wait for the deadline.
    expect_between 0 500
}

@test "unresolved: a nameserver that refuses (nothing on its port 53): at once, as getent says" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "127.0.0.1 localhost" "files dns" "nameserver 127.0.0.1" ||
            exit 98
        timed tc -w 5 db 80'
    netns_elapsed
    check_status 4
    expect_err "db: Temporary failure in name resolution"
    expect_between 0 500
}

@test "unresolved: two nameservers, both refusing: at once, Temporary failure" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "" "files dns" "nameserver 127.0.0.3
nameserver 127.0.0.4" || exit 98
        timed tc -j -w 5 db 80 db2 81'
    netns_elapsed
    check_status 4
    [[ $(jq -r .error <<<"$output" | sort -u) == *": Temporary failure in name resolution" ]] ||
        { show_run; false; }
    [[ $(jq -r .state <<<"$output" | sort -u) == unresolved ]] || { show_run; false; }
    expect_between 0 500
}

@test "names: one nameserver refusing, the next one answering: open, without a timeout first" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "" "files dns" "nameserver 127.0.0.1
nameserver 127.0.0.2" || exit 98
        ns_server -a 127.0.0.2 -p 53 dnsa 127.0.0.9 || exit 97
        ns_server -a 127.0.0.9 hold || exit 97
        timed tc -j -w 5 db "$PORT"'
    netns_elapsed
    check_status 0
    [[ $(jq -r '"\(.state) \(.address)"' <<<"$output") == "open 127.0.0.9" ]] || { show_run; false; }
    expect_between 0 500
}

@test "names: files before dns (a name in /etc/hosts never asks the server)" {
    need_netns
    run --separate-stderr in_netns 'netns_silent_dns "127.0.0.1 db" || exit 98
        ns_server hold || exit 98
        timed tc -j -w 2 db "$PORT"'
    netns_elapsed
    check_status 0
    [[ $(jq -r .state <<<"$output") == open ]] || { show_run; false; }
    expect_between 0 300
}

@test "unresolved: -4 on a name with only an IPv6 address" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "::1 v6only" files "" || exit 98
        tc -4 -w 1 v6only 80'
    check_status 4
    expect_err "v6only: no IPv4 address"
}

@test "unresolved: -6 on a name with only an IPv4 address" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        tc -6 -w 1 db 80'
    check_status 4
    expect_err "db: no IPv6 address"
}

@test "a name from /etc/hosts resolves and connects" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        ns_server hold || exit 98
        tc -w 1 db "$PORT" && tc -j -w 1 db "$PORT"'
    check_status 0
    [[ -z $stderr && $(jq -r .address <<<"$output") == 127.0.0.1 ]] || { show_run; false; }
}

@test "unreachable: a route of type unreachable: 5, No route to host" {
    need_netns
    run --separate-stderr in_netns 'netns_unreachable || exit 98; tc -w 1 10.78.0.1 80'
    check_status 5
    expect_err "connect to 10.78.0.1 port 80 (tcp) failed: No route to host"
}

@test "unreachable: a prohibit route (EACCES): 5, Permission denied" {
    need_netns
    run --separate-stderr in_netns 'netns_unreachable || exit 98; tc -w 1 10.79.0.1 80'
    check_status 5
    expect_err "connect to 10.79.0.1 port 80 (tcp) failed: Permission denied"
}

@test "unreachable: no route at all (ENETUNREACH): 5" {
    need_netns
    # Only lo is up in the namespace: 10.80.0.1 has no route.
    run --separate-stderr in_netns 'tc -w 1 10.80.0.1 80'
    check_status 5
    expect_err "connect to 10.80.0.1 port 80 (tcp) failed: Network is unreachable"
}

@test "mismatch: closed by peer: 6" {
    start_server close
    run_tc -w 1 -E 'SSH-*' 127.0.0.1 "$PORT"
    check_status 6
    expect_err "127.0.0.1 port $PORT: reply did not match 'SSH-*': closed by peer: \"\""
}

@test "mismatch: a different reply, then closed" {
    start_server -c send 485454502f312e31203430302042616420526571756573740d0a
    run_tc -w 1 -E 'SSH-2.0-*' 127.0.0.1 "$PORT"
    check_status 6
    expect_err "127.0.0.1 port $PORT: reply did not match 'SSH-2.0-*': closed by peer: \"HTTP/1.1 400 Bad Request\\r\\n\""
}

@test "mismatch: reset by peer" {
    start_server -d 50 reset
    run_tc -w 1 -E 'SSH-*' 127.0.0.1 "$PORT"
    check_status 6
    expect_err "127.0.0.1 port $PORT: reply did not match 'SSH-*': reset by peer: \"\""
}

@test "mismatch: a different reply and then silence: no *matching* reply, and what arrived" {
    start_server send 48454c4c4f0d0a
    run_tc -w 0.3 -E 'SSH-*' 127.0.0.1 "$PORT"
    check_status 6
    expect_err "127.0.0.1 port $PORT: reply did not match 'SSH-*': no matching reply before the deadline: \"HELLO\\r\\n\""
}

@test "mismatch: no reply before the deadline (never timeout), and no empty quotes after it" {
    start_server hold
    run_tc -w 0.3 -E 'SSH-*' 127.0.0.1 "$PORT"
    check_status 6
    expect_err "127.0.0.1 port $PORT: reply did not match 'SSH-*': no reply before the deadline"
}

@test "mismatch: no match in the first 4096 bytes" {
    start_server flood
    run_tc -w 1 -E 'SSH-*' 127.0.0.1 "$PORT"
    check_status 6
    expect_err_match "127.0.0.1 port $PORT: reply did not match 'SSH-\\*': no match in the first 4096 bytes: \"AAAA*\""
}

@test "-E matches a banner: 0" {
    start_server send 5353482d322e302d4f70656e5353480d0a
    run_tc -w 1 -E 'SSH-2.0-*' 127.0.0.1 "$PORT"
    check_status 0
    expect_no_output
    expect_conns 1
}

@test "-E is a whole-reply glob: a prefix alone does not match" {
    start_server -c send 5353482d322e302d4f70656e5353480d0a
    run_tc -w 1 -E 'SSH-2.0-' 127.0.0.1 "$PORT"
    check_status 6
}

@test "-E drops NUL bytes before matching" {
    start_server -c send 41004200
    run_tc -w 1 -E 'AB' 127.0.0.1 "$PORT"
    check_status 0
    expect_conns 1
}

@test "-S sends, -E reads the answer" {
    start_server expect 50494e470d0a 504f4e470d0a
    run_tc -w 1 -S 'PING\r\n' -E 'PONG*' 127.0.0.1 "$PORT"
    check_status 0
    expect_no_output
    expect_conns 1
}

@test "-E without the -S the server waits for: mismatch" {
    start_server expect 50494e470d0a 504f4e470d0a
    run_tc -w 0.3 -E 'PONG*' 127.0.0.1 "$PORT"
    check_status 6
}

@test "-S decodes \\0, \\xHH, \\t and \\\\" {
    start_server expect 00ff09415c 4f4b
    run_tc -w 1 -S '\0\xff\tA\\' -E 'OK' 127.0.0.1 "$PORT"
    check_status 0
    expect_conns 1
}

@test "-S alone: connected and sent is open" {
    start_server expect 6869 4f4b
    run_tc -w 1 -S 'hi' 127.0.0.1 "$PORT"
    check_status 0
    wait_gone 1
    grep -qx "gone 1 bytes 2 eof" "$SERVER_OUT" || { cat "$SERVER_OUT"; false; }
}

# send_to_deaf_peer [-E PATTERN]: in a namespace whose loopback has an MTU of 1500 (so the
# kernel's buffers stay small), send 120 kB with -w 0.5 to a peer that never reads.
send_to_deaf_peer() {
    export DEAF_ARGS="$*"
    run --separate-stderr in_netns 'ip link set lo mtu 1500 || exit 97
        ns_server -D 4096 hold || exit 96
        echo "$PORT" >"$BATS_TEST_TMPDIR/port"
        data=$(head -c 120000 /dev/zero | tr "\0" A)
        read -ra more <<<"$DEAF_ARGS"
        timed tc -w 0.5 "${more[@]}" -S "$data" 127.0.0.1 "$PORT"'
    netns_elapsed
    port=$(<"$BATS_TEST_TMPDIR/port")
}

@test "mismatch: -S that the peer never reads: could not send before the deadline" {
    need_netns
    send_to_deaf_peer
    check_status 6
    expect_err "127.0.0.1 port $port: could not send before the deadline"
    expect_between 450 900
}

@test "mismatch: -S and -E, the data never read: could not send, nothing about a reply" {
    need_netns
    send_to_deaf_peer -E 'x*'
    check_status 6
    expect_err "127.0.0.1 port $port: could not send before the deadline"
}

@test "unresolved, not a 0 ms timeout: a name with no address of the family of -s" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "127.0.0.1 v4only" files "" || exit 98
        timed tc -s ::1 -w 1 v4only 80'
    netns_elapsed
    check_status 4
    expect_err "v4only: no IPv6 address"
    expect_between 0 400
}

@test "error: -s with an address not on this host: 7" {
    start_server hold
    run_tc -w 1 -s 10.99.0.1 127.0.0.1 "$PORT"
    check_status 7
    expect_err "connect to 127.0.0.1 port $PORT (tcp) failed: cannot bind 10.99.0.1: Cannot assign requested address"
    expect_no_conns
}

@test "-s with a local address works" {
    start_server hold
    run_tc -w 1 -s 127.0.0.1 127.0.0.1 "$PORT"
    check_status 0
    expect_conns 1
}

@test "several targets: 0 when all are open" {
    start_server hold
    a=$PORT
    start_server hold
    run_tc 127.0.0.1 "$a" 127.0.0.1:"$PORT"
    check_status 0
    expect_no_output
    expect_conns 1
    (($(server_conns "$BATS_TEST_TMPDIR/server.1") == 1)) || { echo "first server not probed"; false; }
}

@test "several targets: the status of the first failing one, lines in argument order" {
    start_server hold
    open=$PORT
    start_server backlog
    drop=$PORT
    closed=$(free_port)
    run_tc -w 0.3 127.0.0.1 "$open" 127.0.0.1:"$drop" 127.0.0.1 "$closed"
    check_status 3
    expect_err "connect to 127.0.0.1 port $drop (tcp) timed out after 0.3 s" \
        "connect to 127.0.0.1 port $closed (tcp) failed: Connection refused"
    run_tc -w 0.3 127.0.0.1 "$closed" 127.0.0.1:"$drop" 127.0.0.1 "$open"
    check_status 1
    expect_err "connect to 127.0.0.1 port $closed (tcp) failed: Connection refused" \
        "connect to 127.0.0.1 port $drop (tcp) timed out after 0.3 s"
}

@test "-a: one open target is enough, failures still printed" {
    start_server hold
    closed=$(free_port)
    run_tc -a 127.0.0.1 "$closed" 127.0.0.1 "$PORT"
    check_status 0
    expect_err "connect to 127.0.0.1 port $closed (tcp) failed: Connection refused"
}

@test "-a: none open gives the first failing status" {
    start_server backlog
    closed=$(free_port)
    run_tc -a -w 0.3 127.0.0.1 "$PORT" 127.0.0.1 "$closed"
    check_status 3
}

@test "-m 2: a quorum of two out of three" {
    start_server hold
    a=$PORT
    start_server hold
    closed=$(free_port)
    run_tc -m 2 127.0.0.1 "$a" 127.0.0.1 "$closed" 127.0.0.1 "$PORT"
    check_status 0
    expect_err "connect to 127.0.0.1 port $closed (tcp) failed: Connection refused"
}

@test "-m 2: one out of three is not enough" {
    start_server hold
    c1=$(free_port)
    c2=$(free_port)
    run_tc -m 2 127.0.0.1 "$PORT" 127.0.0.1 "$c1" 127.0.0.1 "$c2"
    check_status 1
}

@test "-H: every failure exits 1" {
    closed=$(free_port)
    run_tc -H 127.0.0.1 "$closed"
    check_status 1
    start_server backlog
    run_tc -H -w 0.3 127.0.0.1 "$PORT"
    check_status 1
    expect_err "connect to 127.0.0.1 port $PORT (tcp) timed out after 0.3 s"
    start_server close
    run_tc -H -w 1 -E x 127.0.0.1 "$PORT"
    check_status 1
}

@test "-z is accepted and ignored" {
    start_server hold
    run_tc -z 127.0.0.1 "$PORT"
    check_status 0
    run_tc -zv -w 5 127.0.0.1 "$PORT"
    check_status 0
    expect_conns 2
    expect_err_match "Connection to 127.0.0.1 $PORT port *succeeded!"
}

@test "self-connection is refused, not open" {
    # Probing a loopback port inside the ephemeral range that nothing listens on can make the
    # kernel pick that very port as the source.  Many probes of one such port make it likely.
    p=$(awk '{print $1 + 1000}' /proc/sys/net/ipv4/ip_local_port_range)
    [[ -z $(ss -Htan "( sport = :$p )") ]] || skip "port $p is in use"
    for ((try = 0; try < 20; try++)); do
        run_tc -q 127.0.0.1 "$p"
        check_status 1
    done
}
