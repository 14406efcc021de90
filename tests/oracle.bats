#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# Randomized scenarios checked against an independent model (tests/oracle/oracle.py): states,
# attempts, the address that won, the exit status and the time, for every seed, in one network
# namespace (netns_topology).  ORACLE_SEEDS=N runs seeds 1..N (default 120 per form), ORACLE_SEED=S
# runs one; ORACLE_KINDS=open,refused,... limits the kinds of target.  A failure prints its seed
# and the command line.

load helpers

@test "oracle: random scenarios agree with the model" {
    need_netns
    need_cmd python3
    export ORACLE_PY=$BATS_TEST_DIRNAME/oracle/oracle.py ORACLE_BUILTIN_ENV="${TC_BUILTIN_ENV[*]}"
    run --separate-stderr in_netns 'netns_topology || exit 97
        ns_server -a 10.77.0.11 hold && good=$PORT || exit 96
        ns_server hold && open=$PORT || exit 96
        python3 "$ORACLE_PY" --open "$open" --good "$good"'
    echo "$output" | tail -1 | sed 's/^/# /' >&3
    if ((status != 0)); then
        echo "$output"
        echo "$stderr"
        return 1
    fi
}
