#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# Every file in examples/ runs here, against loopback listeners only: the scripts as they are,
# and the command lines of Dockerfile, compose.yaml and k8s-probe.yaml as extracted from them
# (their /tcpcheck and their documented ports replaced by the built program and test ports).
# There is no container engine here: every YAML file is parsed (python3-yaml) and checked, and
# the Dockerfile's stages are built as far as they go without one (the build stage's commands
# run as a script against a copy of the build context, the scratch stage as an empty root).

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

@test "deploy.sh: a dependency with several ports, in any target form, is reported as probed" {
    start_server hold
    local p1=$PORT free
    start_server hold
    local p2=$PORT
    free=$(free_port)
    DEPLOY_DEPS="both=127.0.0.1:$p1,$p2 mixed=127.0.0.1:$p1,$free url=tcp://127.0.0.1:$p2 path=/dev/tcp/127.0.0.1/$p1 range=127.0.0.1:$free-$free svc=127.0.0.1:https" \
        TCPCHECK_SO=$TC_SO run --separate-stderr builtin_bash "$EX/deploy.sh" echo DEPLOYED
    check_status 1
    # One line per dependency, sorted by name; 443 on loopback is open or refused, but probed.
    local want
    want=$(printf '%-10s %-24s %s\n' both "127.0.0.1:$p1,$p2" open \
        mixed "127.0.0.1:$p1,$free" "$p1 open, $free refused" path "/dev/tcp/127.0.0.1/$p1" open \
        range "127.0.0.1:$free-$free" refused svc 127.0.0.1:https STATE url "tcp://127.0.0.1:$p2" open)
    [[ $output == ${want/STATE/@(open|refused)} ]] || { echo "want: $want"; show_run; false; }
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

# `yaml_json FILE EXPR`: the Python expression EXPR over the parsed FILE (`y`), as JSON.
yaml_json() {
    python3 -c 'import json, sys, yaml
y = yaml.safe_load(open(sys.argv[1]))
print(json.dumps(eval(sys.argv[2])))' "$1" "$2"
}

# `dockerfile_stage NAME`: the instructions of one stage of examples/Dockerfile, one a line.
dockerfile_stage() {
    awk -v stage="$1" '/^FROM /{ on = ($NF == stage) } on && !/^#/ && NF' "$EX/Dockerfile"
}

# `docker_context DIR`: the build context docker would send from the top of the tree: every
# file but what .dockerignore leaves out (names at the top, and **/*.EXT anywhere).
docker_context() {
    local pat excludes=()
    while read -r pat; do
        case $pat in
        '' | '#'*) ;;
        '**/'*) excludes+=("--exclude=${pat#'**/'}") ;;
        *) excludes+=("--exclude=./$pat") ;;
        esac
    done <"$ROOT/.dockerignore"
    mkdir -p "$1"
    tar -C "$ROOT" "${excludes[@]}" -cf - . | tar -xf - -C "$1"
}

@test "Dockerfile: build on debian:12, tcpcheck alone in scratch, then the app; COPY only what the context has" {
    run grep '^FROM ' "$EX/Dockerfile"
    [[ $output == $'FROM debian:12 AS build\nFROM scratch AS tcpcheck\nFROM '*' AS app' ]] || { show_run; false; }
    # Every COPY from the context names something the context has (1.0 copied an `app` that
    # is not there, and a build/ that .dockerignore now leaves out).
    local ctx=$BATS_TEST_TMPDIR/ctx src
    docker_context "$ctx"
    [[ ! -e $ctx/build && ! -e $ctx/.git && -f $ctx/Makefile && -x $ctx/scripts/deps ]]
    while read -r src; do
        [[ -e $ctx/$src ]] || { echo "COPY $src: not in the build context"; false; }
    done < <(grep '^COPY ' "$EX/Dockerfile" | grep -v -- '--from=' | awk '{ print $2 }')
    # The binary reaches the app only through the stages.
    grep -qx 'COPY --from=build /src/build/tcpcheck-static /tcpcheck' "$EX/Dockerfile"
    grep -qx 'COPY --from=tcpcheck /tcpcheck /tcpcheck' "$EX/Dockerfile"
}

