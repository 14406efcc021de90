#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# The five target forms, port lists, ranges, services, IPv6, names, and sweeps.

load helpers

# `ports_of`: the ports of the -j objects on stdout, space-separated, in order.
ports_of() {
    jq -r '.port' <<<"$output" | tr '\n' ' ' | sed 's/ $//'
}

states_of() {
    jq -r '.state' <<<"$output" | tr '\n' ' ' | sed 's/ $//'
}

expect_ports() {
    [[ $(ports_of) == "$1" ]] || { echo "ports: $(ports_of), want $1"; show_run; return 1; }
}

expect_states() {
    [[ $(states_of) == "$1" ]] || { echo "states: $(states_of), want $1"; show_run; return 1; }
}

# Two listeners on adjacent free ports P and P+1, with P+2 free: sets P.
adjacent_servers() {
    local try
    for ((try = 0; try < 20; try++)); do
        P=$(free_port)
        if [[ -z $(ss -Htan "( sport = :$((P + 1)) or sport = :$((P + 2)) )") ]]; then
            start_server -p "$P" hold && start_server -p $((P + 1)) hold && return 0
        fi
    done
    return 1
}

@test "HOST PORT" {
    start_server hold
    run_tc -j 127.0.0.1 "$PORT"
    check_status 0
    expect_ports "$PORT"
}

@test "HOST:PORT" {
    start_server hold
    run_tc -j 127.0.0.1:"$PORT"
    check_status 0
    expect_ports "$PORT"
}

@test "tcp://HOST:PORT" {
    start_server hold
    run_tc -j tcp://127.0.0.1:"$PORT"
    check_status 0
    expect_ports "$PORT"
    expect_json_host 127.0.0.1
}

@test "/dev/tcp/HOST/PORT" {
    start_server hold
    run_tc -j /dev/tcp/127.0.0.1/"$PORT"
    check_status 0
    expect_ports "$PORT"
    expect_json_host 127.0.0.1
}

@test "a refused target in each form names the right host and port" {
    p=$(free_port)
    for t in "127.0.0.1 $p" "127.0.0.1:$p" "tcp://127.0.0.1:$p" "/dev/tcp/127.0.0.1/$p"; do
        # shellcheck disable=SC2086
        run_tc $t
        check_status 1
        expect_err "connect to 127.0.0.1 port $p (tcp) failed: Connection refused"
    done
}

@test "[IPV6]:PORT, tcp://[::1]:PORT, /dev/tcp/::1/PORT, ::1 PORT" {
    need_ipv6
    start_server -6 hold
    for t in "[::1]:$PORT" "tcp://[::1]:$PORT" "/dev/tcp/::1/$PORT" "::1 $PORT"; do
        # shellcheck disable=SC2086
        run_tc -j $t
        check_status 0
        expect_ports "$PORT"
        expect_json_host ::1
    done
}

@test "IPv6 refused message names the host without brackets" {
    need_ipv6
    p=$(free_port)
    run_tc "[::1]:$p"
    check_status 1
    expect_err "connect to ::1 port $p (tcp) failed: Connection refused"
}

@test "a comma list is one target per port, in order" {
    start_server hold
    a=$PORT
    start_server hold
    closed=$(free_port)
    run_tc -j 127.0.0.1 "$PORT,$closed,$a"
    check_status 1
    expect_ports "$PORT $closed $a"
    expect_states "open refused open"
}

@test "a range expands in order" {
    adjacent_servers
    run_tc -j 127.0.0.1 "$P-$((P + 1))"
    check_status 0
    expect_ports "$P $((P + 1))"
    run_tc -j 127.0.0.1:"$P-$((P + 2))"
    check_status 1
    expect_states "open open refused"
}

@test "a range and a list mixed, in every target form" {
    adjacent_servers
    run_tc -j tcp://127.0.0.1:"$P-$((P + 1)),$P" /dev/tcp/127.0.0.1/"$((P + 1)),$P"
    check_status 0
    expect_ports "$P $((P + 1)) $P $((P + 1)) $P"
}

@test "several port words after a bare host" {
    start_server hold
    a=$PORT
    start_server hold
    run_tc -j 127.0.0.1 "$a" "$PORT" "$a"
    check_status 0
    expect_ports "$a $PORT $a"
}

