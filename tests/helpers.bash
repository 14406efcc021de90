# SPDX-License-Identifier: GPL-3.0-or-later
# helpers.bash: loaded by every .bats file (`load helpers`).
#
# One test runs through either form of tcpcheck, chosen by TC_FORM: `program` (build/tcpcheck,
# the default) or `builtin` (build/tcpcheck.so loaded into a fresh bash).  Messages from the
# builtin carry bash's prefix (`bash: line 1: tcpcheck: `) where the program writes `tcpcheck: `,
# so the assertions below compare what follows the prefix.
#
# Every connection a test makes goes to loopback or into a network namespace the test created.

bats_require_minimum_version 1.5.0

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
TC=${TC:-$ROOT/build/tcpcheck}
TC_SO=${TC_SO:-$ROOT/build/tcpcheck.so}
TCSERVER=${TCSERVER:-$ROOT/build/tools/tcserver}
TC_FORM=${TC_FORM:-program}
export TC TC_SO TCSERVER TC_FORM
# The release every form reports (--version): the top entry of debian/changelog, as the Makefile
# reads it.
TC_RELEASE=$(sed -n '1{s/^tcpcheck [(]//;s/[)].*//;p;}' "$ROOT/debian/changelog")

# What a bash that loads the builtin needs in its environment: under TC_SANITIZE=1 the .so is
# built with ASan, whose runtime must come first, so it is preloaded into that bash (its leak
# check stays off there: bash's children would report their own; the builtin's leaks are
# valgrind's job in the normal run).
TC_BUILTIN_ENV=()
if [[ ${TC_SANITIZE:-} == 1 ]]; then
    TC_BUILTIN_ENV=("LD_PRELOAD=$(gcc -print-file-name=libasan.so)" "ASAN_OPTIONS=detect_leaks=0")
fi

# `builtin_bash ARGS...`: bash, ready to load build/tcpcheck.so.
builtin_bash() {
    env "${TC_BUILTIN_ENV[@]}" bash "$@"
}

# The command under test, in the form TC_FORM names.
tc() {
    case $TC_FORM in
    program) "$TC" "$@" ;;
    builtin) builtin_bash -c 'enable -f "$1" tcpcheck || exit 99; shift; tcpcheck "$@"' bash "$TC_SO" "$@" ;;
    *)
        echo "helpers: unknown TC_FORM=$TC_FORM" >&2
        return 99
        ;;
    esac
}

# Tests of what only the standalone program has (exec, --help on stdout, rejecting -V).
program_only() {
    [[ $TC_FORM == program ]] || skip "only the standalone program has this"
}

# ---------------------------------------------------------------------------------------------
# Assertions.  Each prints what it saw when it fails, so a failing test explains itself.

show_run() {
    echo "status: $status"
    echo "stdout: ${output-}"
    echo "stderr: ${stderr-}"
}

check_status() {
    if [[ $status != "$1" ]]; then
        echo "expected status $1"
        show_run
        return 1
    fi
}

# The prefix every stderr line of ours starts with, as a regex.
_prefix_re() {
    if [[ $TC_FORM == builtin ]]; then
        echo '^bash: line [0-9]+: tcpcheck: '
    else
        echo '^tcpcheck: '
    fi
}

# ERR: the stderr lines with the prefix removed; fails when a line lacks the prefix (except
# the -v success lines, which are nc's words: `Connection to ... succeeded!`).
err_lines() {
    local re line
    re=$(_prefix_re)
    ERR=()
    [[ -n ${stderr-} ]] || return 0
    while IFS= read -r line; do
        # -v lines are nc -zv's own words, which carry no program prefix.
        if [[ $line == "Connection to "* ]]; then
            ERR+=("$line")
            continue
        fi
        if [[ ! $line =~ $re ]]; then
            echo "stderr line without the tcpcheck prefix: $line"
            show_run
            return 1
        fi
        ERR+=("${line#"${BASH_REMATCH[0]}"}")
    done <<<"$stderr"
}

