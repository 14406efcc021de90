#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# -x PROXY (tcpcheck(1), PROXIES) against the servers users run: danted (SOCKS5, with and without
# username authentication), microsocks (SOCKS5, -u/-P) and tinyproxy (HTTP CONNECT), each started
# by the test inside its own network namespace, on its loopback.  Fake proxies (silent, closing,
# resetting, speaking something else) are tcserver.  Targets: a tcserver on the namespace's
# 127.0.0.1, an `unreachable` route (10.78.0.0/24), no route at all (10.99.0.0/16), a silent
# neighbour (10.77.0.2), names from the namespace's own /etc/hosts.

load helpers

setup() {
    need_netns
}

# ---- helpers that run inside the namespace (in_proxy_netns hands them over) --------------------

# `wait_listen PORT`: until something listens on TCP port PORT (3 s at most).
wait_listen() {
    local _try
    for ((_try = 0; _try < 300; _try++)); do
        [[ -n $(ss -Hltn "( sport = :$1 )") ]] && return 0
        sleep 0.01
    done
    echo "nothing listens on port $1" >&2
    return 1
}

# `start_microsocks PORT [ARGS...]`
start_microsocks() {
    local port=$1
    shift
    microsocks -i 127.0.0.1 -p "$port" "$@" >"$BATS_TEST_TMPDIR/microsocks.log" 2>&1 3>&- &
    wait_listen "$port"
}

# `start_danted PORT METHOD [BLOCKED_PORT]`: danted on 127.0.0.1:PORT with socksmethod METHOD
# (none, username); a `socks block` rule for 127.0.0.1:BLOCKED_PORT when given.
start_danted() {
    local conf=$BATS_TEST_TMPDIR/danted.conf
    {
        echo "logoutput: $BATS_TEST_TMPDIR/danted.log"
        echo "internal: 127.0.0.1 port = $1"
        echo "external: 127.0.0.1"
        ip -4 addr show dev v0 2>/dev/null | grep -q 10.77.0.1 && echo "external: 10.77.0.1"
        echo "external.rotation: route"
        echo "socksmethod: $2"
        echo "user.privileged: root"
        echo "user.unprivileged: nobody"
        echo "client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }"
        [[ -z ${3-} ]] || echo "socks block { from: 0.0.0.0/0 to: 127.0.0.1/32 port = $3 }"
        echo "socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect }"
    } >"$conf"
    danted -f "$conf" -p "$BATS_TEST_TMPDIR/danted.pid" >"$BATS_TEST_TMPDIR/danted.out" 2>&1 3>&- &
    wait_listen "$1"
}

# `start_tinyproxy PORT [CONF LINE...]`: tinyproxy on 127.0.0.1:PORT, for 127.0.0.1 only.
start_tinyproxy() {
    local port=$1 conf=$BATS_TEST_TMPDIR/tinyproxy.$1.conf
    shift
    printf '%s\n' "Port $port" "Listen 127.0.0.1" "Timeout 60" "LogLevel Info" "$@" >"$conf"
    grep -q '^Allow' "$conf" || echo "Allow 127.0.0.1" >>"$conf"
    tinyproxy -d -c "$conf" >"$BATS_TEST_TMPDIR/tinyproxy.$port.log" 2>&1 3>&- &
    wait_listen "$port"
}

# `netns_user USER PASS`: a system user that only this mount namespace has (danted's username
# method checks passwd and shadow).
netns_user() {
    local d=$BATS_TEST_TMPDIR/etc-user
    mkdir -p "$d"
    cp /etc/passwd "$d/passwd" && cp /etc/shadow "$d/shadow" || return 1
    echo "$1:x:64123:65534::/nonexistent:/usr/sbin/nologin" >>"$d/passwd"
    echo "$1:$(openssl passwd -6 "$2"):19000:0:99999:7:::" >>"$d/shadow"
    mount --bind "$d/passwd" /etc/passwd && mount --bind "$d/shadow" /etc/shadow
}

# `probe ARGS...`: one run of tcpcheck; its lines without the prefix, then "=> STATUS".
probe() {
    tc "$@" 2>&1 | sed -E 's/^(bash: line [0-9]+: )?tcpcheck: //'
    echo "=> ${PIPESTATUS[0]}"
}

# `in_proxy_netns SCRIPT`: in_netns with the helpers above; routes for the target states.
in_proxy_netns() {
    in_netns "$(declare -f wait_listen start_microsocks start_danted start_tinyproxy netns_user probe)
netns_unreachable || exit 98
$1"
}