@test "a word that is not a port word starts a new target" {
    start_server hold
    a=$PORT
    start_server -a 127.0.0.2 hold
    run_tc -j 127.0.0.1 "$a" 127.0.0.2 "$PORT" tcp://127.0.0.1:"$a"
    check_status 0
    expect_ports "$a $PORT $a"
    [[ $(jq -r .host <<<"$output" | tr '\n' ' ') == "127.0.0.1 127.0.0.2 127.0.0.1 " ]] || { show_run; false; }
}

@test "a service name as the port" {
    read -r p name < <(free_named_port) || skip "no free port with a service name"
    start_server -p "$p" hold
    run_tc -j 127.0.0.1 "$name"
    check_status 0
    expect_ports "$p"
    run_tc -j "127.0.0.1:$name,$p" "tcp://127.0.0.1:$name" "/dev/tcp/127.0.0.1/$name"
    check_status 0
    expect_ports "$p $p $p $p"
}

@test "-4 / -6 with a numeric address of the other family: usage error, nothing probed" {
    # An address literal of the wrong family is known bad before anything is probed (the man
    # page's decision; names without an address of the family are `unresolved` instead).
    need_ipv6
    start_server hold
    run_tc -6 127.0.0.1 "$PORT"
    expect_usage 2 && expect_no_conns
    start_server -6 hold
    run_tc -4 ::1 "$PORT"
    expect_usage 2 && expect_no_conns
}

@test "-n: numeric hosts work" {
    start_server hold
    run_tc -n 127.0.0.1 "$PORT"
    check_status 0
    expect_conns 1
}

@test "names: a dual-stack name connects over whichever family listens" {
    need_netns
    run --separate-stderr in_netns 'netns_dns $'"'"'127.0.0.1 both\n::1 both'"'"' files "" || exit 98
        ns_server -6 hold || exit 98
        tc -j -w 2 both "$PORT" || exit
        tc -4 -w 2 both "$PORT"'
    check_status 1
    [[ $(jq -r .address <<<"$output") == "::1" ]] || { show_run; false; }
}

@test "names: a dual-stack name with only IPv4 listening" {
    need_netns
    run --separate-stderr in_netns 'netns_dns $'"'"'127.0.0.1 both\n::1 both'"'"' files "" || exit 98
        ns_server hold || exit 98
        timed tc -j -w 2 both "$PORT"'
    netns_elapsed
    check_status 0
    [[ $(jq -r .address <<<"$output") == "127.0.0.1" ]] || { show_run; false; }
    # ::1 refuses at once, so no 250 ms Happy Eyeballs wait is needed.
    expect_between 0 200
}

@test "names: a dual-stack name with IPv6 dropped waits at most ~250 ms for IPv4" {
    need_netns
    # ::1 cannot be dropped silently, so use a name whose IPv6 address is in a blackholed
    # prefix inside the namespace and whose IPv4 address listens.
    run --separate-stderr in_netns 'netns_dns $'"'"'127.0.0.1 hedge\nfd00:77::2 hedge'"'"' files "" || exit 98
        ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up || exit 97
        ip -6 addr add fd00:77::1/64 dev v0 nodad || exit 97
        ip -6 neigh add fd00:77::2 lladdr 02:00:00:00:00:02 dev v0 nud permanent || exit 97
        ns_server hold || exit 98
        timed tc -j -w 2 hedge "$PORT"'
    netns_elapsed
    check_status 0
    [[ $(jq -r .address <<<"$output") == "127.0.0.1" ]] || { show_run; false; }
    expect_between 0 600
}

@test "names: localhost resolves per RFC 6761 even without /etc/hosts lines" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "" files "" || exit 98
        ns_server hold || exit 98
        tc -4 -j -w 1 localhost "$PORT"'
    check_status 0
    [[ $(jq -r .address <<<"$output") == 127.0.0.1 ]] || { show_run; false; }
}

