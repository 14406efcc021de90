#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# The progress line on a terminal (tcpcheck(1), OUTPUT, "The progress line"): drawn while a run
# lasts, erased before every other line and before the run ends, never sent to a pipe or a file.
#
# tests/tools/ptyrun.py runs tcpcheck on a pseudo-terminal and plays what it wrote on a small
# screen model: `draws` are the lines drawn, `screen` what is left on the screen at the end.
# The program runs there directly; the builtin in an interactive bash (`bash -i -c`, or a real
# session typed at its prompt).  Every connection goes to loopback or into a network namespace.

load helpers

PTYRUN=$ROOT/tests/tools/ptyrun.py

setup() {
    need_cmd python3
    need_cmd jq
    python3 -c 'import pty' 2>/dev/null || skip "python3 has no pty module"
    REFUSED=$(free_port)
}

# `pty_tc [PTYRUN-OPTION...] -- ARGS...`: tcpcheck ARGS on a terminal, in the form TC_FORM names
# (the builtin in an interactive bash).  Sets PTY (ptyrun's JSON), status, SCREEN (the rows
# left, bash's "bash: " prefix of the builtin's messages taken off), DRAWS (the texts drawn), RAW.
pty_tc() {
    local opts=()
    while [[ $1 != -- ]]; do
        opts+=("$1")
        shift
    done
    shift
    if [[ $TC_FORM == builtin ]]; then
        pty_run "${opts[@]}" -- env "${TC_BUILTIN_ENV[@]}" bash --norc --noprofile -i -c \
            'enable -f "$1" tcpcheck || exit 99; shift; tcpcheck "$@"' bash "$TC_SO" "$@"
    else
        pty_run "${opts[@]}" -- "$TC" "$@"
    fi
}

# `pty_run [PTYRUN-OPTION...] -- COMMAND...`: as pty_tc, for any command.
pty_run() {
    PTY=$(python3 "$PTYRUN" "$@") || {
        echo "ptyrun failed: $PTY"
        return 1
    }
    status=$(jq -r .status <<<"$PTY")
    mapfile -t SCREEN < <(jq -r '.screen[] | sub("^bash: (line [0-9]+: )?(?=tcpcheck: )"; "")' <<<"$PTY")
    mapfile -t DRAWS < <(jq -r '.draws[].text' <<<"$PTY")
    RAW=$(jq -r '.raw + "."' <<<"$PTY") # the sentinel keeps a trailing newline
    RAW=${RAW%.}
}

show_pty() {
    echo "status: $status"
    jq . <<<"$PTY"
}

