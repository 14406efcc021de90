#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# unix: targets (tcpcheck(1), TARGETS, "Unix sockets"): states, lines, JSON, -V, -S/-E, -W, a full
# backlog, permissions, and PostgreSQL's own socket.  Listeners are tcserver -U (tests/tools)
# and a private PostgreSQL cluster, all in directories the test made.

load helpers

setup() {
    SOCK=$BATS_TEST_TMPDIR/app.sock
    OPEN_DIR= PG_DIR=
}

teardown() {
    stop_servers
    if [[ -n $PG_DIR ]]; then
        runuser -u postgres -- pg_ctl -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
    [[ -z $OPEN_DIR ]] || rm -rf "$OPEN_DIR"
}

# `start_unix PATH MODE...`: a tcserver listening on the Unix socket PATH.
start_unix() {
    local path=$1
    shift
    start_server -U "$path" "$@"
}

# A directory every user may enter (the test's own temp dir is private to root), with copies of
# the binaries under test that every user may run.  Sets OPEN_DIR.
make_open_dir() {
    OPEN_DIR=$(mktemp -d /tmp/tcunix.XXXXXX)
    chmod 0755 "$OPEN_DIR"
    cp "$TC" "$OPEN_DIR/tcpcheck"
    [[ $TC_FORM != builtin ]] || cp "$TC_SO" "$OPEN_DIR/tcpcheck.so"
    chmod 0755 "$OPEN_DIR/tcpcheck"
}

# `tc_as_nobody ARGS...`: tcpcheck, in the form under test, as the user nobody.
tc_as_nobody() {
    local drop=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    if [[ $TC_FORM == builtin ]]; then
        env "${TC_BUILTIN_ENV[@]}" "${drop[@]}" bash -c \
            'enable -f "$1" tcpcheck || exit 99; shift; tcpcheck "$@"' bash "$OPEN_DIR/tcpcheck.so" "$@"
    else
        "${drop[@]}" "$OPEN_DIR/tcpcheck" "$@"
    fi
}

# ---- states ----------------------------------------------------------------------------------

@test "unix: a listening socket is open: 0, silent, one connection accepted" {
    start_unix "$SOCK" hold
    run_tc "unix:$SOCK"
    check_status 0
    expect_no_output
    expect_conns 1
}

@test "unix://PATH is the same socket (dockerize's form)" {
    start_unix "$SOCK" hold
    run_tc "unix://$SOCK"
    check_status 0
    expect_no_output
    expect_conns 1
}

@test "unix: -v says nc -Uzv's words with the path, -vv adds the connect time" {
    start_unix "$SOCK" hold
    run_tc -v "unix:$SOCK"
    check_status 0
    expect_err "Connection to $SOCK succeeded!"
    run_tc -vv "unix:$SOCK"
    check_status 0
    expect_err_match "Connection to $SOCK succeeded! ([0-9]*.[0-9][0-9][0-9] ms)"
}

@test "unix: a socket file nobody accepts on (a server that died) is refused: 1" {
    start_unix "$SOCK" hold
    stop_servers
    [[ -S $SOCK ]]
    run_tc "unix:$SOCK"
    check_status 1
    expect_err "connect to $SOCK failed: Connection refused"
}

@test "unix: no such file is refused: 1" {
    run_tc "unix:$BATS_TEST_TMPDIR/none.sock"
    check_status 1
    expect_err "connect to $BATS_TEST_TMPDIR/none.sock failed: No such file or directory"
}

@test "unix: a regular file is refused: 1" {
    : >"$BATS_TEST_TMPDIR/plain"
    run_tc "unix:$BATS_TEST_TMPDIR/plain"
    check_status 1
    expect_err "connect to $BATS_TEST_TMPDIR/plain failed: Connection refused"
}

@test "unix: a path through a file (ENOTDIR) is refused: no such socket" {
    : >"$BATS_TEST_TMPDIR/plain"
    run_tc "unix:$BATS_TEST_TMPDIR/plain/app.sock"
    check_status 1
    expect_err "connect to $BATS_TEST_TMPDIR/plain/app.sock failed: Not a directory"
}

@test "unix: a datagram socket is error (7): a stream cannot connect to it" {
    need_cmd python3
    python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); print(0, flush=True)
time.sleep(30)' "$SOCK" >"$BATS_TEST_TMPDIR/dgram.out" 3>&- &
    SERVER_PIDS+=($!)
    local _try
    for ((_try = 0; _try < 500; _try++)); do
        [[ -s $BATS_TEST_TMPDIR/dgram.out ]] && break
        sleep 0.01
    done
    run_tc "unix:$SOCK"
    check_status 7
    expect_err "connect to $SOCK failed: Protocol wrong type for socket"
}

@test "unix: a relative path is relative to the current directory" {
    start_unix "$SOCK" hold
    cd "$BATS_TEST_TMPDIR"
    run_tc unix:app.sock
    check_status 0
    expect_conns 1
}