@test "a sweep of the ephemeral range finds exactly the one listener; with -R no TIME_WAIT" {
    lo=$(random_lo)
    start_server -a "$lo" hold
    read -r low high </proc/sys/net/ipv4/ip_local_port_range
    ((PORT >= low && PORT <= high)) || skip "listener port $PORT outside $low-$high"
    tw_before=$(ss -Htan state time-wait "( src $lo or dst $lo )" | wc -l)
    # -R: the default normal close leaves the open port's TIME_WAIT (tcpcheck(1), OPTIONS, -R)
    run_tc -R -q -j -w 2 "$lo" "$low-$high"
    check_status 1
    [[ -z $stderr ]] || { show_run; false; }
    n=$(jq -s 'length' <<<"$output")
    open=$(jq -s -c 'map(select(.state == "open") | .port)' <<<"$output")
    others=$(jq -s -c 'map(.state) | unique' <<<"$output")
    ((n == high - low + 1)) || { echo "objects: $n"; false; }
    [[ $open == "[$PORT]" ]] || { echo "open: $open, want [$PORT]"; false; }
    [[ $others == '["open","refused"]' ]] || { echo "states: $others"; false; }
    tw_after=$(ss -Htan state time-wait "( src $lo or dst $lo )" | wc -l)
    ((tw_after <= tw_before)) || { echo "TIME_WAIT sockets: $tw_before before, $tw_after after"; false; }
}

@test "-c 1: a sweep one connection at a time is still correct" {
    lo=$(random_lo)
    start_server -a "$lo" hold
    lo_p=$((PORT - 40 > 0 ? PORT - 40 : 1))
    run_tc -q -j -c 1 -w 2 "$lo" "$lo_p-$((PORT + 40))"
    check_status 1
    open=$(jq -s -c 'map(select(.state == "open") | .port)' <<<"$output")
    [[ $open == "[$PORT]" ]] || { echo "open: $open"; false; }
    n=$(jq -s 'length' <<<"$output")
    ((n == PORT + 40 - lo_p + 1)) || { echo "objects: $n"; false; }
}

@test "-c 2 with slow targets: the deadline still holds per target" {
    start_server backlog
    elapsed_ms tc -q -c 2 -w 0.3 127.0.0.1 "$PORT,$PORT,$PORT,$PORT"
    check_status 3
    # Four 0.3 s attempts, two at a time: about 0.6 s.
    expect_between 550 900
}

@test "many targets in parallel: 200 timeouts take one -w, not 200" {
    start_server backlog
    elapsed_ms tc -q -w 0.3 127.0.0.1 "$(printf "$PORT,%.0s" {1..199})$PORT"
    check_status 3
    expect_between 280 700
}

# ---- no usable address is a usage error, not a 0 ms "timeout" (tcpcheck(1), TARGETS) -------

# `unusable ARGS...`: a usage error that probed nothing; a listener on a random loopback
# address proves the valid target beside it was not probed either.
unusable() {
    lo=$(random_lo)
    start_server -a "$lo" hold
    run_tc "$@" "$lo" "$PORT"
    expect_usage 2 && expect_no_conns
}

@test "-s of the other family than a literal target" {
    unusable -s ::1 127.0.0.1 1
    expect_err "-s: 127.0.0.1 is an IPv4 address, the source an IPv6 one"
}

@test "-s IPv4 and a bracketed IPv6 target" {
    unusable -s 127.0.0.1 '[::1]:1'
}

@test "a scoped literal whose interface does not exist" {
    unusable fe80::1%nosuch 22
    expect_err "fe80::1%nosuch: no such interface here"
}

@test "a scoped literal whose interface index does not exist" {
    unusable '[fe80::1%999999]:22'
}

@test "a scope on a literal that is not link-local" {
    unusable ::1%lo 22
    expect_err "::1%lo: a %scope belongs on a link-local address (fe80::/10) only"
}

@test "-s with a scope on a literal that is not link-local" {
    unusable -s ::1%lo ::1 22
}

@test "a name with -s of either family is left for run time" {
    # localhost resolves without DNS (RFC 6761): -s 127.0.0.1 keeps its IPv4 address.
    start_server hold
    run_tc -s 127.0.0.1 -w 2 localhost "$PORT"
    check_status 0
}

# ---- unix: targets: what the parser refuses (tcpcheck(1), TARGETS, "Unix sockets") ----------

@test "unix: with an empty path" {
    unusable unix:
}

@test "unix:// with an empty path" {
    unusable unix://
}

@test "a unix: path longer than a socket address holds" {
    unusable "unix:/tmp/$(printf 'x%.0s' {1..120})"
}

@test "a port word after a unix: target" {
    unusable unix:/run/app.sock 80
    expect_err "80: a port needs a host before it"
}
