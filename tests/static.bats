#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/static.bats: the static musl program (`make static`) alone in an otherwise empty root.
#
# Builds nothing: skips when build/tcpcheck-static is missing.  Each probe runs in a network
# namespace made for it (unshare -n, only lo, brought up here), chrooted into a directory that
# holds only the binary, etc/hosts and etc/resolv.conf: no libc, no nsswitch.conf, no services.
# Listeners: build/tools/tcserver (`make tools`) when present, else BusyBox nc.
# shellcheck disable=SC2016 # the scripts given to in_netns expand inside the namespace

setup() {
    REPO="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
    local build="${BUILD:-build}"
    [[ $build == /* ]] || build="$REPO/$build"
    BIN="$build/tcpcheck-static"
    [[ -x $BIN ]] || skip "$BIN missing: run 'make static' first (this test builds nothing)"
    [[ $EUID -eq 0 ]] || skip "needs root (chroot, unshare -n)"
    if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
        skip "needs unshare and ip"
    fi
    TCSERVER="$build/tools/tcserver"
    [[ -x $TCSERVER ]] || TCSERVER=
    if [[ -z $TCSERVER ]] && ! command -v busybox >/dev/null; then
        skip "no listener: run 'make tools' (tcserver) or install busybox"
    fi

    JAIL="$BATS_TEST_TMPDIR/root"
    mkdir -p "$JAIL/etc"
    cp "$BIN" "$JAIL/tcpcheck"
    printf '127.0.0.1 localhost db\n' >"$JAIL/etc/hosts"
    printf 'nameserver 127.0.0.1\n' >"$JAIL/etc/resolv.conf"
    export JAIL TCSERVER
    export -f listen
}

# listen [TCSERVER-ARGS...]: start a listener in the current namespace; sets $port and $srv (pid).
# shellcheck disable=SC2034 # srv is read by in_netns's EXIT trap
listen() {
    if [[ -n $TCSERVER ]]; then
        exec {srvfd}< <(exec "$TCSERVER" "$@" 2>/dev/null 3>&-)
        srv=$!
        read -r -t 5 port <&"$srvfd" || return 1
    else
        [[ $* == hold ]] || return 1 # BusyBox nc can only hold a TCP connection
        port=5432
        busybox nc -l -p "$port" </dev/null >/dev/null 2>&1 3>&- &
        srv=$!
        local i
        for ((i = 0; i < 50; i++)); do
            ss -Hltn "sport = :$port" | grep -q . && return 0
            sleep 0.1
        done
        return 1
    fi
}

# in_netns SCRIPT: run bash SCRIPT in a new network namespace whose lo is up; a listener it
# started with `listen` is killed when it ends.
in_netns() {
    unshare -n bash -c 'trap "[[ -n \$srv ]] && kill \$srv 2>/dev/null" EXIT
        ip link set lo up || exit 99
        eval "$1"' in_netns "$1"
}

@test "static: the root holds only the binary, etc/hosts and etc/resolv.conf" {
    run find "$JAIL" -mindepth 1 -not -type d
    [ "$status" -eq 0 ]
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "$JAIL/etc/hosts $JAIL/etc/resolv.conf $JAIL/tcpcheck " ]
}

@test "static: open by a name from /etc/hosts, in an empty root" {
    run in_netns '
        listen hold || exit 98
        chroot "$JAIL" /tcpcheck -v -w 2 db "$port"'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"Connection to db "*" port [tcp/"*"] succeeded!"* ]]
}

@test "static: a numeric address is open without any resolver" {
    run in_netns '
        listen hold || exit 98
        rm -f "$JAIL/etc/resolv.conf" "$JAIL/etc/hosts"
        chroot "$JAIL" /tcpcheck -w 2 127.0.0.1 "$port"'
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "static: refused by name from /etc/hosts" {
    run in_netns 'chroot "$JAIL" /tcpcheck -w 2 db 9'
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"connect to db port 9 (tcp) failed: Connection refused"* ]]
}

@test "static: a name not in /etc/hosts asks the DNS of resolv.conf, bounded by -w" {
    [[ -n $TCSERVER ]] || skip "needs tcserver's udpsink (make tools)"
    run in_netns '
        listen -p 53 udpsink || exit 98
        start=$(date +%s%N)
        chroot "$JAIL" /tcpcheck -w 0.5 nosuch 80; rc=$?
        echo "elapsed_ms=$((($(date +%s%N) - start) / 1000000))"
        exit "$rc"'
    echo "$output"
    [ "$status" -eq 4 ]
    [[ $output == *"nosuch: name resolution timed out after 0.5 s"* ]]
    local ms=${output##*elapsed_ms=}
    [ "${ms%%[!0-9]*}" -lt 1500 ]
}

@test "static: not a dynamic executable, and under 200 KB" {
    run ldd "$BIN"
    [[ $output == *"not a dynamic executable"* || $output == *"statically linked"* ]]
    if command -v file >/dev/null; then
        run file -L "$BIN"
        [[ $output == *"statically linked"* ]]
    fi
    local size
    size=$(stat -c %s "$BIN")
    echo "size=$size"
    [ "$size" -lt $((200 * 1024)) ]
}