# `expect_lines LINE...`: stdout is exactly these lines.
expect_lines() {
    local want=("$@") k
    if ((${#lines[@]} != ${#want[@]})); then
        echo "expected ${#want[@]} lines, got ${#lines[@]}"
        printf 'want: %s\n' "${want[@]}"
        show_run
        return 1
    fi
    for k in "${!want[@]}"; do
        # shellcheck disable=SC2053 # a line may be a glob
        [[ ${lines[k]} == ${want[k]} ]] && continue
        echo "line $((k + 1)) differs"
        echo "want: ${want[k]}"
        echo "got:  ${lines[k]}"
        show_run
        return 1
    done
}

# ---- SOCKS5: danted -------------------------------------------------------------------------

@test "danted: open, refused, not allowed, unreachable, no route, prohibited, unresolvable, as the proxy says" {
    run --separate-stderr in_proxy_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        ns_server -p 7000 hold; start_danted 1080 none 2223 || exit 97
        x=socks5h://127.0.0.1:1080
        probe -x $x 127.0.0.1 $PORT
        probe -x $x 127.0.0.1 2222
        probe -x $x 127.0.0.1 2223
        probe -x $x 10.78.0.5 22
        probe -x $x 10.99.0.5 22
        probe -x $x 10.79.0.5 22
        probe -x $x no-such-host 22
        probe -x $x db $PORT'
    check_status 0
    expect_lines "=> 0" \
        "connect to 127.0.0.1 port 2222 (tcp) via proxy 127.0.0.1 port 1080 failed: SOCKS5 reply 5: Connection refused" "=> 1" \
        "connect to 127.0.0.1 port 2223 (tcp) via proxy 127.0.0.1 port 1080 failed: SOCKS5 reply 2: connection not allowed by ruleset" "=> 5" \
        "connect to 10.78.0.5 port 22 (tcp) via proxy 127.0.0.1 port 1080 failed: SOCKS5 reply 4: Host unreachable" "=> 5" \
        "connect to 10.99.0.5 port 22 (tcp) via proxy 127.0.0.1 port 1080 failed: SOCKS5 reply 3: Network unreachable" "=> 5" \
        "proxy 127.0.0.1 port 1080: SOCKS5 reply 1: general SOCKS server failure" "=> 7" \
        "connect to no-such-host port 22 (tcp) via proxy 127.0.0.1 port 1080 failed: SOCKS5 reply 4: Host unreachable" "=> 5" \
        "=> 0"
}

@test "danted: username authentication (RFC 1929) with a user of the system" {
    run --separate-stderr in_proxy_netns 'netns_user tcuser "pa:ss@w0rd" || exit 98
        ns_server -p 7000 hold; start_danted 1080 username || exit 97
        probe -v -x "socks5://tcuser:pa%3Ass%40w0rd@127.0.0.1:1080" 127.0.0.1 $PORT
        probe -x "socks5://tcuser:wrong@127.0.0.1:1080" 127.0.0.1 $PORT
        probe -x "socks5://127.0.0.1:1080" 127.0.0.1 $PORT'
    check_status 0
    expect_lines "Connection to 127.0.0.1 7000 port \[tcp/*\] succeeded!" "=> 0" \
        "proxy 127.0.0.1 port 1080: authentication failed: RFC 1929 status 1" "=> 7" \
        "proxy 127.0.0.1 port 1080: asks for a user name and password, and -x gives none" "=> 7"
    [[ $output != *wrong* && $output != *pa:ss* && $output != *w0rd* ]]
}

@test "danted: a target that never answers is a timeout (3): the proxy answered, then went on connecting" {
    run --separate-stderr in_proxy_netns 'netns_drop || exit 98
        start_danted 1080 none || exit 97
        timed probe -w 0.5 -x socks5://127.0.0.1:1080 10.77.0.2 22'
    check_status 0
    expect_lines "connect to 10.77.0.2 port 22 (tcp) via proxy 127.0.0.1 port 1080 timed out after 0.5 s" "=> 3"
    netns_elapsed
    expect_between 450 2000
}

# ---- SOCKS5: microsocks ---------------------------------------------------------------------

@test "microsocks: open, refused, unreachable, no route, prohibited, unresolvable, as the proxy says" {
    run --separate-stderr in_proxy_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        ns_server -p 7000 hold; start_microsocks 1080 || exit 97
        x=socks5h://127.0.0.1:1080
        probe -x $x 127.0.0.1 $PORT
        probe -x $x 127.0.0.1 2222
        probe -x $x 10.78.0.5 22
        probe -x $x 10.99.0.5 22
        probe -x $x 10.79.0.5 22
        probe -x $x no-such-host 22
        probe -x $x db $PORT'
    check_status 0
    expect_lines "=> 0" \
        "connect to 127.0.0.1 port 2222 (tcp) via proxy 127.0.0.1 port 1080 failed: SOCKS5 reply 5: Connection refused" "=> 1" \
        "connect to 10.78.0.5 port 22 (tcp) via proxy 127.0.0.1 port 1080 failed: SOCKS5 reply 4: Host unreachable" "=> 5" \
        "connect to 10.99.0.5 port 22 (tcp) via proxy 127.0.0.1 port 1080 failed: SOCKS5 reply 3: Network unreachable" "=> 5" \
        "proxy 127.0.0.1 port 1080: SOCKS5 reply 1: general SOCKS server failure" "=> 7" \
        "proxy 127.0.0.1 port 1080: SOCKS5 reply 1: general SOCKS server failure" "=> 7" \
        "=> 0"
}

@test "microsocks: ping mode says what the proxy answered for each probe, and a proxy that is down" {
    run --separate-stderr in_proxy_netns 'ns_server -p 7000 hold; start_microsocks 1080 || exit 97
        x=socks5h://127.0.0.1:1080
        tc -k 1 -x $x 127.0.0.1 2222; echo "=> $?"
        tc -k 1 -x $x 10.78.0.5 22; echo "=> $?"
        tc -k 1 -x socks5://127.0.0.1:1081 127.0.0.1 $PORT; echo "=> $?"
        tc -k 1 -x $x 127.0.0.1 $PORT | head -1'
    check_status 0
    [[ $output == *"127.0.0.1 port 2222: seq=1 refused (SOCKS5 reply 5: Connection refused)"$'\n'*"=> 1"* ]] ||
        { show_run; false; }
    [[ $output == *"10.78.0.5 port 22: seq=1 unreachable (SOCKS5 reply 4: Host unreachable)"$'\n'*"=> 5"* ]] ||
        { show_run; false; }
    [[ $output == *": seq=1 error (proxy 127.0.0.1 port 1081: connect failed: Connection refused)"$'\n'*"=> 7"* ]] ||
        { show_run; false; }
    [[ ${lines[-1]} == "Connected to 127.0.0.1 port "*": seq=1 time="*" ms" ]] || { show_run; false; }
}

@test "microsocks -u/-P: right, wrong and missing credentials; the password is never shown" {
    run --separate-stderr in_proxy_netns 'ns_server -p 7000 hold; start_microsocks 1080 -u alice -P "s3cr3t-pw" || exit 97
        probe -vv -x "socks5://alice:s3cr3t-pw@127.0.0.1:1080" 127.0.0.1 $PORT
        probe -j -x "socks5://alice:s3cr3t-pw@127.0.0.1:1080" 127.0.0.1 2222
        probe -x "socks5://alice:Wr0ngPass@127.0.0.1:1080" 127.0.0.1 $PORT
        probe -j -x "socks5://alice:Wr0ngPass@127.0.0.1:1080" 127.0.0.1 $PORT
        probe -x "socks5://127.0.0.1:1080" 127.0.0.1 $PORT'
    check_status 0
    expect_lines "Connection to 127.0.0.1 (127.0.0.1) 7000 port \[tcp/*\] succeeded! (*ms) via proxy 127.0.0.1 port 1080" "=> 0" \
        '{"host":"127.0.0.1","port":2222,"state":"refused","address":"127.0.0.1",*"error":"connect to 127.0.0.1 port 2222 (tcp) via proxy 127.0.0.1 port 1080 failed: SOCKS5 reply 5: Connection refused"}' "=> 1" \
        "proxy 127.0.0.1 port 1080: authentication failed: RFC 1929 status 2" "=> 7" \
        '{"host":"127.0.0.1",*"state":"error",*"error":"proxy 127.0.0.1 port 1080: authentication failed: RFC 1929 status 2"}' "=> 7" \
        "proxy 127.0.0.1 port 1080: asks for a user name and password, and -x gives none" "=> 7"
    [[ $output != *s3cr3t* && $output != *Wr0ng* && $output != *alice* ]]
}

@test "microsocks: socks5:// resolves the target here and sends its address; socks5h:// sends the name" {
    run --separate-stderr in_proxy_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        ns_server -p 7000 hold; start_microsocks 1080 || exit 97
        probe -j -x socks5://127.0.0.1:1080 db $PORT
        probe -j -x socks5h://127.0.0.1:1080 db $PORT
        sleep 0.1; grep -o "connected to [^ ]*" "$BATS_TEST_TMPDIR/microsocks.log"'
    check_status 0
    expect_lines '{"host":"db","port":7000,"state":"open","address":"127.0.0.1","rtt_ms":*}' "=> 0" \
        '{"host":"db","port":7000,"state":"open","address":null,"rtt_ms":*}' "=> 0" \
        "connected to 127.0.0.1:7000" "connected to db:7000"
}

@test "socks5:// with a name that does not resolve here is unresolved (4), and the proxy is not asked" {
    need_ipv6
    run --separate-stderr in_proxy_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        ns_server -6 hold # a silent proxy on ::1, which counts its connections
        probe -x "socks5://[::1]:$PORT" no-such-host 22
        probe -6 -x "socks5://[::1]:$PORT" db 22
        sleep 0.1; echo "conns=$(grep -c "^conn " "$BATS_TEST_TMPDIR"/ns_server.*)"
        probe -w 0.2 -x "socks5://[::1]:$PORT" db 22 # the control: a name that resolves
        sleep 0.1; echo "conns=$(grep -c "^conn " "$BATS_TEST_TMPDIR"/ns_server.*)"'
    check_status 0
    expect_lines "no-such-host: Name or service not known" "=> 4" "db: no IPv6 address" "=> 4" "conns=0" \
        "proxy ::1 port * timed out after 0.2 s waiting for its reply" "=> 7" "conns=1"
}

@test "microsocks: a target that never answers is a timeout (3) at -w" {
    run --separate-stderr in_proxy_netns 'netns_drop || exit 98
        start_microsocks 1080 || exit 97
        timed probe -w 0.4 -x socks5://127.0.0.1:1080 10.77.0.2 22'
    check_status 0
    expect_lines "connect to 10.77.0.2 port 22 (tcp) via proxy 127.0.0.1 port 1080 timed out after 0.4 s" "=> 3"
    netns_elapsed
    expect_between 350 2000
}

@test "microsocks: -s binds the connection to the proxy" {
    run --separate-stderr in_proxy_netns 'ip addr add 127.0.0.7/8 dev lo || exit 98
        ns_server -p 7000 hold; start_microsocks 1080 || exit 97
        probe -s 127.0.0.7 -x socks5://127.0.0.1:1080 127.0.0.1 $PORT
        sleep 0.1; grep -o "client\[[0-9]*\] [0-9.]*" "$BATS_TEST_TMPDIR/microsocks.log"'
    check_status 0
    expect_lines "=> 0" "client\[*\] 127.0.0.7"
}

@test "-4/-6 choose the proxy's addresses: a proxy name with an IPv6 and an IPv4 address" {
    need_ipv6
    run --separate-stderr in_proxy_netns 'netns_dns "::1 px
127.0.0.1 px" files "" || exit 98
        ns_server -p 7000 hold; start_microsocks 1080 || exit 97
        probe -4 -x socks5h://px:1080 127.0.0.1 $PORT
        probe -6 -x socks5h://px:1080 127.0.0.1 $PORT
        probe -x socks5h://px:1080 127.0.0.1 $PORT'
    check_status 0
    expect_lines "=> 0" "proxy px port 1080: connect failed: Connection refused" "=> 7" "=> 0"
}

# ---- HTTP CONNECT: tinyproxy ----------------------------------------------------------------

@test "tinyproxy: open; refused, unreachable, no route, prohibited and unresolvable all answered 500 Unable to connect" {
    run --separate-stderr in_proxy_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        ns_server -p 7000 hold; start_tinyproxy 8888 || exit 97
        x=http://127.0.0.1:8888
        probe -x $x 127.0.0.1 $PORT
        probe -x $x db $PORT
        probe -x $x 127.0.0.1 2222
        probe -x $x 10.78.0.5 22
        probe -x $x 10.99.0.5 22
        probe -x $x 10.79.0.5 22
        probe -x $x no-such-host 22'
    check_status 0
    expect_lines "=> 0" "=> 0" \
        'connect to 127.0.0.1 port 2222 (tcp) via proxy 127.0.0.1 port 8888 failed: "HTTP/1.1 500 Unable to connect"' "=> 5" \
        'connect to 10.78.0.5 port 22 (tcp) via proxy 127.0.0.1 port 8888 failed: "HTTP/1.1 500 Unable to connect"' "=> 5" \
        'connect to 10.99.0.5 port 22 (tcp) via proxy 127.0.0.1 port 8888 failed: "HTTP/1.1 500 Unable to connect"' "=> 5" \
        'connect to 10.79.0.5 port 22 (tcp) via proxy 127.0.0.1 port 8888 failed: "HTTP/1.1 500 Unable to connect"' "=> 5" \
        'connect to no-such-host port 22 (tcp) via proxy 127.0.0.1 port 8888 failed: "HTTP/1.1 500 Unable to connect"' "=> 5"
}

@test "tinyproxy: a port outside ConnectPort is unreachable (403 Access violation); a client not allowed is error" {
    run --separate-stderr in_proxy_netns 'ns_server -p 7000 hold
        start_tinyproxy 8888 "ConnectPort $PORT" || exit 97
        start_tinyproxy 8889 "Allow 127.0.0.9" || exit 97
        probe -x http://127.0.0.1:8888 127.0.0.1 $PORT
        probe -x http://127.0.0.1:8888 127.0.0.1 22
        probe -x http://127.0.0.1:8889 127.0.0.1 $PORT'
    check_status 0
    expect_lines "=> 0" \
        'connect to 127.0.0.1 port 22 (tcp) via proxy 127.0.0.1 port 8888 failed: "HTTP/1.1 403 Access violation"' "=> 5" \
        'proxy 127.0.0.1 port 8889: CONNECT failed: "HTTP/1.0 403 Access denied"' "=> 7"
}

@test "tinyproxy BasicAuth: right, wrong (401) and missing (407) credentials; the password is never shown" {
    run --separate-stderr in_proxy_netns 'ns_server -p 7000 hold; start_tinyproxy 8888 "BasicAuth alice s3cr3t-pw" || exit 97
        probe -v -x "http://alice:s3cr3t-pw@127.0.0.1:8888" 127.0.0.1 $PORT
        probe -x "http://alice:Wr0ngPass@127.0.0.1:8888" 127.0.0.1 $PORT
        probe -j -x "http://alice:Wr0ngPass@127.0.0.1:8888" 127.0.0.1 $PORT
        probe -x "http://127.0.0.1:8888" 127.0.0.1 $PORT'
    check_status 0
    expect_lines "Connection to 127.0.0.1 7000 port \[tcp/*\] succeeded!" "=> 0" \
        'proxy 127.0.0.1 port 8888: authentication failed: "HTTP/1.0 401 Unauthorized"' "=> 7" \
        '{"host":"127.0.0.1",*"state":"error","address":"127.0.0.1",*"error":"proxy 127.0.0.1 port 8888: authentication failed: \\\"HTTP/1.0 401 Unauthorized\\\""}' "=> 7" \
        'proxy 127.0.0.1 port 8888: authentication required: "HTTP/1.0 407 Proxy Authentication Required"' "=> 7"
    [[ $output != *s3cr3t* && $output != *Wr0ng* && $output != *alice* ]]
}

@test "tinyproxy: -E never sees the proxy's own 200 line; the target's banner right after it is the reply" {
    run --separate-stderr in_proxy_netns 'ns_server send 5353482d322e302d746573740d0a # SSH-2.0-test\r\n
        start_tinyproxy 8888 || exit 97
        probe -j -E "SSH-2.0-*" -x http://127.0.0.1:8888 127.0.0.1 $PORT
        probe -w 0.5 -E "HTTP/*" -x http://127.0.0.1:8888 127.0.0.1 $PORT
        echo "connects=$(grep -c "CONNECT 127.0.0.1:$PORT" "$BATS_TEST_TMPDIR"/tinyproxy.8888.log)"'
    check_status 0
    expect_lines '{"host":"127.0.0.1",*"state":"open",*"reply":"SSH-2.0-test\\r\\n"}' "=> 0" \
        "127.0.0.1 port * reply did not match 'HTTP/\*': no matching reply before the deadline: \"SSH-2.0-test\\\\r\\\\n\"" "=> 6" \
        "connects=2"
}

@test "tinyproxy: a target that never answers leaves the proxy silent: error (7) at -w" {
    run --separate-stderr in_proxy_netns 'netns_drop || exit 98
        start_tinyproxy 8888 || exit 97
        timed probe -w 0.5 -x http://127.0.0.1:8888 10.77.0.2 22'
    check_status 0
    expect_lines "proxy 127.0.0.1 port 8888: timed out after 0.5 s waiting for its reply" "=> 7"
    netns_elapsed
    expect_between 450 2000
}

# ---- through the tunnel: -S, -E, -W ---------------------------------------------------------

@test "-S and -E through each proxy: the exchange is with the target" {
    run --separate-stderr in_proxy_netns 'ns_server expect 70696e670a 706f6e670a # ping\n -> pong\n
        start_danted 1080 none || exit 97; start_microsocks 1081 || exit 97; start_tinyproxy 8888 || exit 97
        for x in socks5://127.0.0.1:1080 socks5h://127.0.0.1:1081 http://127.0.0.1:8888; do
            probe -S "ping\n" -E "pong*" -x $x 127.0.0.1 $PORT
            probe -w 0.5 -S "ping\n" -E "PONG*" -x $x 127.0.0.1 $PORT
        done
        sleep 0.1 # the proxies say they did the connecting:
        grep -c "tcp/connect .* -> .* 127.0.0.1.$PORT\$" "$BATS_TEST_TMPDIR"/danted.log
        grep -c "connected to 127.0.0.1:$PORT" "$BATS_TEST_TMPDIR"/microsocks.log
        grep -c "CONNECT 127.0.0.1:$PORT" "$BATS_TEST_TMPDIR"/tinyproxy.8888.log'
    check_status 0
    local mismatch="127.0.0.1 port * reply did not match 'PONG\*': no matching reply before the deadline: \"pong\\\\n\""
    expect_lines "=> 0" "$mismatch" "=> 6" "=> 0" "$mismatch" "=> 6" "=> 0" "$mismatch" "=> 6" 2 2 2
}

@test "-W through a proxy: waits until the target opens behind it" {
    run --separate-stderr in_proxy_netns 'start_microsocks 1080 || exit 97
        ns_server -L 600 hold
        timed probe -v -W 5 -i 0.1 -x socks5://127.0.0.1:1080 127.0.0.1 $PORT'
    check_status 0
    expect_lines "connect to 127.0.0.1 port * (tcp) via proxy 127.0.0.1 port 1080 failed: SOCKS5 reply 5: Connection refused" \
        "Connection to 127.0.0.1 * port \[tcp/*\] succeeded after *s" "=> 0"
    netns_elapsed
    expect_between 300 3000
}

@test "-W with a proxy that is down: error (7) at each attempt, until -W ends" {
    run --separate-stderr in_proxy_netns 'timed probe -W 0.6 -i 0.1 -x socks5://127.0.0.1:1080 127.0.0.1 22'
    check_status 0
    expect_lines "proxy 127.0.0.1 port 1080: connect failed: Connection refused" "=> 7"
    netns_elapsed
    expect_between 400 2000
}

# ---- the proxy itself fails: error (7), and the line names the proxy ---------------------------

@test "a proxy that is down: error (7) naming it, for every scheme" {
    run --separate-stderr in_proxy_netns 'for s in socks5 socks5h http; do
            probe -x $s://127.0.0.1:1080 127.0.0.1 22; done'
    check_status 0
    local line="proxy 127.0.0.1 port 1080: connect failed: Connection refused"
    expect_lines "$line" "=> 7" "$line" "=> 7" "$line" "=> 7"
}

@test "a proxy behind an unreachable route, and one whose name does not resolve: error (7)" {
    run --separate-stderr in_proxy_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        probe -j -x socks5h://10.78.0.1:1080 db 22
        probe -x http://no-such-proxy:3128 db 22'
    check_status 0
    expect_lines '{"host":"db","port":22,"state":"error","address":null,"rtt_ms":null,"attempts":1,"elapsed_ms":*,"error":"proxy 10.78.0.1 port 1080: connect failed: No route to host"}' "=> 7" \
        "proxy no-such-proxy port 3128: Name or service not known" "=> 7"
}

@test "a silent proxy: error (7) at -w, for every scheme; the deadline holds" {
    run --separate-stderr in_proxy_netns 'ns_server -p 7000 hold
        for s in socks5 socks5h http; do timed probe -w 0.3 -x $s://127.0.0.1:$PORT 127.0.0.1 22
            cat "$BATS_TEST_TMPDIR/elapsed"; done'
    check_status 0
    local line="proxy 127.0.0.1 port * timed out after 0.3 s waiting for its reply"
    expect_lines "$line" "=> 7" "*" "$line" "=> 7" "*" "$line" "=> 7" "*"
    local k
    for k in 2 5 8; do
        ((lines[k] >= 280 && lines[k] <= 1000)) || { echo "took ${lines[k]} ms"; show_run; false; }
    done
}

@test "a proxy that speaks something else, closes or resets: error (7) naming it" {
    run --separate-stderr in_proxy_netns 'ns_server send 5353482d322e300d0a; ssh=$PORT # SSH-2.0\r\n
        ns_server -c expect 0d0a0d0a ""; closing=$PORT # reads the request, then closes
        ns_server reset; resetting=$PORT
        probe -x socks5://127.0.0.1:$ssh 127.0.0.1 22
        probe -x http://127.0.0.1:$ssh 127.0.0.1 22
        probe -x http://127.0.0.1:$closing 127.0.0.1 22
        probe -x socks5h://127.0.0.1:$resetting 127.0.0.1 22'
    check_status 0
    expect_lines 'proxy 127.0.0.1 port * not a SOCKS5 reply: "SSH-2.0\\r\\n"' "=> 7" \
        'proxy 127.0.0.1 port * not an HTTP reply: "SSH-2.0\\r\\n"' "=> 7" \
        "proxy 127.0.0.1 port * closed the connection before replying" "=> 7" \
        "proxy 127.0.0.1 port * reset the connection before replying" "=> 7"
}

@test "an HTTP proxy's status line with bytes a terminal would obey is shown escaped" {
    run --separate-stderr in_proxy_netns 'ns_server send 485454502f312e312035303320421b5b324a61640d0a0d0a # HTTP/1.1 503 B\e[2Jad
        probe -x http://127.0.0.1:$PORT 127.0.0.1 22
        echo valid=$(tc -j -x http://127.0.0.1:$PORT 127.0.0.1 22 | jq -r .state)'
    check_status 0
    expect_lines 'connect to 127.0.0.1 port 22 (tcp) via proxy 127.0.0.1 port * failed: "HTTP/1.1 503 B\\x1b\[2Jad"' "=> 5" \
        "valid=unreachable"
}

@test "SIGINT during a proxy handshake: 130 at once" {
    run --separate-stderr in_proxy_netns 'ns_server -p 7000 hold
        tc_bg -w 30 -x socks5h://127.0.0.1:$PORT 127.0.0.1 22
        sleep 0.3
        t0=$(date +%s%N)
        kill -INT $BG_PID
        wait $BG_PID
        rc=$?
        echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$BATS_TEST_TMPDIR/elapsed"
        exit $rc'
    netns_elapsed
    check_status 130
    ((ELAPSED <= 400)) || { echo "took ${ELAPSED} ms"; false; }
}

@test "credentials never appear: usage errors, -v, -vv, -j, -W lines" {
    run --separate-stderr in_proxy_netns 'ns_server -p 7000 hold
        probe -x "socks5://u53r:Secr3tPw@127.0.0.1:1" 127.0.0.1 $PORT
        probe -vv -W 0.3 -x "http://u53r:Secr3tPw@127.0.0.1:1" 127.0.0.1 $PORT
        probe -j -x "socks5h://u53r:Secr3tPw@127.0.0.1:1" 127.0.0.1 $PORT
        probe -x "socks5://u53r:Secr3tPw@" 127.0.0.1 $PORT
        probe -x "socks5://u53r:Secr3tPw@127.0.0.1:Secr3tPw" 127.0.0.1 $PORT'
    check_status 0
    [[ ${lines[0]} == "proxy 127.0.0.1 port 1: connect failed: Connection refused" ]]
    [[ $output == *"=> 2"* ]]
    [[ $output != *Secr3t* && $output != *u53r* ]] || { show_run; false; }
}

# ---- the builtin's hygiene through proxies and on unix: sockets -------------------------------

# A script for the builtin: `PX_ROUNDS=N bash FILE` makes N calls through microsocks (with and
# without credentials), tinyproxy and fake proxies, and on unix: sockets, each checked against
# the status its outcome must give, then prints "bad=B fds=BEFORE/AFTER".
write_hygiene_script() {
    cat >"$1" <<'SCRIPT'
enable -f "$TC_SO" tcpcheck || exit 99
px_round() {
    local rc want
    case $(($1 % 12)) in
    0) tcpcheck -q -x socks5://127.0.0.1:1080 127.0.0.1 7000; rc=$? want=0 ;;
    1) tcpcheck -q -x socks5h://127.0.0.1:1080 127.0.0.1 2; rc=$? want=1 ;;
    2) tcpcheck -q -x socks5://u:p@127.0.0.1:1081 -E 'x*' -w 0.05 127.0.0.1 7000; rc=$? want=6 ;;
    3) tcpcheck -q -x socks5://u:wrong@127.0.0.1:1081 127.0.0.1 7000; rc=$? want=7 ;;
    4) tcpcheck -q -x http://127.0.0.1:8888 -S 'hi\n' 127.0.0.1 7000; rc=$? want=0 ;;
    5) tcpcheck -q -x http://127.0.0.1:8888 -V R 127.0.0.1 2; rc=$? want=5 ;;
    6) tcpcheck -q -x http://127.0.0.1:1 127.0.0.1 7000; rc=$? want=7 ;;
    7) tcpcheck -q -w 0.02 -x socks5h://127.0.0.1:7000 127.0.0.1 22; rc=$? want=7 ;;
    8) tcpcheck -q -x socks5h://127.0.0.1:7001 127.0.0.1 22; rc=$? want=7 ;;
    9) tcpcheck -j -x socks5h://no-such-proxy:1080 127.0.0.1 22 >/dev/null; rc=$? want=7 ;;
    10) tcpcheck -q -V R "unix:$SOCK" "unix:$SOCK.none"; rc=$? want=1 ;;
    11) tcpcheck -q -E 'x*' -w 0.02 "unix:$SOCK"; rc=$? want=6 ;;
    esac
    ((rc == want)) || { echo "call $1: status $rc, want $want" >&2; return 1; }
}
nfds() { local f=(/proc/$$/fd/*); NFDS=${#f[@]}; }
bad=0
for ((i = 0; i < 24; i++)); do px_round $i || ((++bad)); done # warm up
nfds; fd0=$NFDS
for ((i = 0; i < PX_ROUNDS; i++)); do px_round $i || ((++bad)); done
nfds
echo "bad=$bad fds=$fd0/$NFDS"
SCRIPT
}

# The servers the script calls, inside the namespace.
PX_HYGIENE_SERVERS='netns_dns "127.0.0.1 localhost" files "" || exit 98
    ns_server -p 7000 hold || exit 96
    ns_server -p 7001 send 5353482d322e300d0a || exit 96
    "$TCSERVER" -U "$BATS_TEST_TMPDIR/app.sock" hold >/dev/null 2>&1 3>&- &
    start_microsocks 1080 || exit 97
    microsocks -i 127.0.0.1 -p 1081 -u u -P p >/dev/null 2>&1 3>&- &
    wait_listen 1081 || exit 97
    start_tinyproxy 8888 || exit 97
    export SOCK=$BATS_TEST_TMPDIR/app.sock TC_SO'

@test "builtin: 1,200 calls through proxies and on unix: sockets leave no descriptor behind (LeakSanitizer under SANITIZE=1)" {
    [[ $TC_FORM == builtin ]] || skip "the builtin's hygiene"
    write_hygiene_script "$BATS_TEST_TMPDIR/px-hygiene.sh"
    local lsan=
    [[ ${TC_SANITIZE:-} == 1 ]] &&
        lsan="LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=1"
    run --separate-stderr in_proxy_netns "$PX_HYGIENE_SERVERS"'
        env '"$lsan"' PX_ROUNDS=1200 bash "$BATS_TEST_TMPDIR/px-hygiene.sh"'
    check_status 0
    echo "# $BATS_TEST_DESCRIPTION: ${lines[-1]}" >&3
    [[ ${lines[-1]} =~ ^bad=0\ fds=([0-9]+)/([0-9]+)$ ]] || { show_run; false; }
    ((BASH_REMATCH[1] == BASH_REMATCH[2])) || { show_run; false; }
}

@test "builtin: valgrind finds no definite leak and no error over 120 calls through proxies and on unix: sockets" {
    [[ $TC_FORM == builtin ]] || skip "the builtin's hygiene"
    need_cmd valgrind
    [[ ${TC_SANITIZE:-} == 1 ]] && skip "an ASan build: LeakSanitizer checks the loop above instead"
    write_hygiene_script "$BATS_TEST_TMPDIR/px-hygiene.sh"
    run --separate-stderr in_proxy_netns "$PX_HYGIENE_SERVERS"'
        PX_ROUNDS=120 valgrind -q --leak-check=full --show-leak-kinds=definite \
            --errors-for-leak-kinds=definite --error-exitcode=99 bash "$BATS_TEST_TMPDIR/px-hygiene.sh"'
    check_status 0
    [[ ${lines[-1]} == bad=0\ fds=* ]] || { show_run; false; }
}