@test "Dockerfile: the build stage's commands make the static binary; the scratch stage runs it alone" {
    [[ $EUID -eq 0 ]] || skip "needs root (scripts/deps, chroot)"
    # The build stage, as a script: WORKDIR is a directory here, COPY copies from a copy of the
    # build context, RUN runs with sh -c there, as docker's RUN does.
    local ctx=$BATS_TEST_TMPDIR/ctx stage=$BATS_TEST_TMPDIR/build-stage workdir=/ line
    docker_context "$ctx"
    mkdir -p "$stage"
    while read -r line; do
        [[ $line != *\\ ]] || { echo "continued lines are not handled: $line"; false; }
        case $line in
        FROM*) ;;
        WORKDIR\ *) workdir=${line#WORKDIR } && mkdir -p "$stage$workdir" ;;
        COPY\ *)
            read -r _ src dest <<<"$line"
            [[ $dest == /* ]] || dest=$workdir/$dest
            mkdir -p "$stage${dest%/*}"
            if [[ $src == . ]]; then cp -a "$ctx/." "$stage$dest/"; else cp -a "$ctx/$src" "$stage$dest"; fi ;;
        RUN\ *)
            echo "# RUN ${line#RUN }"
            (cd "$stage$workdir" && env -u MAKEFLAGS sh -c "${line#RUN }") ||
                { echo "RUN failed: $line"; false; } ;;
        *) echo "not handled in the build stage: $line"; false ;;
        esac
    done < <(dockerfile_stage build)
    [[ -x $stage/src/build/tcpcheck-static ]]

    # The tcpcheck stage: FROM scratch, the binary copied in, nothing else.
    local root=$BATS_TEST_TMPDIR/scratch
    mkdir -p "$root"
    [[ $(dockerfile_stage tcpcheck) == $'FROM scratch AS tcpcheck\nCOPY --from=build /src/build/tcpcheck-static /tcpcheck\nENTRYPOINT ["/tcpcheck"]' ]]
    cp "$stage/src/build/tcpcheck-static" "$root/tcpcheck"
    run chroot "$root" /tcpcheck --version
    check_status 0
    [[ $output == "tcpcheck $TC_RELEASE" ]] || { show_run; false; }
    start_server hold
    run --separate-stderr chroot "$root" /tcpcheck -v -w 2 127.0.0.1 "$PORT"
    check_status 0
    # No /etc/services in scratch: the service is '*'.
    [[ $stderr == "Connection to 127.0.0.1 $PORT port [tcp/*] succeeded!" ]] || { show_run; false; }
    local free
    free=$(free_port)
    run --separate-stderr chroot "$root" /tcpcheck -w 2 127.0.0.1 "$free"
    check_status 1
}

@test "Dockerfile: the exec-form HEALTHCHECK: 0 healthy, 1 refused, 1 timed out (-H)" {
    local line json
    line=$(dockerfile_stage app | grep '^HEALTHCHECK ')
    [[ $line =~ CMD\ (\[.*\])$ ]] || { echo "no exec-form CMD in: $line"; false; }
    json=${BASH_REMATCH[1]}
    [[ $json == '["/tcpcheck","-H","-w","2","127.0.0.1","8080"]' ]] || { echo "$json"; false; }

    expect_healthy_unhealthy "$json"
    [[ $stderr == *"Connection refused"* ]] || { show_run; false; }

    start_server backlog
    json_command "$json" "8080=$PORT" "2=0.3"
    run --separate-stderr "${CMD[@]}"
    check_status 1
    [[ $stderr == *"timed out after 0.3 s"* ]] || { show_run; false; }
}

@test "Dockerfile: the exec-form ENTRYPOINT waits, then runs CMD" {
    local json cmd
    json=$(dockerfile_stage app | sed -n 's/^ENTRYPOINT \(\[.*\]\)$/\1/p')
    cmd=$(dockerfile_stage app | sed -n 's/^CMD \(\[.*\]\)$/\1/p')
    [[ -n $json && -n $cmd ]]
    start_server hold
    json_command "$json" "db:5432=127.0.0.1:$PORT" "/whoami=echo"
    local args
    mapfile -t args < <(jq -r '.[]' <<<"$cmd")
    run --separate-stderr "${CMD[@]}" "${args[@]}"
    check_status 0
    [[ $output == "--port 8080" ]] || { show_run; false; }
}

@test "YAML: every file parses (python3-yaml)" {
    need_cmd python3
    python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (make deps)"
    local f n=0
    while IFS= read -r f; do
        python3 -c 'import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))' "$f" ||
            { echo "$f does not parse"; false; }
        n=$((n + 1))
    done < <(cd "$ROOT" && git ls-files '*.yaml' '*.yml' 2>/dev/null || find . -name '*.y*ml' -not -path './build/*')
    ((n >= 2)) || { echo "only $n YAML files found"; false; }
}

@test "compose.yaml: a password for postgres, its health from pg_isready, the app started once it is healthy" {
    python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (make deps)"
    local f=$EX/compose.yaml
    # postgres:16 exits at once without POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD).
    [[ $(yaml_json "$f" 'y["services"]["db"]["image"]') == '"postgres:16"' ]]
    [[ $(yaml_json "$f" '"POSTGRES_PASSWORD" in y["services"]["db"]["environment"]') == true ]]
    [[ $(yaml_json "$f" 'y["services"]["db"]["healthcheck"]["test"][:2]') == '["CMD", "pg_isready"]' ]]
    # Every service_healthy dependency has a healthcheck to wait for.
    run yaml_json "$f" '[(s, d) for s, v in y["services"].items() for d, c in v.get("depends_on", {}).items()
        if c.get("condition") == "service_healthy" and "healthcheck" not in y["services"][d]]'
    [[ $output == '[]' ]] || { show_run; false; }
    [[ $(yaml_json "$f" 'y["services"]["app"]["depends_on"]["db"]["condition"]') == '"service_healthy"' ]]
    # The app is built from examples/Dockerfile's app stage.
    [[ $(yaml_json "$f" 'y["services"]["app"]["build"]') == '{"context": "..", "dockerfile": "examples/Dockerfile", "target": "app"}' ]]
    grep -q '^FROM .* AS app$' "$EX/Dockerfile"
}

@test "compose.yaml: the app's healthcheck test: 0 healthy, 1 unhealthy" {
    python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (make deps)"
    local json
    json=$(yaml_json "$EX/compose.yaml" 'y["services"]["app"]["healthcheck"]["test"]')
    [[ $(jq -r '.[0]' <<<"$json") == CMD ]]
    json=$(jq -c '.[1:]' <<<"$json")
    expect_healthy_unhealthy "$json"
}

@test "k8s-probe.yaml: a Pod whose probe is tcpcheck; it does not say kubelet resets" {
    python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (make deps)"
    [[ $(yaml_json "$EX/k8s-probe.yaml" 'y["kind"]') == '"Pod"' ]]
    [[ $(yaml_json "$EX/k8s-probe.yaml" 'y["spec"]["containers"][0]["readinessProbe"]["exec"]["command"][0]') == '"/tcpcheck"' ]]
    # kubelet closes its probes normally (a 1 s linger), and so does tcpcheck by default.
    ! grep -qiE 'like kubelet.*reset|closes with a reset' "$EX/k8s-probe.yaml"
    grep -q 'PR #115143' "$EX/k8s-probe.yaml"
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
