#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# Every malformed target, option, number or name: status 2, one line on stderr, nothing probed.
# "Nothing probed" is proven by a valid target pointing at a listener that counts connections.

load helpers

setup() {
    LO=$(random_lo)
    start_server -a "$LO" hold
}

# `bad ARGS...`: a usage error that probed nothing.
bad() {
    run_tc "$@"
    expect_usage 2 && expect_no_conns
}

@test "no target at all" {
    bad
}

@test "only options, no target" {
    bad -v -w 1
}

@test "a bare host with no port" {
    bad "$LO" "$PORT" "$LO"
}

@test "a lone bare host" {
    bad "$LO"
}

@test "port 0" {
    bad "$LO" "$PORT" "$LO":0
}

@test "port 0 as a bare port word" {
    bad "$LO" "$PORT" 0
}

@test "port 65536" {
    bad "$LO:$PORT" "$LO":65536
}

@test "a huge port number" {
    bad "$LO:$PORT" "$LO":99999999999999999999
}

@test "a reversed range" {
    bad "$LO" "$PORT" "$LO" 90-80
}

@test "a range missing its high end" {
    bad "$LO" "$PORT" "$LO":80-
}

@test "an empty element in a port list" {
    bad "$LO" "$PORT" "$LO":80,,81
}

@test "an unknown service name" {
    bad "$LO" "$PORT" "$LO" no-such-service-xyz
}

@test "an unknown service in HOST:PORT" {
    bad "$LO" "$PORT" "$LO":no-such-service-xyz
}

@test "an empty host" {
    bad "$LO" "$PORT" :80
}

@test "HOST: with an empty port" {
    bad "$LO" "$PORT" "$LO":
}

@test "brackets without a port" {
    bad "$LO" "$PORT" '[::1]'
}

@test "empty brackets" {
    bad "$LO" "$PORT" '[]:80'
}

@test "tcp:// without a port" {
    bad "$LO" "$PORT" tcp://"$LO"
}

@test "tcp:// with an empty host" {
    bad "$LO" "$PORT" tcp://:80
}

@test "tcp:// with port 0" {
    bad "$LO" "$PORT" tcp://"$LO":0
}

@test "/dev/tcp without a port" {
    bad "$LO" "$PORT" /dev/tcp/"$LO"
}

@test "/dev/tcp with port 65536" {
    bad "$LO" "$PORT" /dev/tcp/"$LO"/65536
}

@test "an unknown option" {
    bad -y "$LO" "$PORT"
}

# The words that point to the help, per form.
help_hint() {
    if [[ $TC_FORM == builtin ]]; then
        echo "try 'help tcpcheck' for more information"
    else
        echo "try 'tcpcheck --help' for more information"
    fi
}

@test "-h is no option, and the line says where the help is" {
    bad -h
    expect_err "-h: invalid option; $(help_hint)"
}

@test "a bare tcpcheck says what is missing and where the help is" {
    bad
    expect_err "no target given; $(help_hint)"
}

@test "a missing argument points to the help too" {
    bad -k
    expect_err "-k: option requires an argument; $(help_hint)"
}

@test "an unknown long option" {
    bad --bogus "$LO" "$PORT"
}

@test "-w without its argument" {
    bad "$LO" "$PORT" -w
}

@test "-w missing its value (next word is a target)" {
    bad -w
}

@test "-w 0" {
    bad -w 0 "$LO" "$PORT"
}

@test "-w negative" {
    bad -w -1 "$LO" "$PORT"
}

@test "-w with a sign" {
    bad -w +1 "$LO" "$PORT"
}

@test "-w with an exponent" {
    bad -w 1e1 "$LO" "$PORT"
}

@test "-w in hex" {
    bad -w 0x10 "$LO" "$PORT"
}

@test "-w with 7 fraction digits" {
    bad -w 1.0000001 "$LO" "$PORT"
}

@test "-w above 86400" {
    bad -w 86401 "$LO" "$PORT"
}

@test "-w not a number" {
    bad -w soon "$LO" "$PORT"
}

@test "-W 0 is no usage error: it waits without a time limit" {
    # What the wait does is WAIT MODE's; the parser only has to let it through.
    run_tc -W 0 -w 1 "$LO" "$PORT"
    [[ $status != 2 ]] || { show_run; false; }
    [[ $stderr != *"-W"* ]] || { show_run; false; }
}

@test "-w with a unit it does not know" {
    bad -w 5us "$LO" "$PORT"
}

@test "-w with a space before its unit" {
    bad -w '5 ms' "$LO" "$PORT"
}

@test "-w with two units" {
    bad -w 1m30s "$LO" "$PORT"
}

@test "-w finer than a microsecond" {
    bad -w 0.0001ms "$LO" "$PORT"
}

@test "-w 0 in a unit" {
    bad -w 0ms "$LO" "$PORT"
}

@test "-W above a day in hours" {
    bad -W 25h "$LO" "$PORT"
}

@test "-i with an exponent and a unit" {
    bad -i 1e3ms "$LO" "$PORT"
}

@test "times with units reach the engine: -w 300ms on a full backlog is about 0.3 s" {
    start_server backlog
    elapsed_ms tc -q -w 300ms 127.0.0.1 "$PORT"
    check_status 3
    expect_between 250 800
}

@test "-i and -W with units, and -R, against an open port" {
    run_tc -R -i 250ms -W 2s -w 500ms "$LO" "$PORT"
    check_status 0
    expect_conns 1
}

@test "-k without a count" {
    bad -k "$LO" "$PORT"
}

