#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# Every file in examples/ runs here, against loopback listeners only: the scripts as they are,
# and the command lines of Dockerfile, compose.yaml and k8s-probe.yaml as extracted from them
# (their /tcpcheck and their documented ports replaced by the built program and test ports).

load helpers

EX=$ROOT/examples

# These tests use the program and the builtin by themselves: run them once, not once per form.
setup() {
    [[ $TC_FORM == program ]] || skip "runs with TC_FORM=program (it uses both forms itself)"
}

# The program an image would carry: the static one when it was built, else the dynamic one.
image_tcpcheck() {
    if [[ -x $ROOT/build/tcpcheck-static ]]; then
        echo "$ROOT/build/tcpcheck-static"
    else
        echo "$TC"
    fi
}

# `json_command JSON [WORD=REPLACEMENT...]`: CMD as a bash array from an exec-form JSON array,
# "/tcpcheck" replaced by the program and each WORD (a whole element) by its REPLACEMENT.
json_command() {
    local json=$1 el pair
    shift
    mapfile -t CMD < <(jq -r '.[]' <<<"$json")
    ((${#CMD[@]} > 0)) || { echo "no command in: $json"; return 1; }
    for i in "${!CMD[@]}"; do
        el=${CMD[i]}
        [[ $el == /tcpcheck ]] && CMD[i]=$(image_tcpcheck)
        for pair in "$@"; do
            [[ $el == "${pair%%=*}" ]] && CMD[i]=${pair#*=}
        done
    done
    return 0
}

# `expect_healthy_unhealthy JSON`: the exec-form command JSON, its port 8080 pointed at a
# listener, exits 0; pointed at a closed port, exits 1 (as Docker and compose read it).
expect_healthy_unhealthy() {
    start_server hold
    json_command "$1" "8080=$PORT"
    run --separate-stderr "${CMD[@]}"
    check_status 0

    json_command "$1" "8080=$(free_port)"
    run --separate-stderr "${CMD[@]}"
    check_status 1
}

# ---- demo.sh -----------------------------------------------------------------------------

@test "demo.sh: open, refused and timeout, each with -v and -j, and its listeners are gone" {
    run --separate-stderr sh "$EX/demo.sh"
    check_status 0
    [[ $output == *"=== open:"* && $output == *"=== refused:"* && $output == *"=== timeout:"* ]] ||
        { show_run; false; }
    [[ $output =~ Connection\ to\ 127\.0\.0\.1\ [0-9]+\ port\ \[tcp/[^]]+\]\ succeeded! ]] ||
        { show_run; false; }
    [[ $output == *"failed: Connection refused"* ]] || { show_run; false; }
    [[ $output == *"timed out after 1 s"* ]] || { show_run; false; }
    [[ $output == *'"state":"open"'* && $output == *'"state":"refused"'* &&
        $output == *'"state":"timeout"'* ]] || { show_run; false; }
    for s in 0 1 3; do
        [[ $output == *"(exit status $s)"* ]] || { echo "no exit status $s"; show_run; false; }
    done
    # Every JSON line is valid JSON.
    grep '^{' <<<"$output" | jq -e . >/dev/null
    # The trap killed the listeners: their ports are free again.
    local ports
    ports=$(sed -n 's/^listening and accepting: port \([0-9]*\); accept queue full: port \([0-9]*\);.*/\1 \2/p' <<<"$output")
    [[ -n $ports ]] || { show_run; false; }
    sleep 0.1
    for p in $ports; do
        [[ -z $(ss -Htln "( sport = :$p )") ]] || { echo "port $p still listening"; false; }
    done
}

@test "demo.sh: an interrupt kills the listeners too" {
    local out=$BATS_TEST_TMPDIR/demo.out
    sh "$EX/demo.sh" >"$out" 2>&1 3>&- &
    local pid=$! ports i
    for ((i = 0; i < 200; i++)); do
        ports=$(sed -n 's/^listening and accepting: port \([0-9]*\); accept queue full: port \([0-9]*\);.*/\1 \2/p' "$out")
        [[ -n $ports ]] && break
        sleep 0.01
    done
    [[ -n $ports ]] || { cat "$out"; false; }
    kill -TERM "$pid"
    wait "$pid" || true
    sleep 0.1
    for p in $ports; do
        [[ -z $(ss -Htln "( sport = :$p )") ]] || { echo "port $p still listening"; false; }
    done
}

# ---- deploy.sh (the bash builtin with -V) -------------------------------------------------

@test "deploy.sh: every dependency open: one line each, then the deployment runs" {
    start_server hold
    local p1=$PORT
    start_server hold
    local p2=$PORT
    DEPLOY_DEPS="db=127.0.0.1:$p1 cache=127.0.0.1:$p2" TCPCHECK_SO=$TC_SO \
        run --separate-stderr builtin_bash "$EX/deploy.sh" echo DEPLOYED
    check_status 0
    local want
    want=$(printf '%-10s %-24s %s\n' cache "127.0.0.1:$p2" open db "127.0.0.1:$p1" open)
    [[ $output == "$want"$'\n'DEPLOYED ]] || { echo "want: $want"; show_run; false; }
    [[ -z $stderr ]] || { show_run; false; }
}

@test "deploy.sh: a refused dependency: every state reported, no deployment, status 1" {
    start_server hold
    local p1=$PORT free
    free=$(free_port)
    DEPLOY_DEPS="db=127.0.0.1:$p1 cache=127.0.0.1:$free" TCPCHECK_SO=$TC_SO \
        run --separate-stderr builtin_bash "$EX/deploy.sh" echo DEPLOYED
    check_status 1
    [[ $output == *"cache"*"127.0.0.1:$free"*refused* ]] || { show_run; false; }
    [[ $output == *"db"*"127.0.0.1:$p1"*open* ]] || { show_run; false; }
    [[ $output != *DEPLOYED* ]] || { show_run; false; }
    [[ $stderr == *"not deploying"* ]] || { show_run; false; }
}

@test "deploy.sh: a timed-out and an open dependency (status 3), default message" {
    start_server backlog
    local slow=$PORT
    start_server hold
    local p1=$PORT
    DEPLOY_DEPS="app=127.0.0.1:$p1 slow=127.0.0.1:$slow" TCPCHECK_SO=$TC_SO \
        run --separate-stderr builtin_bash "$EX/deploy.sh"
    check_status 3
    [[ $output == *"slow"*"127.0.0.1:$slow"*timeout* && $output == *app*open* ]] ||
        { show_run; false; }
}

# ---- entrypoint.sh (wait mode and -- COMMAND) --------------------------------------------

@test "entrypoint.sh: waits for every dependency, then execs the command (its status is ours)" {
    start_server hold
    local p1=$PORT
    start_server late 300
    local p2=$PORT
    WAIT_FOR="127.0.0.1:$p1 127.0.0.1:$p2" WAIT_SECS=10 TCPCHECK=$TC \
        elapsed_ms sh "$EX/entrypoint.sh" sh -c 'echo "server up: $0 $1"; exit 42' arg0 arg1
    check_status 42
    [[ $output == "server up: arg0 arg1" ]] || { show_run; false; }
    expect_between 250 5000
}

@test "entrypoint.sh: the command replaces tcpcheck (same process)" {
    start_server hold
    WAIT_FOR="127.0.0.1:$PORT" WAIT_SECS=5 TCPCHECK=$TC \
        run --separate-stderr sh -c 'sh "$1" sh -c "echo \$\$" & echo $!; wait' sh "$EX/entrypoint.sh"
    check_status 0
    local lines
    mapfile -t lines <<<"$output"
    [[ ${lines[0]} == "${lines[1]}" ]] || { echo "pids differ"; show_run; false; }
}

@test "entrypoint.sh: a dependency that stays closed: status 1, the command never runs" {
    start_server hold
    local free
    free=$(free_port)
    WAIT_FOR="127.0.0.1:$PORT 127.0.0.1:$free" WAIT_SECS=0.5 TCPCHECK=$TC \
        elapsed_ms sh "$EX/entrypoint.sh" echo SHOULD-NOT-RUN
    check_status 1
    [[ -z $output ]] || { show_run; false; }
    expect_err "connect to 127.0.0.1 port $free (tcp) failed: Connection refused"
    expect_between 400 2000
}

@test "entrypoint.sh: no command is an error" {
    run --separate-stderr sh "$EX/entrypoint.sh"
    check_status 2
}

# ---- Dockerfile, compose.yaml, k8s-probe.yaml -------------------------------------------

@test "Dockerfile: the exec-form HEALTHCHECK: 0 healthy, 1 refused, 1 timed out (-H)" {
    local line json
    line=$(grep '^HEALTHCHECK ' "$EX/Dockerfile")
    [[ $line =~ CMD\ (\[.*\])$ ]] || { echo "no exec-form CMD in: $line"; false; }
    json=${BASH_REMATCH[1]}
    [[ $json == '["/tcpcheck","-H","-w","2","127.0.0.1","8080"]' ]] || { echo "$json"; false; }
    grep -q '^COPY build/tcpcheck-static /tcpcheck$' "$EX/Dockerfile"

    expect_healthy_unhealthy "$json"
    [[ $stderr == *"Connection refused"* ]] || { show_run; false; }

    start_server backlog
    json_command "$json" "8080=$PORT" "2=0.3"
    run --separate-stderr "${CMD[@]}"
    check_status 1
    [[ $stderr == *"timed out after 0.3 s"* ]] || { show_run; false; }
}

@test "Dockerfile: the exec-form ENTRYPOINT waits, then runs CMD" {
    local json
    json=$(sed -n 's/^ENTRYPOINT \(\[.*\]\)$/\1/p' "$EX/Dockerfile")
    [[ -n $json ]]
    start_server hold
    json_command "$json" "db:5432=127.0.0.1:$PORT" "/app=echo"
    run --separate-stderr "${CMD[@]}" --port 8080
    check_status 0
    [[ $output == "--port 8080" ]] || { show_run; false; }
}

@test "compose.yaml: the healthcheck test: 0 healthy, 1 unhealthy" {
    local json
    json=$(sed -n 's/^ *test: \(\[.*\]\) *$/\1/p' "$EX/compose.yaml")
    [[ -n $json ]] || { echo "no healthcheck test line"; false; }
    [[ $(jq -r '.[0]' <<<"$json") == CMD ]]
    json=$(jq -c '.[1:]' <<<"$json")
    expect_healthy_unhealthy "$json"
}

@test "k8s-probe.yaml: the exec probe: both ports open 0, one closed non-zero" {
    local json
    json=$(sed -n 's/^ *command: \(\[.*\]\) *$/\1/p' "$EX/k8s-probe.yaml")
    [[ -n $json ]] || { echo "no command line"; false; }

    start_server hold
    local app=$PORT
    start_server hold
    local admin=$PORT
    json_command "$json" "8080=$app" "9090=$admin"
    run --separate-stderr "${CMD[@]}"
    check_status 0

    json_command "$json" "8080=$app" "9090=$(free_port)"
    run --separate-stderr "${CMD[@]}"
    check_status 1
    [[ $stderr == *"Connection refused"* ]] || { show_run; false; }
}

# ---- sweep.sh ----------------------------------------------------------------------------

@test "sweep.sh: lists exactly the open ports of a port list, in order" {
    need_cmd jq
    start_server hold
    local p1=$PORT free
    start_server hold
    local p2=$PORT
    free=$(free_port)
    TCPCHECK=$TC run --separate-stderr sh "$EX/sweep.sh" 127.0.0.1 "$free,$p1,$p2"
    check_status 0
    [[ $output == "$p1"$'\n'"$p2" ]] || { show_run; false; }
}

@test "sweep.sh: a full sweep of 127.0.0.1 finds the test's listeners" {
    need_cmd jq
    start_server hold
    local p1=$PORT
    start_server hold
    local p2=$PORT
    TCPCHECK=$TC run --separate-stderr sh "$EX/sweep.sh"
    check_status 0
    grep -qx "$p1" <<<"$output" || { show_run; false; }
    grep -qx "$p2" <<<"$output" || { show_run; false; }
}

# ---- the scripts themselves ---------------------------------------------------------------

@test "examples: shellcheck finds nothing" {
    need_cmd shellcheck
    shellcheck -s sh "$EX/demo.sh" "$EX/entrypoint.sh" "$EX/sweep.sh"
    shellcheck -s bash "$EX/deploy.sh"
}
