#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# Names with several addresses on real topologies (tcpcheck(1), STATES AND EXIT STATUS, "Happy
# Eyeballs"): each name probed as one target, as 40 targets, with -c 1, and in wait mode (and,
# as every file, through the program and the builtin); each test asserts the state, the address
# that won and the time.  Everything happens in a network namespace the test makes
# (netns_topology in helpers.bash):
#   ha  a silent IPv6 address first, then a good IPv4 one
#   hb  three silent IPv4 addresses, then a good one
#   hc  an unreachable address, then a good one
#   hd  a refused address and a silent one
# The good address is 10.77.0.11, where the test's server listens.  1.0 gave a lone target one
# socket, so ha and hb timed out there with the good address never tried.

load helpers

setup() {
    need_netns
}

# probe_topology ARGS...: run `tc -j ARGS` in a fresh topology, the word PORT replaced by the
# server's port; sets status, output (the JSON), stderr and ELAPSED (ms).
probe_topology() {
    export TOPO_ARGS="$*"
    run --separate-stderr in_netns 'netns_topology || exit 97
        ns_server -a 10.77.0.11 hold || exit 96
        read -ra args <<<"$TOPO_ARGS"
        timed tc -j "${args[@]//PORT/$PORT}"'
    netns_elapsed
}

# forty NAME: the words for NAME:PORT forty times.
forty() {
    local i
    for ((i = 0; i < 40; i++)); do printf '%s:PORT ' "$1"; done
}

# expect_all N STATE ADDRESS: N JSON objects, every one in STATE, the address ADDRESS.
expect_all() {
    local got
    got=$(jq -r '"\(.state) \(.address)"' <<<"$output" | sort | uniq -c | sed 's/^ *//')
    if [[ $got != "$1 $2 $3" ]]; then
        echo "want $1 x \"$2 $3\", got:"
        echo "$got"
        show_run
        return 1
    fi
}

# expect_attempts N: every object made N attempts.
expect_attempts() {
    local got
    got=$(jq -r .attempts <<<"$output" | sort -u)
    [[ $got == "$1" ]] || { echo "attempts: $got, want $1"; show_run; return 1; }
}

# ---- ha: a silent IPv6 address, then a good IPv4 one ----

@test "ha (IPv6 silent, IPv4 good): IPv4 wins 250 ms later" {
    probe_topology -w 2 ha PORT
    check_status 0
    expect_all 1 open 10.77.0.11
    expect_between 200 700
}

@test "ha as 40 targets: every one reaches IPv4 250 ms later" {
    probe_topology -w 2 $(forty ha)
    check_status 0
    expect_all 40 open 10.77.0.11
    expect_between 200 900
}

@test "ha with -c 1: the two addresses share -w, IPv4 wins after half of it" {
    probe_topology -c 1 -w 2 ha PORT
    check_status 0
    expect_all 1 open 10.77.0.11
    expect_between 900 1500
}

@test "ha as 40 targets with -c 40 (no socket to spare): shares of -w, every one open" {
    probe_topology -c 40 -w 2 $(forty ha)
    check_status 0
    expect_all 40 open 10.77.0.11
    expect_between 900 1700
}

@test "ha in wait mode: open on the first attempt, 250 ms in" {
    probe_topology -W 3 -w 1 ha PORT
    check_status 0
    expect_all 1 open 10.77.0.11
    expect_attempts 1
    expect_between 200 700
}

# ---- hb: three silent IPv4 addresses, then a good one ----

@test "hb (three silent, then good): the fourth address wins 750 ms in" {
    probe_topology -w 2 hb PORT
    check_status 0
    expect_all 1 open 10.77.0.11
    expect_between 700 1200
}

@test "hb as 40 targets: every one open 750 ms in" {
    probe_topology -w 2 $(forty hb)
    check_status 0
    expect_all 40 open 10.77.0.11
    expect_between 700 1400
}

@test "hb with -c 1: four shares of -w 2, the good address at 1.5 s" {
    probe_topology -c 1 -w 2 hb PORT
    check_status 0
    expect_all 1 open 10.77.0.11
    expect_between 1400 2000
}

@test "hb with -w 0.4, less than 3 x 250 ms: every address still gets its share, open" {
    probe_topology -w 0.4 hb PORT
    check_status 0
    expect_all 1 open 10.77.0.11
    expect_between 250 700
}

@test "hb in wait mode with -w 0.4: open on the first attempt" {
    probe_topology -W 3 -w 0.4 hb PORT
    check_status 0
    expect_all 1 open 10.77.0.11
    expect_attempts 1
    expect_between 250 800
}

# ---- hc: an unreachable address, then a good one ----

@test "hc (unreachable, then good): the failure starts the good address at once" {
    probe_topology -w 2 hc PORT
    check_status 0
    expect_all 1 open 10.77.0.11
    expect_between 0 400
}

@test "hc as 40 targets: every one open at once" {
    probe_topology -w 2 $(forty hc)
    check_status 0
    expect_all 40 open 10.77.0.11
    expect_between 0 700
}

@test "hc with -c 1: open at once" {
    probe_topology -c 1 -w 2 hc PORT
    check_status 0
    expect_all 1 open 10.77.0.11
    expect_between 0 400
}

@test "hc in wait mode: open on the first attempt" {
    probe_topology -W 3 -w 2 hc PORT
    check_status 0
    expect_all 1 open 10.77.0.11
    expect_attempts 1
    expect_between 0 400
}

# ---- hd: a refused address and a silent one ----

@test "hd (refused and silent): refused, after -w (the silent one might still have answered)" {
    probe_topology -w 1 hd PORT
    check_status 1
    expect_all 1 refused 10.77.0.12
    expect_between 950 1400
}

@test "hd as 40 targets: every one refused after -w" {
    probe_topology -w 1 $(forty hd)
    check_status 1
    expect_all 40 refused 10.77.0.12
    expect_between 950 1600
}

@test "hd with -c 1: refused after -w" {
    probe_topology -c 1 -w 1 hd PORT
    check_status 1
    expect_all 1 refused 10.77.0.12
    expect_between 950 1400
}

@test "hd in wait mode: refused on every attempt, the run ends at -W" {
    probe_topology -W 1.5 -w 0.5 hd PORT
    check_status 1
    expect_all 1 refused 10.77.0.12
    expect_attempts 3
    expect_between 1400 1900
}
