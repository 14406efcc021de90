#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# Hostile peers (loopback tcserver modes): whatever a server sends or does, tcpcheck's stderr
# carries no raw control byte, its JSON stays valid, and the mismatch says exactly what happened
# (tcpcheck(1), OPTIONS -E; OUTPUT: escaping, JSON).

load helpers

# hex BYTES...: the hex tcserver wants for printf-style bytes.
hex() {
    printf "$@" | od -An -v -tx1 | tr -d ' \n'
}

# no_raw_bytes FILE: fail when FILE holds a byte outside printable ASCII other than newline.
# Read with od, not a shell variable, since a variable would silently drop NUL bytes.
no_raw_bytes() {
    local bad
    bad=$(od -An -v -tx1 "$1" | tr ' ' '\n' | grep -vxE '|0a|2[0-9a-f]|[3-6][0-9a-f]|7[0-9a-e]' |
        sort -u | tr '\n' ' ')
    if [[ -n $bad ]]; then
        echo "raw bytes in $1: $bad"
        od -c "$1" | head -20
        return 1
    fi
}

# What the evil server sends: a colour escape, NUL, a C1 CSI, BEL, DEL, bytes that are not
# UTF-8 (0xff, a truncated 2-byte sequence, an overlong '/', a surrogate), and valid UTF-8.
EVIL='SSH\033[31m\000\302\233\377\303(\007\177\300\257\355\240\200\342\202\254\r\n'
EVIL_ESCAPED='SSH\x1b[31m\0\xc2\x9b\xff\xc3(\x07\x7f\xc0\xaf\xed\xa0\x80\xe2\x82\xac\r\n'
# The reply in -j, decoded by jq: control bytes kept as themselves, C1 as U+009B, each invalid
# byte as U+FFFD (ef bf bd), the euro sign kept.
EVIL_JSON_HEX=535348
EVIL_JSON_HEX+=1b5b33316d00c29befbfbdefbfbd2807
EVIL_JSON_HEX+=7fefbfbdefbfbdefbfbdefbfbdefbfbde282ac0d0a

# json_clean FILE: fail when the JSON in FILE holds a raw control byte: C0 (but the newline
# ending each object), DEL, or a C1 control encoded as UTF-8 (c2 80-c2 9f).  Valid UTF-8 text
# above that is allowed: the man page keeps it.
json_clean() {
    if LC_ALL=C grep -aqP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1"; then
        echo "raw control bytes in the JSON of $1:"
        od -c "$1" | head -20
        return 1
    fi
}

@test "escapes, NULs and invalid UTF-8 from the peer: stderr escaped byte for byte" {
    start_server -c send "$(hex "$EVIL")"
    tc -E 'nomatch' 127.0.0.1 "$PORT" 2>"$BATS_TEST_TMPDIR/err" >"$BATS_TEST_TMPDIR/out" &&
        status=0 || status=$?
    check_status 6
    no_raw_bytes "$BATS_TEST_TMPDIR/err"
    [[ ! -s $BATS_TEST_TMPDIR/out ]]
    stderr=$(<"$BATS_TEST_TMPDIR/err")
    expect_err "127.0.0.1 port $PORT: reply did not match 'nomatch': closed by peer: \"$EVIL_ESCAPED\""
}

@test "escapes, NULs and invalid UTF-8 from the peer: -j is valid JSON, reply sanitised" {
    start_server -c send "$(hex "$EVIL")"
    tc -j -E 'nomatch' 127.0.0.1 "$PORT" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &&
        status=0 || status=$?
    check_status 6
    [[ ! -s $BATS_TEST_TMPDIR/err ]] || { cat "$BATS_TEST_TMPDIR/err"; false; }
    json_clean "$BATS_TEST_TMPDIR/out"
    (($(wc -l <"$BATS_TEST_TMPDIR/out") == 1))
    jq -e . "$BATS_TEST_TMPDIR/out" >/dev/null
    run jq -r '.state, .port' "$BATS_TEST_TMPDIR/out"
    [[ $output == "mismatch"$'\n'"$PORT" ]] || { echo "$output"; false; }
    got=$(jq -j .reply "$BATS_TEST_TMPDIR/out" | od -An -v -tx1 | tr -d ' \n')
    [[ $got == "$EVIL_JSON_HEX" ]] || { echo "reply bytes: $got"; echo "expected:    $EVIL_JSON_HEX"; false; }
    # The error text is the stderr line, itself escaped.
    got=$(jq -r .error "$BATS_TEST_TMPDIR/out")
    [[ $got == *"closed by peer: \"$EVIL_ESCAPED\"" ]] || { echo "error: $got"; false; }
}