@test "unix: a socket file without write permission is error (7) for an unprivileged user" {
    [[ $EUID == 0 ]] || skip "needs root to act as another user"
    make_open_dir
    start_unix "$OPEN_DIR/app.sock" hold
    chmod 0777 "$OPEN_DIR/app.sock"
    run --separate-stderr tc_as_nobody "unix:$OPEN_DIR/app.sock" # the control: nobody may connect
    check_status 0
    chmod 0000 "$OPEN_DIR/app.sock"
    run --separate-stderr tc_as_nobody "unix:$OPEN_DIR/app.sock"
    check_status 7
    expect_err "connect to $OPEN_DIR/app.sock failed: Permission denied"
    (($(server_conns) == 1))
}

@test "unix: a socket in a directory the user may not enter is error (7)" {
    [[ $EUID == 0 ]] || skip "needs root to act as another user"
    make_open_dir
    mkdir -m 0700 "$OPEN_DIR/private"
    start_unix "$OPEN_DIR/private/app.sock" hold
    chmod 0777 "$OPEN_DIR/private/app.sock"
    run --separate-stderr tc_as_nobody -j "unix:$OPEN_DIR/private/app.sock"
    check_status 7
    [[ $(jq -r .state <<<"$output") == error ]]
    [[ $(jq -r .error <<<"$output") == "connect to $OPEN_DIR/private/app.sock failed: Permission denied" ]]
}

@test "unix: a full backlog is tried again until -w, then timeout (3), and the line says why" {
    start_unix "$SOCK" backlog
    elapsed_ms tc -w 0.3 "unix:$SOCK"
    check_status 3
    expect_err "connect to $SOCK timed out after 0.3 s: the listener's backlog stayed full"
    expect_between 280 1500
}

@test "unix: a backlog that frees up before -w is open" {
    start_unix "$SOCK" -d 300 backlog # accepts after 300 ms
    elapsed_ms tc -w 3 "unix:$SOCK"
    check_status 0
    expect_no_output
    expect_between 250 2000
}

# ---- -S, -E, JSON, -V --------------------------------------------------------------------------

@test "unix: -S and -E work as on TCP" {
    start_unix "$SOCK" expect 70696e670a 706f6e670a # "ping\n" -> "pong\n"
    run_tc -S 'ping\n' -E 'pong*' "unix:$SOCK"
    check_status 0
    expect_no_output
}

@test "unix: a reply that does not match is a mismatch (6) named by the path" {
    start_unix "$SOCK" -c send 48454c4c4f0a # "HELLO\n", then close
    run_tc -E 'SSH-*' "unix:$SOCK"
    check_status 6
    expect_err "$SOCK: reply did not match 'SSH-*': closed by peer: \"HELLO\\n\""
}

@test "unix: -C passes a socket nobody accepts on and fails a listening one (6), by the path" {
    start_unix "$SOCK" hold
    run_tc -C -v "unix:$BATS_TEST_TMPDIR/none.sock"
    check_status 0
    expect_err "Connection to $BATS_TEST_TMPDIR/none.sock refused, as -C expected"
    run_tc -C "unix:$SOCK"
    check_status 6
    expect_err "connect to $SOCK succeeded, but -C expected it closed"
}

@test "unix: -k names the path in every line, and its JSON summary has port null too" {
    start_unix "$SOCK" hold
    run_tc -k 2 -i 0.05 "unix:$SOCK" "unix:$BATS_TEST_TMPDIR/none.sock"
    check_status 1
    [[ ${lines[0]} == "Connected to $SOCK: seq=1 time="*" ms" ]] || { show_run; false; }
    [[ $output == *$'\n'"$BATS_TEST_TMPDIR/none.sock: seq=1 refused (No such file or directory)"$'\n'* ]] ||
        { show_run; false; }
    [[ $output == *$'\n'"--- $SOCK ---"$'\n'"2 probes, 2 open, 0% failed, time "* ]] || { show_run; false; }
    [[ $output != *"port"* ]] || { show_run; false; }
    run_tc -j -k 1 "unix:$SOCK"
    check_status 0
    [[ $(jq -s -c 'map([.port, .state, .summary])' <<<"$output") == '[[null,"open",null],[null,"open",true]]' ]] ||
        { show_run; false; }
}

@test "unix: -j has the path as host and address, and port null" {
    start_unix "$SOCK" hold
    run_tc -j "unix:$SOCK" "unix:$BATS_TEST_TMPDIR/none.sock"
    check_status 1
    [[ $(jq -c '[.host, .port, .state, .address, .attempts]' <<<"$output" | head -1) == \
        "[\"$SOCK\",null,\"open\",\"$SOCK\",1]" ]]
    jq -e '.rtt_ms >= 0' <<<"$(head -1 <<<"$output")" >/dev/null
    [[ $(jq -c '[.host, .port, .state, .rtt_ms, .error]' <<<"$output" | tail -1) == \
        "[\"$BATS_TEST_TMPDIR/none.sock\",null,\"refused\",null,\"connect to $BATS_TEST_TMPDIR/none.sock failed: No such file or directory\"]" ]]
}