@test "-k with a sign" {
    bad -k +3 "$LO" "$PORT"
}

@test "-C with -S" {
    bad -C -S x "$LO" "$PORT"
    expect_err "-C and -S exclude each other"
}

@test "-C with -E, in the other order" {
    bad -E 'x*' -C "$LO" "$PORT"
    expect_err "-C and -E exclude each other"
}

@test "-C with -k" {
    bad -C -k 3 "$LO" "$PORT"
}

@test "-k with -W" {
    bad -k 3 -W 5 "$LO" "$PORT"
    expect_err "-W and -k exclude each other"
}

@test "program: -k with -- COMMAND" {
    program_only
    bad -k 3 "$LO" "$PORT" -- true
    expect_err "-k and -- COMMAND exclude each other"
}

@test "-x without a scheme" {
    bad -x "$LO:1080" "$LO" "$PORT"
}

@test "-x without a port" {
    bad -x "socks5://$LO" "$LO" "$PORT"
}

@test "-x with a scheme tcpcheck does not speak" {
    bad -x "https://$LO:443" "$LO" "$PORT"
}

@test "-x: a malformed proxy's line never shows the password" {
    for proxy in "socks5://alice:Hunter2secret@$LO" "socks5://alice:Hunter2secret" \
        "http://alice:Hunter2secret%zz@$LO:3128" "socks5://alice:Hunter2secret@[$LO]:1080" \
        "socks5://alice:Hunter2secret@$LO:1080/x"; do
        bad -x "$proxy" "$LO" "$PORT"
        [[ $stderr != *Hunter2* ]] || { echo "the password shows"; show_run; false; }
    done
}

@test "-n with a proxy name" {
    bad -n -x socks5://proxy.invalid:1080 "$LO" "$PORT"
}

@test "-4 with an IPv6 proxy address" {
    bad -4 -x 'socks5://[::1]:1080' "$LO" "$PORT"
}

@test "-s with a unix: target" {
    bad -s 127.0.0.1 "$LO" "$PORT" unix:/run/nothing.sock
}

@test "-x with a unix: target" {
    bad -x socks5://127.0.0.1:1080 unix:/run/nothing.sock "$LO" "$PORT"
}

@test "-W above 86400" {
    bad -W 86400.5 "$LO" "$PORT"
}

@test "-i negative" {
    bad -i -0.5 "$LO" "$PORT"
}

@test "-i above 86400" {
    bad -i 86401 "$LO" "$PORT"
}

@test "-i 0 is fine (positive control)" {
    run_tc -i 0 "$LO" "$PORT"
    check_status 0
    expect_conns 1
}

@test "-c 0" {
    bad -c 0 "$LO" "$PORT"
}

@test "-c not a number" {
    bad -c many "$LO" "$PORT"
}

@test "-m 0" {
    bad -m 0 "$LO" "$PORT"
}

@test "-m greater than the number of targets" {
    bad -m 3 "$LO" "$PORT" "$LO" "$PORT"
}

@test "-m counts expanded targets: 2 of a two-port list is fine" {
    run_tc -m 2 "$LO" "$PORT,$PORT"
    check_status 0
    expect_conns 2
}

@test "-m 1.5" {
    bad -m 1.5 "$LO" "$PORT"
}

@test "-4 with -6" {
    bad -4 -6 "$LO" "$PORT"
}

@test "-n with a name" {
    bad -n "$LO" "$PORT" localhost "$PORT"
}

@test "-s that is not an address" {
    bad -s not-an-address "$LO" "$PORT"
}

@test "-S with an unknown escape" {
    bad -S 'a\qb' "$LO" "$PORT"
}

@test "-S with a truncated \\x" {
    bad -S 'ab\x' "$LO" "$PORT"
}

@test "-S with \\xZZ" {
    bad -S '\xZZ' "$LO" "$PORT"
}

@test "an option after a target" {
    bad "$LO" "$PORT" -v
}

@test "an option after a target, before another target" {
    bad "$LO" "$PORT" -w 1 "$LO" "$PORT"
}

@test "-- with nothing after it" {
    bad "$LO" "$PORT" --
}

@test "-- before any target only ends the options" {
    run_tc -- "$LO" "$PORT"
    check_status 0
    expect_no_output
    expect_conns 1
}

@test "-q still prints the usage line" {
    bad -q "$LO" "$PORT" "$LO":0
}

@test "-j still prints the usage line on stderr and nothing on stdout" {
    bad -j "$LO" "$PORT" "$LO":0
}

@test "-H turns a usage error into status 1, still one line" {
    run_tc -H "$LO" "$PORT" "$LO":0
    expect_usage 1 && expect_no_conns
}

@test "-H applies wherever it stands among the options" {
    run_tc -w 1 -H -c 0 "$LO" "$PORT"
    expect_usage 1 && expect_no_conns
}

@test "program: -V is rejected" {
    program_only
    bad -V states "$LO" "$PORT"
}

@test "builtin: -- COMMAND is rejected" {
    [[ $TC_FORM == builtin ]] || skip "builtin only"
    bad "$LO" "$PORT" -- true
}

@test "program: --help goes to stdout with status 0" {
    program_only
    run_tc --help
    check_status 0
    [[ $output == *tcpcheck* ]] || { show_run; false; }
    [[ -z $stderr ]] || { show_run; false; }
    expect_no_conns
}

@test "program: --version goes to stdout with status 0" {
    program_only
    run_tc --version
    check_status 0
    [[ $output == "tcpcheck $TC_RELEASE" ]] || { show_run; false; }
    [[ -z $stderr ]] || { show_run; false; }
}
