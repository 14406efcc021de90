#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# How a probe's connection ends (tcpcheck(1), OPTIONS, -R): a normal close (FIN) by default, as
# nc -z and /dev/tcp close, so that servers log nothing; with -R a reset, which leaves no
# TIME_WAIT socket on this host.  tcserver prints how each connection went away ("gone N bytes
# B eof|reset"); PostgreSQL shows what a real server makes of each.

load helpers

# TIME_WAIT sockets from this host to ADDR:PORT.
time_waits() {
    ss -Htan state time-wait dst "$1:$2" | grep -c . || true
}

@test "by default the peer sees a normal close, and TIME_WAIT stays on this host" {
    addr=$(random_lo)
    start_server -a "$addr" hold
    run_tc "$addr" "$PORT"
    check_status 0
    wait_gone 1
    grep -qx 'gone 1 bytes 0 eof' "$SERVER_OUT" || { cat "$SERVER_OUT"; false; }
    # We closed first, so the TIME_WAIT is ours (the server closes on our FIN).
    for ((i = 0; i < 100; i++)); do (($(time_waits "$addr" "$PORT") == 1)) && break; sleep 0.01; done
    (($(time_waits "$addr" "$PORT") == 1)) || { ss -tan dst "$addr:$PORT"; false; }
}

@test "-R: the peer sees a reset, and no TIME_WAIT is left" {
    addr=$(random_lo)
    start_server -a "$addr" hold
    run_tc -R "$addr" "$PORT"
    check_status 0
    wait_gone 1
    grep -qx 'gone 1 bytes 0 reset' "$SERVER_OUT" || { cat "$SERVER_OUT"; false; }
    sleep 0.1
    (($(time_waits "$addr" "$PORT") == 0)) || { ss -tan dst "$addr:$PORT"; false; }
}

@test "-S: the bytes, then a normal close; with -R the bytes, then a reset" {
    start_server hold
    run_tc -S 'ab\r\n' 127.0.0.1 "$PORT"
    check_status 0
    run_tc -R -S 'ab\r\n' 127.0.0.1 "$PORT"
    check_status 0
    wait_gone 2
    grep -qx 'gone 1 bytes 4 eof' "$SERVER_OUT" || { cat "$SERVER_OUT"; false; }
    grep -qx 'gone 2 bytes 4 reset' "$SERVER_OUT" || { cat "$SERVER_OUT"; false; }
}

@test "-E: what the reply left unread is read first, so the close is still normal" {
    # 8000 bytes in one write: the probe matches on its first 4096 and leaves the rest in the
    # socket; closing a socket with unread bytes would send a reset (RFC 2525, 2.17).
    start_server send "$(printf '78%.0s' {1..8000})"
    run_tc -w 2 -E 'xxxx*' 127.0.0.1 "$PORT"
    check_status 0
    run_tc -R -w 2 -E 'xxxx*' 127.0.0.1 "$PORT"
    check_status 0
    wait_gone 2
    grep -qx 'gone 1 bytes 0 eof' "$SERVER_OUT" || { cat "$SERVER_OUT"; false; }
    grep -qx 'gone 2 bytes 0 reset' "$SERVER_OUT" || { cat "$SERVER_OUT"; false; }
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL (Debian's postgresql package): a private cluster in the test's own network
# namespace, listening on its 127.0.0.1:5432 only.  A probe that resets makes PostgreSQL 15 log
# "could not receive data from client: Connection reset by peer"; a normal close, nothing.

pg_bin() {
    local d
    d=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
    [[ -x $d/initdb && -x $d/pg_ctl ]] && echo "$d"
}

teardown() {
    stop_servers
    if [[ -n ${PGT:-} ]]; then
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGT/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PGT"
    fi
}

# A connection's backend pid, from its "connection received" line (log_connections).
pg_conn_pids() {
    sed -n 's/.*\[\([0-9]*\)\] LOG:  connection received: .*/\1/p' "$PGT/run/log"
}

pg_reset_pids() {
    sed -n 's/.*\[\([0-9]*\)\] LOG:  could not receive data from client: Connection reset by peer$/\1/p' "$PGT/run/log"
}

@test "PostgreSQL: no log line for a default probe, exactly one for a -R probe" {
    need_netns
    PGBIN=$(pg_bin) || skip "PostgreSQL is not installed (make deps)"
    id postgres >/dev/null 2>&1 || skip "no postgres user"
    # Outside bats' private temporary directory: the postgres user must reach it.
    PGT=$(mktemp -d /tmp/tcpcheck-pg.XXXXXX)
    chmod 755 "$PGT"
    mkdir "$PGT/data" "$PGT/run"
    chown postgres "$PGT/data" "$PGT/run"
    runuser -u postgres -- "$PGBIN/initdb" -D "$PGT/data" -A trust -U postgres --no-sync \
        >"$PGT/initdb.out" 2>&1 || { cat "$PGT/initdb.out"; false; }
    export PGBIN PGT
    run --separate-stderr in_netns '
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGT/data" -l "$PGT/run/log" -w -t 30 \
            -o "-p 5432 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PGT/run -c log_connections=on" \
            start >"$PGT/run/pg_ctl.out" 2>&1 || exit 97
        conns() { grep -c "connection received" "$PGT/run/log"; }
        resets() { grep -c "could not receive data from client" "$PGT/run/log"; }
        tc 127.0.0.1 5432 || exit 10
        for ((i = 0; i < 250 && $(conns) < 1; i++)); do sleep 0.02; done
        tc -R 127.0.0.1 5432 || exit 11
        for ((i = 0; i < 250 && ($(conns) < 2 || $(resets) < 1); i++)); do sleep 0.02; done
        sleep 0.5 # a late line about the first probe would come by now
        runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGT/data" -m fast stop >/dev/null 2>&1
        exit 0'
    check_status 0
    mapfile -t conn < <(pg_conn_pids)
    mapfile -t reset < <(pg_reset_pids)
    echo "# PostgreSQL log lines for a reset: ${#reset[@]} for 2 probes (default, then -R)" >&3
    if ((${#conn[@]} != 2 || ${#reset[@]} != 1)) || [[ ${reset[0]} != "${conn[1]}" ]]; then
        echo "connections (backend pids): ${conn[*]}; reset lines from: ${reset[*]}"
        cat "$PGT/run/log"
        false
    fi
}
