#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# Ping mode, -k COUNT (tcpcheck(1), PING MODE): a line per probe on stdout as it completes, a
# summary per target in ping's shape, -j objects, statuses as ping's, and Ctrl-C ending the run
# as it ends ping, in the program and in the builtin (a script goes on, an interactive shell
# returns to its prompt).

load helpers

OPEN_RE='^Connected to 127\.0\.0\.1 port [0-9]+: seq=[0-9]+ time=[0-9]+\.[0-9]{3} ms$'

# Lines of stdout that match the extended regex.
count_lines() {
    grep -cE "$1" <<<"$output" || true
}

@test "-k 3: three probe lines with seq 1-3, then ping's summary" {
    start_server hold
    run_tc -k 3 -i 0.05 127.0.0.1 "$PORT"
    check_status 0
    [[ -z $stderr ]] || { show_run; false; }
    ((${#lines[@]} == 6)) || { show_run; false; }
    for i in 0 1 2; do
        [[ ${lines[i]} =~ $OPEN_RE && ${lines[i]} == *": seq=$((i + 1)) time="* ]] || { show_run; false; }
    done
    [[ ${lines[3]} == "--- 127.0.0.1 port $PORT ---" ]] || { show_run; false; }
    [[ ${lines[4]} =~ ^3\ probes,\ 3\ open,\ 0%\ failed,\ time\ [0-9]+\.[0-9]\ s$ ]] || { show_run; false; }
    [[ ${lines[5]} =~ ^rtt\ min/avg/max/mdev\ =\ [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+\ ms$ ]] || { show_run; false; }
    # An empty line sets the summaries apart, as in ping's output (bats drops it from lines).
    [[ $output == *$'ms\n\n--- 127.0.0.1'* ]] || { show_run; false; }
    expect_conns 3
}

@test "-k: the summary's figures are the probes' own (min, avg, max, mdev as ping's)" {
    start_server hold
    run_tc -j -k 12 -i 0.02 127.0.0.1 "$PORT"
    check_status 0
    # The probes' rtts in microseconds, then what ping would make of them: the mean truncated,
    # mdev the integer square root of the population variance.
    want=$(jq -r 'select(.seq) | .rtt_ms * 1000 | round' <<<"$output" | awk '
        { x[NR] = $1; s += $1; if (NR == 1 || $1 < mn) mn = $1; if ($1 > mx) mx = $1 }
        END { avg = int(s / NR); for (i = 1; i <= NR; i++) v += (x[i] - s / NR) ^ 2
              printf "%d %d %d %d\n", mn, avg, mx, int(sqrt(v / NR)) }')
    got=$(jq -r 'select(.summary) | [.rtt_min_ms, .rtt_avg_ms, .rtt_max_ms, .rtt_mdev_ms] | map(. * 1000 | round) | join(" ")' <<<"$output")
    read -r w_min w_avg w_max w_mdev <<<"$want"
    read -r g_min g_avg g_max g_mdev <<<"$got"
    # mdev: the test's floating point and the engine's running mean may differ by 1 µs.
    if ((g_min != w_min || g_avg != w_avg || g_max != w_max || g_mdev - w_mdev > 1 || w_mdev - g_mdev > 1)); then
        echo "want (from the probes): $want; got (summary): $got"
        show_run
        false
    fi
}

@test "-k: a connect time is the probe's own, not the pause before it" {
    start_server hold
    run_tc -j -k 4 -i 0.2 127.0.0.1 "$PORT"
    check_status 0
    # Loopback answers in well under a millisecond; 20 ms leaves room for a loaded machine.
    bad=$(jq -r 'select(.seq) | select(.rtt_ms == null or .rtt_ms <= 0 or .rtt_ms > 20) | .seq' <<<"$output")
    [[ -z $bad ]] || { echo "probes with a wrong time: $bad"; show_run; false; }
}

@test "-k: probes start -i apart, from the start of the previous one" {
    start_server hold
    elapsed_ms tc -q -k 4 -i 0.25 127.0.0.1 "$PORT"
    check_status 0
    expect_between 700 1500
}

@test "-k: a probe that outlasts -i delays the next one, never overlaps it" {
    start_server backlog
    elapsed_ms tc -j -k 3 -i 0.1 -w 0.3 127.0.0.1 "$PORT"
    check_status 3
    expect_between 850 2000
    # Each probe starts when the one before has ended: elapsed_ms grows by -w each time.
    run jq -r 'select(.seq) | "\(.seq) \(.state) \(.elapsed_ms)"' <<<"$output"
    read -r _ _ e1 <<<"${lines[0]}"
    read -r _ _ e2 <<<"${lines[1]}"
    read -r _ _ e3 <<<"${lines[2]}"
    [[ ${lines[0]} == "1 timeout "* && ${lines[2]} == "3 timeout "* ]] || { printf '%s\n' "${lines[@]}"; false; }
    awk -v a="$e1" -v b="$e2" -v c="$e3" 'BEGIN { exit !(b - a >= 290 && c - b >= 290) }' || { printf '%s\n' "${lines[@]}"; false; }
}

@test "-k -i 0: probes back to back, each with its own times" {
    start_server hold
    run_tc -j -k 300 -i 0 127.0.0.1 "$PORT"
    check_status 0
    run jq -r 'select(.seq == 1 or .seq == 300 or .summary) | .elapsed_ms' <<<"$output"
    ((${#lines[@]} == 3)) || { echo "$output"; false; }
    # 300 connects take some time; a clock read once per pass of the loop would say 0.
    awk -v a="${lines[0]}" -v b="${lines[1]}" -v s="${lines[2]}" 'BEGIN { exit !(b > a && s >= b && s > 0) }' || { echo "$output"; false; }
}

@test "-k -q: the summaries only, the first without an empty line before it" {
    start_server hold
    p=$(free_port)
    run_tc -q -k 1 127.0.0.1 "$PORT" 127.0.0.1 "$p"
    check_status 1
    [[ $output == "--- 127.0.0.1 port $PORT ---"$'\n'*$'\n\n'"--- 127.0.0.1 port $p ---"$'\n'"1 probes, 0 open, 100% failed, time 0.0 s" ]] || { show_run; false; }
}

@test "-k: refused and timed-out probes have their own words, and count as failed" {
    start_server backlog
    p=$(free_port)
    run_tc -k 2 -i 0.05 -w 0.2 127.0.0.1 "$p" 127.0.0.1 "$PORT"
    check_status 1
    [[ $(count_lines "^127\.0\.0\.1 port $p: seq=[12] refused \(Connection refused\)$") == 2 ]] || { show_run; false; }
    [[ $(count_lines "^127\.0\.0\.1 port $PORT: seq=[12] timeout \(timed out after 0\.2 s\)$") == 2 ]] || { show_run; false; }
    [[ $(count_lines '^2 probes, 0 open, 100% failed, time [0-9.]+ s$') == 2 ]] || { show_run; false; }
    [[ $(count_lines '^rtt ') == 0 ]] || { show_run; false; }
    # The summaries in argument order.
    [[ $(grep -- '^---' <<<"$output") == "--- 127.0.0.1 port $p ---"$'\n'"--- 127.0.0.1 port $PORT ---" ]] || { show_run; false; }
}

@test "-k: times as written in a probe's line (-w 200ms)" {
    start_server backlog
    run_tc -k 1 -w 200ms 127.0.0.1 "$PORT"
    check_status 3
    [[ ${lines[0]} == "127.0.0.1 port $PORT: seq=1 timeout (timed out after 200ms)" ]] || { show_run; false; }
}

@test "-k: a port that opens during the run: both kinds of probe, status 0" {
    start_server -L 500 hold
    run_tc -j -k 6 -i 0.2 127.0.0.1 "$PORT"
    check_status 0
    run jq -r 'select(.summary) | "\(.probes) \(.open) \(.state)"' <<<"$output"
    read -r probes open state <<<"$output"
    ((probes == 6 && open > 0 && open < 6)) && [[ $state == open ]] || { echo "$output"; false; }
}

@test "-k -v: the address on every line, a name's too" {
    need_netns
    run --separate-stderr in_netns 'netns_dns "127.0.0.1 db" files "" || exit 98
        ns_server -p 23457 hold || exit 98
        tc -v -k 1 db 23457 db 23458'
    check_status 1
    [[ ${lines[0]} =~ ^Connected\ to\ db\ \(127\.0\.0\.1\)\ port\ 23457:\ seq=1\ time= ||
        ${lines[1]} =~ ^Connected\ to\ db\ \(127\.0\.0\.1\)\ port\ 23457:\ seq=1\ time= ]] || { show_run; false; }
    [[ $output == *$'\n'"db (127.0.0.1) port 23458: seq=1 refused (Connection refused)"$'\n'* ||
        $output == "db (127.0.0.1) port 23458: seq=1 refused (Connection refused)"$'\n'* ]] || { show_run; false; }
}

@test "-k -q: only the summaries" {
    start_server hold
    p=$(free_port)
    run_tc -q -k 2 -i 0.05 127.0.0.1 "$PORT" 127.0.0.1 "$p"
    check_status 1
    [[ -z $stderr ]] || { show_run; false; }
    [[ $(count_lines 'seq=') == 0 && $(count_lines '^---') == 2 ]] || { show_run; false; }
}

@test "-k -j: an object per probe (the seven keys and seq), then one per target" {
    start_server hold
    p=$(free_port)
    run_tc -j -k 2 -i 0.05 127.0.0.1 "$PORT" 127.0.0.1 "$p"
    check_status 1
    [[ -z $stderr ]] || { show_run; false; }
    n=$(jq -s length <<<"$output") || { show_run; false; }
    ((n == 6)) || { show_run; false; }
    run jq -r 'keys_unsorted | join(",")' <<<"$output"
    base=host,port,state,address,rtt_ms,attempts,elapsed_ms
    ((${#lines[@]} == 6)) || { printf '%s\n' "${lines[@]}"; false; }
    for i in 0 1 2 3; do
        [[ ${lines[i]} == "$base,seq" || ${lines[i]} == "$base,error,seq" ]] || { printf '%s\n' "${lines[@]}"; false; }
    done
    sum=host,port,state,probes,open,rtt_min_ms,rtt_avg_ms,rtt_max_ms,rtt_mdev_ms,elapsed_ms,summary
    [[ ${lines[4]} == "$sum" && ${lines[5]} == "$sum" ]] || { printf '%s\n' "${lines[@]}"; false; }
}

@test "-k -j: the summaries, in argument order, null rtts when nothing connected" {
    start_server hold
    p=$(free_port)
    run_tc -j -q -k 2 -i 0.05 127.0.0.1 "$PORT" 127.0.0.1 "$p"
    check_status 1
    run jq -c '[.port, .state, .probes, .open, .rtt_min_ms == null, .rtt_mdev_ms == null, .summary]' <<<"$output"
    [[ ${lines[0]} == "[$PORT,\"open\",2,2,false,false,true]" ]] || { printf '%s\n' "${lines[@]}"; false; }
    [[ ${lines[1]} == "[$p,\"refused\",2,0,true,true,true]" ]] || { printf '%s\n' "${lines[@]}"; false; }
}

@test "-k: status as ping's: any open probe passes; else the last probe's status" {
    start_server hold
    p=$(free_port)
    run_tc -q -k 2 -i 0.05 127.0.0.1 "$PORT"
    check_status 0
    run_tc -q -k 2 -i 0.05 127.0.0.1 "$p"
    check_status 1
    run_tc -q -k 2 -i 0.05 -a 127.0.0.1 "$p" 127.0.0.1 "$PORT"
    check_status 0
    run_tc -q -k 2 -i 0.05 -m 2 127.0.0.1 "$p" 127.0.0.1 "$PORT"
    check_status 1
    run_tc -q -H -k 1 127.0.0.1 "$p"
    check_status 1
}

@test "-k -V: open for a target with an open probe, else the last probe's state" {
    [[ $TC_FORM == builtin ]] || skip "-V is the builtin's"
    start_server hold
    p=$(free_port)
    run --separate-stderr builtin_bash -c 'enable -f "$1" tcpcheck || exit 99
        tcpcheck -q -k 2 -i 0.05 -V R 127.0.0.1 "$2" 127.0.0.1 "$3"; echo "rc=$?"
        echo "${#R[@]} ${R[127.0.0.1:$2]} ${R[127.0.0.1:$3]}"' bash "$TC_SO" "$PORT" "$p"
    [[ ${lines[-2]} == rc=1 && ${lines[-1]} == "2 open refused" ]] || { show_run; false; }
}

@test "-k with -E: a mismatch probe gives its time and says why" {
    start_server send 48454c4c4f0d0a
    run_tc -k 1 -w 1 -E 'SSH-*' 127.0.0.1 "$PORT"
    check_status 6
    [[ ${lines[0]} =~ ^127\.0\.0\.1\ port\ $PORT:\ seq=1\ mismatch\ time=[0-9.]+\ ms\ \(reply\ did\ not\ match\ \'SSH-\*\':\ no\ matching\ reply\ before\ the\ deadline:\ \"HELLO\\r\\n\"\)$ ]] || { show_run; false; }
}

# ---- Ctrl-C ---------------------------------------------------------------------------------

# `ping_bg ARGS...`: like tc_bg, but a bash script that goes on after the run and says so.
ping_bg() {
    local out=$BATS_TEST_TMPDIR/bg
    if [[ $TC_FORM == builtin ]]; then
        env --default-signal=INT,TERM "${TC_BUILTIN_ENV[@]}" bash -c 'enable -f "$1" tcpcheck || exit 99; shift
            tcpcheck "$@"; echo "after rc=$?"' bash "$TC_SO" "$@" >"$out.out" 2>"$out.err" 3>&- &
    else
        env --default-signal=INT,TERM bash -c '"$@"; echo "after rc=$?"' bash "$TC" "$@" \
            >"$out.out" 2>"$out.err" 3>&- &
    fi
    BG_PID=$!
}

# The process that runs tcpcheck: the builtin's bash itself, or the program under its bash.
prober_pid() {
    if [[ $TC_FORM == builtin ]]; then
        echo "$BG_PID"
    else
        local _try
        for ((_try = 0; _try < 200; _try++)); do
            pgrep -P "$BG_PID" -x tcpcheck && return 0
            sleep 0.01
        done
        return 1
    fi
}

@test "-k 0: Ctrl-C (SIGINT) ends the run as it ends ping: summaries, status, the script goes on" {
    start_server hold
    p=$(free_port)
    ping_bg -k 0 -i 0.1 127.0.0.1 "$PORT" 127.0.0.1 "$p"
    pid=$(prober_pid)
    sleep 0.5
    kill -INT "$pid"
    wait "$BG_PID" || { echo "the script did not go on: status $?"; cat "$BATS_TEST_TMPDIR"/bg.*; false; }
    output=$(cat "$BATS_TEST_TMPDIR/bg.out")
    stderr=$(cat "$BATS_TEST_TMPDIR/bg.err")
    [[ -z $stderr ]] || { show_run; false; }
    [[ $output == *"--- 127.0.0.1 port $PORT ---"*"--- 127.0.0.1 port $p ---"* ]] || { show_run; false; }
    [[ $output =~ ([0-9]+)\ probes,\ ([0-9]+)\ open,\ 0%\ failed ]] && ((BASH_REMATCH[1] >= 2)) || { show_run; false; }
    # Open and refused: the status is the refused target's, as without Ctrl-C.
    [[ ${output##*$'\n'} == "after rc=1" ]] || { show_run; false; }
}

@test "-k 0: a trapped SIGINT is the run's alone, as a command's that caught it (no trap runs)" {
    [[ $TC_FORM == builtin ]] || skip "the trap is in the builtin's own shell"
    start_server hold
    out=$BATS_TEST_TMPDIR/bg
    env --default-signal=INT "${TC_BUILTIN_ENV[@]}" bash -c 'enable -f "$1" tcpcheck || exit 99
        trap "echo trapped" INT
        tcpcheck -q -k 0 -i 0.1 127.0.0.1 "$2"; echo "after rc=$?"' bash "$TC_SO" "$PORT" >"$out.out" 2>&1 3>&- &
    BG_PID=$!
    sleep 0.4
    kill -INT "$BG_PID"
    wait "$BG_PID"
    run cat "$out.out"
    [[ $output == *"probes, "*"after rc=0" && $output != *trapped* ]] || { echo "$output"; false; }
}

@test "-k: an ignored SIGINT stays ignored (trap '' INT, nohup): the run goes on to its end" {
    start_server hold
    out=$BATS_TEST_TMPDIR/bg
    if [[ $TC_FORM == builtin ]]; then
        env "${TC_BUILTIN_ENV[@]}" bash -c 'enable -f "$1" tcpcheck || exit 99
            trap "" INT
            tcpcheck -q -k 4 -i 0.2 127.0.0.1 "$2"; echo "after rc=$?"' bash "$TC_SO" "$PORT" >"$out.out" 2>&1 3>&- &
    else
        env --ignore-signal=INT bash -c '"$@"; echo "after rc=$?"' bash "$TC" -q -k 4 -i 0.2 127.0.0.1 "$PORT" >"$out.out" 2>&1 3>&- &
    fi
    BG_PID=$!
    sleep 0.3
    if [[ $TC_FORM == builtin ]]; then kill -INT "$BG_PID"; else kill -INT "$(pgrep -P "$BG_PID" -x tcpcheck)"; fi
    wait "$BG_PID"
    run cat "$out.out"
    [[ $output == *"4 probes, 4 open, 0% failed"*"after rc=0" ]] || { echo "$output"; false; }
}

@test "-k 0: SIGINT before any probe ended: 0 probes, status 130" {
    start_server backlog
    tc_bg -k 0 -w 5 127.0.0.1 "$PORT"
    wait_socket "$BG_PID"
    sleep 0.2
    interrupt INT
    check_status 130
    ((ELAPSED < 1000)) || { echo "took $ELAPSED ms"; false; }
    [[ $output == *"--- 127.0.0.1 port $PORT ---"$'\n'"0 probes, 0 open, time 0.0 s" ]] || { show_run; false; }
}

@test "-k 0: other signals stop as usual (SIGTERM: 143), the probes' lines written" {
    start_server hold
    tc_bg -k 0 -i 0.1 127.0.0.1 "$PORT"
    sleep 0.4
    interrupt TERM
    check_status 143
    [[ $output =~ seq=2 && $output != *"---"* ]] || { show_run; false; }
}

@test "-k 0 in an interactive bash on a terminal: Ctrl-C prints the summary, back to the prompt" {
    start_server hold
    if [[ $TC_FORM == builtin ]]; then
        cmd="enable -f '$TC_SO' tcpcheck; tcpcheck -k 0 -i 0.1 127.0.0.1 $PORT; echo \"rc=\$?\""
    else
        cmd="'$TC' -k 0 -i 0.1 127.0.0.1 $PORT; echo \"rc=\$?\""
    fi
    cat >"$BATS_TEST_TMPDIR/drive.py" <<'EOF'
import os, pty, select, signal, sys, time
env = dict(os.environ, PS1="PROMPT> ", TERM="dumb")
pid, fd = pty.fork()
if pid == 0:
    # A run started with SIGINT ignored (a background job of a script) passes that on, and an
    # ignored SIGINT stays ignored (tcpcheck(1), STATES AND EXIT STATUS): give this bash the terminal's default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"], env)
out = b""
def read_until(marker, seconds):
    """Reads until `marker` has arrived after what was read so far (or `seconds` passed):
    steps wait for what they need, not for a fixed time, so a loaded machine only makes the
    test slower."""
    global out
    start, end = len(out), time.time() + seconds
    while marker not in out[start:] and time.time() < end:
        if select.select([fd], [], [], 0.05)[0]:
            try:
                out += os.read(fd, 4096)
            except OSError:
                break
read_until(b"PROMPT> ", 10)
os.write(fd, sys.argv[1].encode() + b"\n")
read_until(b"seq=2 time=", 10)
os.write(fd, b"\x03")
read_until(b"\nrc=", 10)
read_until(b"PROMPT> ", 2)
os.write(fd, b"echo still-here\n")
read_until(b"\nstill-here", 10)
os.write(fd, b"exit\n")
read_until(b"exit\r\n", 2)
time.sleep(0.2)
try:
    os.kill(pid, signal.SIGKILL)  # never wait for ever on a bash that did not exit
except ProcessLookupError:
    pass
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
EOF
    run env "${TC_BUILTIN_ENV[@]}" python3 "$BATS_TEST_TMPDIR/drive.py" "$cmd"
    [[ $output == *"seq=2 time="* ]] || { echo "$output"; false; }
    [[ $output == *$'\n'"--- 127.0.0.1 port $PORT ---"$'\n'*" probes, "*" open, 0% failed, "* ]] || { echo "$output"; false; }
    [[ $output == *$'\n'"rc=0"$'\n'"PROMPT> echo still-here"$'\n'"still-here"* ]] || { echo "$output"; false; }
}