@test "unix: a path with bytes a terminal would obey is escaped in lines and valid in JSON" {
    local odd=$BATS_TEST_TMPDIR/$'a\x1b[2Jb'.sock
    run_tc "unix:$odd"
    check_status 1
    expect_err "connect to $BATS_TEST_TMPDIR/a\\x1b[2Jb.sock failed: No such file or directory"
    run_tc -j "unix:$odd"
    [[ $(jq -r .host <<<"$output") == "$odd" ]]
}

@test "unix: -V keys a unix: target as unix:PATH" {
    [[ $TC_FORM == builtin ]] || skip "-V is the builtin's"
    start_unix "$SOCK" hold
    run --separate-stderr builtin_bash -c 'enable -f "$1" tcpcheck || exit 99
        tcpcheck -V st "unix:$2" "unix://$3" 127.0.0.1 "$4"
        echo "rc=$? n=${#st[@]}"; echo "${st["unix:$2"]}"; echo "${st["unix:$3"]}"
        echo "${st["127.0.0.1:$4"]}"' bash "$TC_SO" "$SOCK" "$BATS_TEST_TMPDIR/none.sock" "$(free_port)"
    [[ ${lines[0]} == "rc=1 n=3" ]]
    [[ ${lines[1]} == open ]]
    [[ ${lines[2]} == refused ]]
    [[ ${lines[3]} == refused ]]
}

@test "unix: targets mix with TCP targets, in argument order, and count for -m" {
    start_unix "$SOCK" hold
    local p
    p=$(free_port)
    run_tc -j -m 1 127.0.0.1 "$p" "unix:$SOCK"
    check_status 0
    [[ $(jq -r .state <<<"$output" | tr '\n' ' ') == "refused open " ]]
}

# ---- wait mode -----------------------------------------------------------------------------------

@test "unix: -W waits until the socket appears" {
    start_unix "$SOCK" -L 400 hold
    elapsed_ms tc -v -W 5 -i 0.05 "unix:$SOCK"
    check_status 0
    err_lines
    ((${#ERR[@]} == 2)) || { show_run; false; }
    [[ ${ERR[0]} == "connect to $SOCK failed: No such file or directory" ]]
    [[ ${ERR[1]} == "Connection to $SOCK succeeded after "[0-9].[0-9]" s" ]]
    expect_between 200 2500
}

@test "unix: -W on a socket that never appears ends at -W with refused (1)" {
    elapsed_ms tc -W 0.5 -i 0.1 "unix:$BATS_TEST_TMPDIR/never.sock"
    check_status 1
    expect_between 300 1500
}

# ---- a real server: PostgreSQL's own socket --------------------------------------------------------

# A private PostgreSQL cluster whose only socket is in PG_DIR (no TCP), owned by postgres; PG_SOCK
# is its socket's path.  Not started.
make_pg_cluster() {
    need_cmd runuser
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -x $bin/initdb ]] || skip "PostgreSQL is not installed (make deps)"
    [[ $EUID == 0 ]] || skip "needs root to run PostgreSQL as postgres"
    id postgres >/dev/null 2>&1 || skip "no postgres user"
    PATH=$bin:$PATH
    PG_DIR=$(mktemp -d /tmp/tcpg.XXXXXX)
    chown postgres "$PG_DIR"
    runuser -u postgres -- initdb -A trust -D "$PG_DIR/data" >"$PG_DIR/initdb.log" 2>&1 ||
        { cat "$PG_DIR/initdb.log"; return 1; }
    PG_PORT=$((20000 + RANDOM % 10000))
    PG_SOCK=$PG_DIR/.s.PGSQL.$PG_PORT
}

start_pg() {
    runuser -u postgres -- pg_ctl -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 30 \
        -o "-k $PG_DIR -c listen_addresses= -p $PG_PORT" start >/dev/null
}

@test "unix: PostgreSQL's own socket is open, and the probe leaves nothing in its log" {
    make_pg_cluster
    start_pg
    run_tc -v "unix:$PG_SOCK"
    check_status 0
    expect_err "Connection to $PG_SOCK succeeded!"
    run runuser -u postgres -- psql -h "$PG_DIR" -p "$PG_PORT" -d postgres -Atc 'select 1'
    [[ $output == 1 ]]
    ! grep -E 'could not receive|incomplete startup|reset by peer' "$PG_DIR/log"
}

@test "unix: PostgreSQL answers an SSLRequest through -S/-E ('N': no TLS on this socket)" {
    make_pg_cluster
    start_pg
    run_tc -S '\x00\x00\x00\x08\x04\xd2\x16\x2f' -E 'N' "unix:$PG_SOCK"
    check_status 0
    expect_no_output
}

@test "unix: -W waits for PostgreSQL to start, then the stopped server's socket is gone" {
    make_pg_cluster
    (sleep 0.5 && start_pg) 3>&- &
    elapsed_ms tc -W 30 -i 0.1 "unix:$PG_SOCK"
    wait
    check_status 0
    expect_no_output
    runuser -u postgres -- pg_ctl -D "$PG_DIR/data" -m fast -w stop >/dev/null
    run_tc "unix:$PG_SOCK"
    check_status 1
    expect_err "connect to $PG_SOCK failed: No such file or directory"
}