@test "a peer that never stops sending: mismatch at 4096 bytes, at once" {
    start_server flood
    elapsed_ms tc -E 'never*' 127.0.0.1 "$PORT"
    check_status 6
    expect_between 0 1000
    err_lines
    ((${#ERR[@]} == 1))
    want="127.0.0.1 port $PORT: reply did not match 'never*': no match in the first 4096 bytes: "
    [[ ${ERR[0]} == "$want\"$(printf 'A%.0s' {1..4096})\"" ]] || {
        echo "got: ${ERR[0]:0:200}... (${#ERR[0]} chars)"
        false
    }
}

@test "a peer that never stops sending: the JSON reply holds at most 4096 bytes" {
    start_server flood
    run --separate-stderr tc -j -E 'never*' 127.0.0.1 "$PORT"
    check_status 6
    n=$(jq -j .reply <<<"$output" | wc -c)
    ((n == 4096)) || { echo "reply of $n bytes"; false; }
    [[ $(jq -r .error <<<"$output") == *"no match in the first 4096 bytes"* ]]
}

@test "a flood of control and invalid bytes: cut at 4096, escaped, valid JSON" {
    # 6000 bytes of ESC, NUL, 0xff, 0x9b: every one of them needs escaping, in both outputs.
    start_server -c send "$(printf '1b00ff9b%.0s' {1..1500})"
    tc -E 'x*' 127.0.0.1 "$PORT" 2>"$BATS_TEST_TMPDIR/err" && status=0 || status=$?
    check_status 6
    no_raw_bytes "$BATS_TEST_TMPDIR/err"
    grep -q "no match in the first 4096 bytes: \"\\\\x1b\\\\0\\\\xff\\\\x9b" "$BATS_TEST_TMPDIR/err" ||
        { head -c 300 "$BATS_TEST_TMPDIR/err"; false; }
    # 1024 groups of 4 bytes, each shown as 4 + 2 + 4 + 4 characters.
    n=$(grep -o '\\x1b\\0\\xff\\x9b' "$BATS_TEST_TMPDIR/err" | wc -l)
    ((n == 1024)) || { echo "$n groups shown"; false; }

    tc -j -E 'x*' 127.0.0.1 "$PORT" >"$BATS_TEST_TMPDIR/out" 2>/dev/null && status=0 || status=$?
    check_status 6
    json_clean "$BATS_TEST_TMPDIR/out"
    jq -e . "$BATS_TEST_TMPDIR/out" >/dev/null
    # Decoded: ESC and NUL one byte each, 0xff and 0x9b as U+FFFD (3 bytes each).
    n=$(jq -j .reply "$BATS_TEST_TMPDIR/out" | wc -c)
    ((n == 1024 * 8)) || { echo "decoded reply of $n bytes"; false; }
}

@test "a peer that accepts and never speaks: mismatch at the -w deadline" {
    start_server hold
    elapsed_ms tc -E x -w 0.5 127.0.0.1 "$PORT"
    check_status 6
    expect_between 450 900
    expect_err "127.0.0.1 port $PORT: reply did not match 'x': no reply before the deadline"
}

@test "a peer that says something else and then nothing: the deadline, with what arrived" {
    start_server send "$(hex 'HTTP/1.1 400 Bad Request\r\n')"
    elapsed_ms tc -E 'SSH-2.0-*' -w 0.3 127.0.0.1 "$PORT"
    check_status 6
    expect_between 250 700
    expect_err "127.0.0.1 port $PORT: reply did not match 'SSH-2.0-*': no matching reply before the deadline: \"HTTP/1.1 400 Bad Request\\r\\n\""
}

@test "a peer that resets right after accepting: 'reset by peer', every time" {
    start_server reset
    for i in {1..10}; do
        run_tc -E x 127.0.0.1 "$PORT"
        check_status 6
        expect_err "127.0.0.1 port $PORT: reply did not match 'x': reset by peer: \"\""
    done
    run --separate-stderr tc -j -E x 127.0.0.1 "$PORT"
    check_status 6
    [[ $(jq -r '.state + " " + .reply' <<<"$output") == "mismatch " ]] || { echo "$output"; false; }
}

# The race behind the two tests below: the server accepts and resets before tcpcheck polls the
# connecting socket, so SO_ERROR already says ECONNRESET.  Only an established connection can be
# reset (a SYN answered by RST gives ECONNREFUSED), so the port is open.  A burst of probes at
# once makes the late poll certain rather than rare.
@test "a burst of probes to a peer that resets on accept: every one open" {
    start_server reset
    run --separate-stderr tc -j 127.0.0.1 $(printf "$PORT %.0s" {1..100})
    check_status 0
    n=$(jq -r .state <<<"$output" | grep -c '^open$')
    ((n == 100)) || { jq -r .state <<<"$output" | sort | uniq -c; false; }
}

@test "a burst of probes with -E to a peer that resets on accept: every one 'reset by peer'" {
    start_server reset
    run --separate-stderr tc -j -E x 127.0.0.1 $(printf "$PORT %.0s" {1..100})
    check_status 6
    n=$(jq -r .error <<<"$output" | grep -c ": reply did not match 'x': reset by peer: \"\"$")
    ((n == 100)) || { jq -r .error <<<"$output" | sed 's/port [0-9]*/port P/' | sort | uniq -c; false; }
}

@test "a peer that resets right after accepting is still open without -E" {
    # The TCP handshake completed: the port is open, whatever the server does next.
    start_server reset
    run_tc 127.0.0.1 "$PORT"
    check_status 0
    expect_no_output
}

@test "a peer that sends part of the reply and resets: the part is shown" {
    # -d 50: the bytes arrive first; the reset comes while the probe still waits for more.
    start_server -d 50 -c send "$(hex 'Hel\033lo')"
    run_tc -E 'Hello world*' 127.0.0.1 "$PORT"
    check_status 6
    expect_err "127.0.0.1 port $PORT: reply did not match 'Hello world*': closed by peer: \"Hel\\x1blo\""
}

@test "a peer that closes before the pattern matches: 'closed by peer' and the partial reply" {
    start_server -c send "$(hex 'Hello')"
    run_tc -E 'Hello world*' 127.0.0.1 "$PORT"
    check_status 6
    expect_err "127.0.0.1 port $PORT: reply did not match 'Hello world*': closed by peer: \"Hello\""
    run --separate-stderr tc -j -E 'Hello world*' 127.0.0.1 "$PORT"
    check_status 6
    [[ $(jq -r '.state + "|" + .reply' <<<"$output") == "mismatch|Hello" ]] || { echo "$output"; false; }
}

@test "a peer that closes at once, saying nothing: 'closed by peer' with an empty reply" {
    start_server close
    run_tc -E '?*' 127.0.0.1 "$PORT"
    check_status 6
    expect_err "127.0.0.1 port $PORT: reply did not match '?*': closed by peer: \"\""
}

@test "a peer whose reply matches only once its NUL bytes are dropped: open" {
    start_server send "$(hex 'S\000S\000H-2.0-x\r\n')"
    run_tc -E 'SSH-2.0-*' 127.0.0.1 "$PORT"
    check_status 0
    expect_no_output
}