# The screen holds exactly these rows.
screen_is() {
    local want=("$@") k
    if ((${#SCREEN[@]} != ${#want[@]})); then
        echo "expected ${#want[@]} row(s) on the screen, got ${#SCREEN[@]}"
        printf 'want: %s\n' "${want[@]}"
        show_pty
        return 1
    fi
    for k in "${!want[@]}"; do
        # shellcheck disable=SC2053
        if [[ ${SCREEN[k]} != ${want[k]} ]]; then
            echo "row $((k + 1)): want '${want[k]}', got '${SCREEN[k]}'"
            show_pty
            return 1
        fi
    done
}

# Nothing was drawn: no escape sequence, no carriage return but the terminal's own "\r\n".
nothing_drawn() {
    local cr=${RAW//$'\r\n'/}
    if [[ $RAW == *$'\e'* || $cr == *$'\r'* || ${#DRAWS[@]} -ne 0 ]]; then
        echo "something was drawn"
        show_pty
        return 1
    fi
}

# Every draw matches the regex $1.
draws_match() {
    local d
    if ((${#DRAWS[@]} == 0)); then
        echo "nothing was drawn"
        show_pty
        return 1
    fi
    for d in "${DRAWS[@]}"; do
        [[ $d =~ $1 ]] || {
            echo "a draw does not match /$1/: $d"
            show_pty
            return 1
        }
    done
}

# A file or a pipe got none of the line: no carriage return, no escape.
clean_file() {
    if grep -q $'[\r\e]' "$1"; then
        echo "$1 received a carriage return or an escape:"
        od -c "$1" | head -20
        return 1
    fi
}

refused_line() {
    echo "tcpcheck: connect to 127.0.0.1 port $1 (tcp) failed: Connection refused"
}

# ---- drawn while the run lasts, then erased -------------------------------------------------

@test "a 1.5 s wait on a terminal: the line is drawn, then erased; only the result stays" {
    pty_tc -- -W 1.5 127.0.0.1 "$REFUSED"
    check_status 1
    draws_match "^tcpcheck: waiting for 127\.0\.0\.1 port $REFUSED: 0/1 done, [01]\.[0-9] s of 1\.5 s$"
    ((${#DRAWS[@]} >= 2)) || { show_pty; return 1; }
    screen_is "$(refused_line "$REFUSED")"
    [[ $(jq '.erases' <<<"$PTY") -ge 1 && $(jq '.unknown | length' <<<"$PTY") == 0 ]] || {
        show_pty
        return 1
    }
    # Not before the run has lasted half a second; at most five draws a second.
    local first elapsed
    first=$(jq '.draws[0].ms' <<<"$PTY")
    elapsed=$(jq '.elapsed_ms' <<<"$PTY")
    ((first >= 500)) || { echo "first draw after $first ms"; return 1; }
    ((${#DRAWS[@]} <= elapsed / 200 + 1)) || { echo "${#DRAWS[@]} draws in $elapsed ms"; return 1; }
}

@test "the line names the first target not done and counts those done" {
    start_server backlog
    local second
    second=$(free_port)
    pty_tc -- -w 1.2 127.0.0.1 "$REFUSED" "$PORT" "$second"
    check_status 1
    # Both refused ports are done at once; the full backlog is what the run waits for.
    draws_match "^tcpcheck: waiting for 127\.0\.0\.1 port $PORT: 2/3 done, [01]\.[0-9] s$"
    screen_is "$(refused_line "$REFUSED")" \
        "tcpcheck: connect to 127.0.0.1 port $PORT (tcp) timed out after 1.2 s" \
        "$(refused_line "$second")"
}

@test "a line printed during the run erases the progress line first; it is drawn again after" {
    start_server backlog
    # -v in wait mode: the first attempt's timeout is a line of its own at 1 s, mid-run.
    pty_tc -- -v -W 2 -w 1 127.0.0.1 "$PORT"
    check_status 3
    screen_is "tcpcheck: connect to 127.0.0.1 port $PORT (tcp) timed out after 1 s"
    [[ $RAW == *"of 2 s"$'\e[K\r\e[K'@(bash: |)"tcpcheck: connect to"* ]] || { show_pty; return 1; }
    [[ ${RAW#*timed out after 1 s} == *"waiting for 127.0.0.1 port $PORT: 0/1 done"* ]] || {
        show_pty
        return 1
    }
}

@test "-v's success line in wait mode erases it too, and the line moves on to the next target" {
    # The port opens 2 s from now: well after the first draw, whatever python's start costs.
    start_server late 2000
    local port=$PORT
    pty_tc -- -v -W 3.5 127.0.0.1 "$port" "$REFUSED"
    check_status 1
    # The two first attempts end in the same turn of the loop: their lines in either order.
    local either="tcpcheck: connect to 127.0.0.1 port @($port|$REFUSED) (tcp) failed: Connection refused"
    screen_is "$either" "$either" \
        "Connection to 127.0.0.1 $port port \[tcp/*\] succeeded after [0-9].[0-9] s"
    [[ $RAW == *$'\e[K\r\e[K'"Connection to 127.0.0.1 $port"* ]] || { show_pty; return 1; }
    [[ ${RAW#*succeeded after} == *"waiting for 127.0.0.1 port $REFUSED: 1/2 done"* ]] || {
        show_pty
        return 1
    }
}

@test "Ctrl-C while the line is shown: erased, status 130, nothing left on the screen" {
    [[ $TC_FORM == program ]] || skip "the builtin's interactive Ctrl-C: the session test below"
    pty_tc --ctrl-c-after 1000 -- -W 5 127.0.0.1 "$REFUSED"
    check_status 130
    ((${#DRAWS[@]} >= 1)) || { show_pty; return 1; }
    screen_is
}

# ---- when nothing is drawn ------------------------------------------------------------------

@test "a fast probe draws nothing" {
    pty_tc -- 127.0.0.1 "$REFUSED"
    check_status 1
    nothing_drawn
    screen_is "$(refused_line "$REFUSED")"
    # Nor one of 0.3 s: the line waits for the run to last half a second.
    start_server backlog
    pty_tc -- -w 0.3 127.0.0.1 "$PORT"
    check_status 3
    nothing_drawn
    screen_is "tcpcheck: connect to 127.0.0.1 port $PORT (tcp) timed out after 0.3 s"
    start_server hold
    pty_tc -- -v 127.0.0.1 "$PORT"
    check_status 0
    nothing_drawn
    screen_is "Connection to 127.0.0.1 $PORT port * succeeded!"
}

@test "-q: a 1.5 s wait on a terminal draws nothing" {
    pty_tc -- -q -W 1.5 127.0.0.1 "$REFUSED"
    check_status 1
    nothing_drawn
    screen_is
}

@test "-j: a 1.5 s wait on a terminal draws nothing; the object is alone on the screen" {
    pty_tc -- -j -W 1.5 127.0.0.1 "$REFUSED"
    check_status 1
    nothing_drawn
    screen_is "{\"host\":\"127.0.0.1\",\"port\":$REFUSED,\"state\":\"refused\"*}"
}

@test "ping mode draws nothing (its own lines are the progress)" {
    pty_tc -- -k 3 -i 0.5 127.0.0.1 "$REFUSED"
    nothing_drawn
}

@test "TERM=dumb or no TERM: nothing drawn (a terminal that cannot erase a line)" {
    pty_tc --term dumb -- -W 1.5 127.0.0.1 "$REFUSED"
    check_status 1
    nothing_drawn
    screen_is "$(refused_line "$REFUSED")"
    pty_tc --no-term -- -W 1.5 127.0.0.1 "$REFUSED"
    check_status 1
    nothing_drawn
}

# ---- never into a pipe or a file ------------------------------------------------------------

@test "stderr to a file or a pipe: none of it reaches them (bats' own capture)" {
    run_tc -W 1.5 127.0.0.1 "$REFUSED"
    check_status 1
    expect_err "connect to 127.0.0.1 port $REFUSED (tcp) failed: Connection refused"
    [[ $stderr != *[$'\r\e']* ]] || { show_run; return 1; }
}

@test "on a terminal, stderr to a file or a pipe: none of it reaches them, nor the terminal" {
    local f=$BATS_TEST_TMPDIR/err.file p=$BATS_TEST_TMPDIR/err.pipe
    # The pipe's reader writes to the file only when tcpcheck is done with it.
    if [[ $TC_FORM == builtin ]]; then
        pty_run -- env "${TC_BUILTIN_ENV[@]}" bash --norc --noprofile -i -c '
            enable -f "$1" tcpcheck || exit 99
            tcpcheck -W 1.5 127.0.0.1 "$2" 2>"$3"
            { tcpcheck -W 1.5 127.0.0.1 "$2"; } 2>&1 | cat >"$4"' bash "$TC_SO" "$REFUSED" "$f" "$p"
    else
        pty_run -- bash -c '
            "$1" -W 1.5 127.0.0.1 "$2" 2>"$3"
            "$1" -W 1.5 127.0.0.1 "$2" 2>&1 | cat >"$4"' bash "$TC" "$REFUSED" "$f" "$p"
    fi
    nothing_drawn
    screen_is
    clean_file "$f"
    clean_file "$p"
    [[ $(<"$f") == *"tcpcheck: connect to 127.0.0.1 port $REFUSED (tcp) failed: Connection refused" ]]
    [[ $(<"$p") == *"tcpcheck: connect to 127.0.0.1 port $REFUSED (tcp) failed: Connection refused" ]]
}

# ---- the terminal's width -------------------------------------------------------------------

@test "a narrow terminal: the line stays shorter than its width" {
    pty_tc --cols 40 -- -W 1.5 127.0.0.1 "$REFUSED"
    check_status 1
    # No room for the target in 39 columns: the counts alone.
    draws_match '^tcpcheck: 0/1 done, [01]\.[0-9] s of 1\.5 s$'
    [[ $(jq '[.draws[].col] | max' <<<"$PTY") -le 39 ]] || { show_pty; return 1; }
    screen_is "$(refused_line "$REFUSED")"
}

@test "a terminal that does not say its width: 80 columns; a long name is shortened" {
    need_netns
    local name=a-long-name-for-the-database-server.eu-central.internal.example.com
    run --separate-stderr in_netns "netns_dns '127.0.0.1 $name' files '' || exit 98
        $(declare -f pty_tc pty_run)
        PTYRUN=$PTYRUN TC_SO=$TC_SO
        pty_tc --cols 0 --rows 0 -- -W 1.5 $name $REFUSED && echo \"\$PTY\""
    check_status 0
    PTY=$output
    mapfile -t DRAWS < <(jq -r '.draws[].text' <<<"$PTY")
    status=$(jq .status <<<"$PTY")
    check_status 1
    # The name loses its middle; the port and the counts stay; every draw is 79 columns.
    draws_match "^tcpcheck: waiting for a-long-[-a-z.]*\.\.\.[-a-z.]*com port $REFUSED: 0/1 done, [01]\.[0-9] s of 1\.5 s$"
    [[ $(jq -c '[.draws[].col] | unique' <<<"$PTY") == "[79]" ]] || { show_pty; return 1; }
}

# ---- the builtin: only in an interactive shell ----------------------------------------------

@test "builtin: in a script (not interactive), nothing is drawn even on a terminal" {
    [[ $TC_FORM == builtin ]] || skip "the builtin's own rule"
    pty_run -- env "${TC_BUILTIN_ENV[@]}" bash --norc --noprofile -c \
        'enable -f "$1" tcpcheck || exit 99; tcpcheck -W 1.5 127.0.0.1 "$2"' bash "$TC_SO" "$REFUSED"
    check_status 1
    nothing_drawn
    screen_is "tcpcheck: connect to 127.0.0.1 port $REFUSED (tcp) failed: Connection refused"
}

@test "builtin: an interactive session, prompts and all; Ctrl-C erases the line too" {
    [[ $TC_FORM == builtin ]] || skip "the builtin at bash's prompt"
    pty_run --type "enable -f $TC_SO tcpcheck" \
        --type "tcpcheck -W 1.5 127.0.0.1 $REFUSED; echo rc=\$?" \
        --type "tcpcheck -W 5 127.0.0.1 $REFUSED; echo not-reached" --ctrl-c-after 3000 \
        --type "echo rc=\$?" \
        -- env "${TC_BUILTIN_ENV[@]}" bash --norc --noprofile -i
    check_status 0
    # The empty row is bash's: it starts a new line after an interrupted command, as after
    # `sleep 5` and Ctrl-C; the line and the terminal's "^C" echo were erased before it.
    draws_match "^tcpcheck: waiting for 127\.0\.0\.1 port $REFUSED: 0/1 done, [0-9.]+ s of (1\.5|5) s$"
    ((${#DRAWS[@]} >= 4)) || { show_pty; return 1; }
    screen_is "@@P> enable -f $TC_SO tcpcheck" \
        "@@P> tcpcheck -W 1.5 127.0.0.1 $REFUSED; echo rc=\$?" \
        "$(refused_line "$REFUSED")" \
        "rc=1" \
        "@@P> tcpcheck -W 5 127.0.0.1 $REFUSED; echo not-reached" \
        "" \
        "@@P> echo rc=\$?" \
        "rc=130" \
        "@@P> exit" \
        "exit"
}
