#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# deploy.sh: check every dependency of a deployment in one call of the tcpcheck builtin, print
# one line per dependency, and deploy only when all of them are reachable.
#
#   deploy.sh [COMMAND [ARG...]]     COMMAND is the deployment step (default: just say so)
#
# The dependencies live in an associative array (name -> HOST:PORT); DEPLOY_DEPS ("name=HOST:PORT
# ..." words) replaces it, e.g. DEPLOY_DEPS='db=127.0.0.1:5432 cache=127.0.0.1:6379'.
# `tcpcheck -V state` fills the array `state` (key HOST:PORT, value the state word), so the
# script reports every dependency, not only the first failing one, without forking for a probe.
# A dependency may name several ports (db:80,443, db:8000-8001, db:https): its line gives their
# common state, or each port's.
# The builtin is loaded from TCPCHECK_SO, else from the source tree's build/tcpcheck.so, else
# by name through BASH_LOADABLES_PATH (after `make install`: $PREFIX/lib/bash/tcpcheck).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
so=${TCPCHECK_SO:-}
if [[ -z $so && -f $here/../build/tcpcheck.so ]]; then
    so=$here/../build/tcpcheck.so
fi
if ! enable -f "${so:-tcpcheck}" tcpcheck 2>/dev/null; then
    echo "deploy.sh: cannot load the tcpcheck builtin (${so:-tcpcheck via BASH_LOADABLES_PATH})" >&2
    exit 7
fi

declare -A deps=(
    [database]=db.internal:5432
    [cache]=cache.internal:6379
    [queue]=mq.internal:5672
)
if [[ -n ${DEPLOY_DEPS:-} ]]; then
    deps=()
    for pair in $DEPLOY_DEPS; do
        deps[${pair%%=*}]=${pair#*=}
    done
fi

declare -A state
# -q: this script prints its own table; -w 2: no dependency gets more than 2 s.
tcpcheck -q -w 2 -V state "${deps[@]}"
status=$?
if ((status == 2)); then
    echo "deploy.sh: a dependency is not a valid HOST:PORT: ${deps[*]}" >&2
    exit 2
fi

# target_keys WORD: the -V keys of one target word, one a line: HOST:PORT for every port of its
# list, range or service name ([ADDR]:PORT for IPv6), unix:PATH for a socket.
target_keys() {
    local word=$1 host ports item lo hi p
    case $word in
    unix://*) echo "unix:${word#unix://}" && return ;;
    unix:*) echo "$word" && return ;;
    /dev/tcp/*) word=${word#/dev/tcp/} host=${word%/*} ports=${word##*/} ;;
    *) word=${word#tcp://} host=${word%:*} ports=${word##*:} ;;
    esac
    host=${host#\[} host=${host%]}
    [[ $host == *:* ]] && host="[$host]"
    IFS=, read -ra items <<<"$ports"
    for item in "${items[@]}"; do
        if [[ $item =~ ^([0-9]+)-([0-9]+)$ ]]; then
            lo=$((10#${BASH_REMATCH[1]})) hi=$((10#${BASH_REMATCH[2]}))
        elif [[ $item =~ ^[0-9]+$ ]]; then
            lo=$((10#$item)) hi=$lo
        else
            lo=$(getent services "$item/tcp" | awk '{ sub("/tcp", "", $2); print $2 }') hi=$lo
        fi
        for ((p = lo; p <= hi; p++)); do
            echo "$host:$p"
        done
    done
}

# dep_state WORD: the state of every port of one dependency, in one word when they agree.
dep_state() {
    local key st first='' same=1 each=''
    while IFS= read -r key; do
        st=${state[$key]:-not probed}
        [[ -z $first ]] && first=$st
        [[ $st == "$first" ]] || same=0
        each+="${each:+, }${key##*:} $st"
    done < <(target_keys "$1")
    if ((same)); then
        echo "$first"
    else
        echo "$each"
    fi
}

mapfile -t names < <(printf '%s\n' "${!deps[@]}" | sort)
for name in "${names[@]}"; do
    target=${deps[$name]}
    printf '%-10s %-24s %s\n' "$name" "$target" "$(dep_state "$target")"
done

if ((status != 0)); then
    echo "deploy.sh: not deploying: a dependency is not reachable (tcpcheck status $status)" >&2
    exit "$status"
fi
if (($# == 0)); then
    echo "deploy.sh: every dependency is reachable: deploying"
    exit 0
fi
"$@"
