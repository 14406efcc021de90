#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# demo.sh: what tcpcheck answers, shown against loopback listeners only.
#
# `make demo` builds build/tcpcheck and build/tools/tcserver, then runs this script.  It starts
# two listeners on 127.0.0.1 (one that accepts, one whose accept queue is full so that SYNs go
# unanswered), finds a port nothing listens on, and probes an open, a refused and a timed-out
# target, each with `-v -w 1` (the lines people read) and `-j` (the JSON scripts read).
# TCPCHECK and TCSERVER override the programs used.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
tcpcheck=${TCPCHECK:-$root/build/tcpcheck}
tcserver=${TCSERVER:-$root/build/tools/tcserver}
for p in "$tcpcheck" "$tcserver"; do
    if [ ! -x "$p" ]; then
        echo "demo.sh: $p is missing: run 'make all tools' (or 'make demo')" >&2
        exit 2
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcpcheck-demo.XXXXXX") || exit 7
pids=
cleanup() {
    for pid in $pids; do
        kill "$pid" 2>/dev/null
    done
    for pid in $pids; do
        wait "$pid" 2>/dev/null
    done
    pids=
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# listen NAME MODE: start tcserver MODE on 127.0.0.1 and set $port to its port.  Called
# directly, never in $(...): the pid must reach the trap's list in this shell.
listen() {
    "$tcserver" "$2" >"$tmp/$1" 2>"$tmp/$1.err" &
    pids="$pids $!"
    i=0
    while [ $i -lt 300 ]; do
        port=$(head -n 1 "$tmp/$1" 2>/dev/null)
        case $port in
        '' | *[!0-9]*) ;;
        *) return 0 ;;
        esac
        i=$((i + 1))
        sleep 0.01
    done
    echo "demo.sh: tcserver $2 did not start: $(cat "$tmp/$1.err")" >&2
    return 1
}

listen open hold || exit 7
open_port=$port
listen backlog backlog || exit 7
timeout_port=$port
# A port nothing listens on: one a listener held a moment ago.
listen gone hold || exit 7
refused_port=$port
gone=${pids##* }
kill "$gone" 2>/dev/null
wait "$gone" 2>/dev/null
pids=${pids% *}

# show HEADING ARGS...: print the command line, run it, print its exit status.
show() {
    printf '\n=== %s\n' "$1"
    shift
    printf '$ tcpcheck %s\n' "$*"
    "$tcpcheck" "$@" 2>&1
    printf '(exit status %s)\n' "$?"
}

echo "tcpcheck demo: every probe goes to 127.0.0.1"
echo "listening and accepting: port $open_port; accept queue full: port $timeout_port;" \
    "nothing listening: port $refused_port"

show "open: something accepts the connection (status 0)" -v -w 1 127.0.0.1 "$open_port"
show "open, as JSON on stdout" -j -w 1 127.0.0.1 "$open_port"
show "refused: the host answers with a reset (status 1)" -v -w 1 127.0.0.1 "$refused_port"
show "refused, as JSON" -j -w 1 127.0.0.1 "$refused_port"
show "timeout: no answer within -w 1 (status 3)" -v -w 1 127.0.0.1 "$timeout_port"
show "timeout, as JSON" -j -w 1 127.0.0.1 "$timeout_port"
show "all three at once: in parallel, in argument order, status of the first failure" \
    -v -w 1 127.0.0.1 "$open_port" "$refused_port" "$timeout_port"
show "the same with -a: success when any is open" \
    -a -w 1 127.0.0.1 "$open_port" "$refused_port" "$timeout_port"