# stderr is exactly these lines (after the prefix), in this order.
expect_err() {
    err_lines || return 1
    local want=("$@") _k
    if ((${#ERR[@]} != ${#want[@]})); then
        echo "expected ${#want[@]} stderr line(s), got ${#ERR[@]}"
        printf 'want: %s\n' "${want[@]}"
        show_run
        return 1
    fi
    for _k in "${!want[@]}"; do
        if [[ ${ERR[_k]} != "${want[_k]}" ]]; then
            echo "stderr line $((_k + 1)) differs"
            echo "want: ${want[_k]}"
            echo "got:  ${ERR[_k]}"
            show_run
            return 1
        fi
    done
}

# Some stderr line (after the prefix) matches the glob.
expect_err_match() {
    err_lines || return 1
    local l
    for l in "${ERR[@]}"; do
        # shellcheck disable=SC2053
        [[ $l == $1 ]] && return 0
    done
    echo "no stderr line matches: $1"
    show_run
    return 1
}

# A usage error: status 2 (or $2), exactly one prefixed line on stderr, nothing on stdout.
expect_usage() {
    check_status "${1:-2}" || return 1
    err_lines || return 1
    if ((${#ERR[@]} != 1)) || [[ -z ${ERR[0]} ]]; then
        echo "a usage error must print exactly one line"
        show_run
        return 1
    fi
    if [[ -n $output ]]; then
        echo "a usage error must print nothing on stdout"
        show_run
        return 1
    fi
}

expect_no_output() {
    if [[ -n $output || -n ${stderr-} ]]; then
        echo "expected no output at all"
        show_run
        return 1
    fi
}

# Run tcpcheck with stdout and stderr apart: sets status, output (stdout) and stderr.
run_tc() {
    run --separate-stderr tc "$@"
}

# `elapsed_ms CMD...`: run CMD as `run --separate-stderr` does and set ELAPSED (milliseconds).
elapsed_ms() {
    local t0 t1
    t0=$(date +%s%N)
    run --separate-stderr "$@"
    t1=$(date +%s%N)
    ELAPSED=$(((t1 - t0) / 1000000))
}

# `expect_between LO HI`: ELAPSED lies within [LO, HI] milliseconds.  Under TC_SANITIZE=1 HI
# grows by 200 ms: ASan's runtime costs each start about 80 ms and slows every loop; that run is
# for memory errors, the normal run keeps the deadlines exact.
expect_between() {
    local hi=$2
    [[ ${TC_SANITIZE:-} == 1 ]] && hi=$((hi + 200))
    if ((ELAPSED < $1 || ELAPSED > hi)); then
        echo "took ${ELAPSED} ms, expected ${1}-${hi} ms"
        show_run
        return 1
    fi
}

# ---------------------------------------------------------------------------------------------
# Servers.  start_server runs tcserver in the background and sets PORT and SERVER_OUT (the file
# holding its stdout: the port, then one "conn N" line per accepted connection).

SERVER_PIDS=()
_NSERVERS=0

start_server() {
    local f="$BATS_TEST_TMPDIR/server.$((++_NSERVERS))" _try
    # fd 3 is bats' own: a background job holding it would make bats wait for it.
    "$TCSERVER" "$@" >"$f" 2>"$f.err" 3>&- &
    SERVER_PIDS+=($!)
    SERVER_PID=$!
    SERVER_OUT=$f
    PORT=
    for ((_try = 0; _try < 300; _try++)); do
        { read -r PORT <"$f" || true; } 2>/dev/null
        [[ $PORT =~ ^[0-9]+$ ]] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.01
    done
    echo "tcserver $* did not start: $(cat "$f.err")"
    return 1
}

# How many connections the last started server accepted.
server_conns() {
    local f=${1:-$SERVER_OUT}
    grep -c '^conn ' "$f" || true
}

# The server got no connection: wait a little, since accepting is asynchronous.
expect_no_conns() {
    sleep 0.1
    local n
    n=$(server_conns "$@")
    if ((n != 0)); then
        echo "the server accepted $n connection(s); nothing should have been probed"
        show_run
        return 1
    fi
}

stop_servers() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${SERVER_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    SERVER_PIDS=()
}

teardown() {
    stop_servers
}

# A loopback port nothing listens on.  Chosen below the ephemeral range (32768-60999 on Linux)
# so that no probe can connect to itself through it: self-connection has its own tests.
free_port() {
    local p _try
    for ((_try = 0; _try < 100; _try++)); do
        p=$((20000 + RANDOM % 12000))
        if [[ -z $(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null) ]]; then
            echo "$p"
            return 0
        fi
    done
    echo "free_port: found none" >&2
    return 1
}

have_ipv6() {
    [[ -e /proc/net/if_inet6 ]] && ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'
}

need_ipv6() {
    have_ipv6 || skip "no ::1 on this host"
}

need_cmd() {
    command -v "$1" >/dev/null || skip "$1 is not installed (make deps)"
}

# ---------------------------------------------------------------------------------------------
# Network namespaces (root only).  `in_netns SCRIPT` runs the bash SCRIPT in a new network and
# mount namespace with lo up; the functions below are available inside it, and so are TC,
# TC_FORM, TCSERVER, BATS_TEST_TMPDIR.  Use it with run: `run --separate-stderr in_netns '...'`.

need_netns() {
    [[ $EUID == 0 ]] || skip "network namespace tests need root"
    unshare -n -m true 2>/dev/null || skip "unshare -n -m does not work here (container without CAP_SYS_ADMIN?)"
}

# Inside a netns: 10.77.0.2 is a neighbour that never answers (a silent drop: timeout).
netns_drop() {
    ip link add v0 type veth peer name v1 &&
        ip addr add 10.77.0.1/24 dev v0 &&
        ip link set v0 up && ip link set v1 up &&
        ip neigh add 10.77.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent
}

# Inside a netns: 10.78.0.0/24 is unreachable (EHOSTUNREACH), 10.79.0.0/24 prohibited (EACCES).
netns_unreachable() {
    ip route add unreachable 10.78.0.0/24 && ip route add prohibit 10.79.0.0/24
}

# Inside a netns: names with several addresses, for Happy Eyeballs (tests/topology.bats and the
# oracle).  A veth pair v0/v1 carries 10.77.0.1/24 and 2001:db8:77::1/64; its neighbours
# 10.77.0.2-4 and 2001:db8:77::2 have a made-up MAC, so every SYN to them is lost (silent);
# 10.77.0.11 and 10.77.0.12 are our own (a test server listens on .11; nothing on .12: refused);
# 10.78.0.0/24 is on the link but nobody answers ARP, found out in ~20 ms (unreachable: No route
# to host).  The addresses are global (2001:db8::/32 is not ULA), so RFC 6724 sorting keeps
# the hosts-file order (IPv6 first).  /etc/hosts then names:
#   ha  a silent IPv6 address, then the good IPv4 one
#   hb  three silent IPv4 addresses, then the good one
#   hc  an unreachable address, then the good one
#   hd  a refused address, then a silent one
netns_topology() {
    ip link add v0 type veth peer name v1 &&
        ip addr add 10.77.0.1/24 dev v0 && ip addr add 10.77.0.11/24 dev v0 &&
        ip addr add 10.77.0.12/24 dev v0 && ip addr add 10.78.0.1/24 dev v0 &&
        ip -6 addr add 2001:db8:77::1/64 dev v0 nodad &&
        ip link set v0 up && ip link set v1 up || return 1
    local a
    for a in 2 3 4; do
        ip neigh add "10.77.0.$a" lladdr 02:00:00:00:00:02 dev v0 nud permanent || return 1
    done
    ip -6 neigh add 2001:db8:77::2 lladdr 02:00:00:00:00:02 dev v0 nud permanent &&
        sysctl -qw net.ipv4.neigh.v0.mcast_solicit=1 net.ipv4.neigh.v0.ucast_solicit=0 \
            net.ipv4.neigh.v0.app_solicit=0 net.ipv4.neigh.v0.retrans_time_ms=20 || return 1
    netns_dns "2001:db8:77::2 ha
10.77.0.11 ha
10.77.0.2 hb
10.77.0.3 hb
10.77.0.4 hb
10.77.0.11 hb
10.78.0.5 hc
10.77.0.11 hc
10.77.0.12 hd
10.77.0.2 hd" files ""
}

# Inside a netns: replace the resolver's files.  `netns_dns HOSTS NSSWITCH_HOSTS [RESOLV]`, e.g.
# netns_dns $'127.0.0.1 db\n' 'files' ''.
netns_dns() {
    local d=$BATS_TEST_TMPDIR/etc
    mkdir -p "$d"
    printf '%s\n' "$1" >"$d/hosts"
    printf 'hosts: %s\n' "$2" >"$d/nsswitch.conf"
    printf '%s\n' "${3-}" >"$d/resolv.conf"
    local f
    for f in hosts nsswitch.conf resolv.conf; do
        mount --bind "$d/$f" "/etc/$f" || return 1
    done
}

# Inside a netns: a DNS server on 127.0.0.1:53 that reads queries and never answers, with
# resolver timeouts far longer than any -w, so only tcpcheck's own deadline can end a lookup.
netns_silent_dns() {
    local out=$BATS_TEST_TMPDIR/udpsink
    "$TCSERVER" -p 53 udpsink >"$out" 2>&1 3>&- &
    local _try
    for ((_try = 0; _try < 200; _try++)); do
        [[ -s $out ]] && break
        sleep 0.01
    done
    netns_dns "$1" 'files dns' $'nameserver 127.0.0.1\noptions timeout:30 attempts:5'
}

# Inside a netns: start a tcserver and set PORT (like start_server, killed when the script ends).
ns_server() {
    local f=$BATS_TEST_TMPDIR/ns_server.$RANDOM _try
    PORT= # a second server must not report the first one's port
    "$TCSERVER" "$@" >"$f" 2>&1 3>&- &
    for ((_try = 0; _try < 300; _try++)); do
        { read -r PORT <"$f" || true; } 2>/dev/null
        [[ $PORT =~ ^[0-9]+$ ]] && return 0
        sleep 0.01
    done
    echo "tcserver $* did not start: $(cat "$f")" >&2
    return 1
}

# Inside a netns: `timed CMD...` runs CMD and writes the milliseconds it took to
# $BATS_TEST_TMPDIR/elapsed (read them outside with netns_elapsed); returns CMD's status.
timed() {
    local t0 t1 rc
    t0=$(date +%s%N)
    "$@"
    rc=$?
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000)) >"$BATS_TEST_TMPDIR/elapsed"
    return $rc
}

netns_elapsed() {
    ELAPSED=$(<"$BATS_TEST_TMPDIR/elapsed")
}

in_netns() {
    local preamble
    preamble="$(declare -p TC_BUILTIN_ENV)
$(declare -f tc builtin_bash tc_bg wait_socket netns_drop netns_unreachable netns_dns netns_silent_dns netns_nx_dns netns_topology ns_server timed)
trap 'kill \$(jobs -p) 2>/dev/null; wait' EXIT
ip link set lo up || exit 98
"
    BATS_TEST_TMPDIR=$BATS_TEST_TMPDIR unshare -n -m bash -c "$preamble$1" 3>&-
}

# A free loopback port that has no name in the services database (`-v` shows `[tcp/*]`).
free_port_unnamed() {
    local p _try
    for ((_try = 0; _try < 50; _try++)); do
        p=$(free_port) || return 1
        [[ -z $(getent services "$p/tcp") ]] && echo "$p" && return 0
    done
    return 1
}

# "PORT NAME" of a free loopback port that has a name in the services database.
free_named_port() {
    local p name
    for p in 5432 3306 6379 8080 9418 2049 4369 5672 1080; do
        name=$(getent services "$p/tcp" | awk '{print $1; exit}')
        [[ -n $name && -z $(ss -Htan "( sport = :$p )") ]] && echo "$p $name" && return 0
    done
    return 1
}

# Wait (up to 1 s) until the server logged that N connections went away.
wait_gone() {
    local _try
    for ((_try = 0; _try < 100; _try++)); do
        (($(grep -c '^gone ' "$SERVER_OUT") >= $1)) && return 0
        sleep 0.01
    done
    echo "the server did not see $1 connection(s) go away:"
    cat "$SERVER_OUT"
    return 1
}

# A random loopback address other than 127.0.0.1.  Servers whose connections a test counts bind
# there, so a sweep of 127.0.0.1 run by anything else on this host cannot disturb the count.
random_lo() {
    echo "127.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 2))"
}

# Every -j object on stdout has this host.
expect_json_host() {
    local hosts
    hosts=$(jq -r .host <<<"$output" | sort -u)
    [[ $hosts == "$1" ]] || { echo "hosts: $hosts, want $1"; show_run; return 1; }
}

# `tc_bg ARGS...`: start tcpcheck in the background with SIGINT/SIGTERM at their defaults (bash
# starts background jobs with SIGINT ignored, and an ignored signal stays ignored across exec);
# sets BG_PID.  Its stdout and stderr go to $BATS_TEST_TMPDIR/bg.out and bg.err.
tc_bg() {
    local out=$BATS_TEST_TMPDIR/bg
    if [[ $TC_FORM == builtin ]]; then
        env --default-signal=INT,TERM "${TC_BUILTIN_ENV[@]}" bash -c 'enable -f "$1" tcpcheck || exit 99; shift
            tcpcheck "$@"' bash "$TC_SO" "$@" >"$out.out" 2>"$out.err" 3>&- &
    else
        env --default-signal=INT,TERM "$TC" "$@" >"$out.out" 2>"$out.err" 3>&- &
    fi
    BG_PID=$!
}

# Wait until process $1 holds at least one socket (up to 2 s).
wait_socket() {
    local _try
    for ((_try = 0; _try < 200; _try++)); do
        [[ -n $(find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | head -1) ]] && return 0
        sleep 0.01
    done
    echo "process $1 never held a socket"
    return 1
}

# `interrupt SIG`: send SIG to BG_PID, wait for it; sets status and ELAPSED (ms from the signal).
interrupt() {
    local t0 t1
    t0=$(date +%s%N)
    kill -"$1" "$BG_PID"
    status=0
    wait "$BG_PID" || status=$?
    t1=$(date +%s%N)
    ELAPSED=$(((t1 - t0) / 1000000))
    stderr=$(cat "$BATS_TEST_TMPDIR/bg.err")
    output=$(cat "$BATS_TEST_TMPDIR/bg.out")
}

# Inside a netns: a DNS server on 127.0.0.1:53 that answers NXDOMAIN to every query.
netns_nx_dns() {
    local out=$BATS_TEST_TMPDIR/dnsnx _try
    "$TCSERVER" -p 53 dnsnx >"$out" 2>&1 3>&- &
    for ((_try = 0; _try < 200; _try++)); do
        [[ -s $out ]] && break
        sleep 0.01
    done
    netns_dns "$1" 'files dns' 'nameserver 127.0.0.1'
}

# The last started server accepted at least N connections (waits up to 1 s): proof that a
# success really connected.
expect_conns() {
    local _try
    for ((_try = 0; _try < 100; _try++)); do
        (($(server_conns) >= $1)) && return 0
        sleep 0.01
    done
    echo "the server accepted $(server_conns) connection(s), want $1"
    show_run
    return 1
}
