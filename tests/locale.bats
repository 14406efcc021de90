#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# -E follows LC_CTYPE (tcpcheck(1), DECISIONS: -E is fnmatch(3) as bash's [[ == ]]): in a UTF-8
# locale `?` is one character, whatever its bytes; in the C locale one byte.  The builtin gets
# bash's locale, the program sets its own from the environment.

load helpers

setup() {
    locale -a 2>/dev/null | grep -qix 'c.utf-\?8' || skip "no C.UTF-8 locale here"
    start_server send c3a9 # "é": two bytes, one character
}

@test "LC_ALL=C.UTF-8: -E '?' matches the one character \"é\" the peer sends" {
    LC_ALL=C.UTF-8 run_tc -w 1 -E '?' 127.0.0.1 "$PORT"
    check_status 0
    LC_ALL=C.UTF-8 run_tc -w 1 -E '[é]' 127.0.0.1 "$PORT"
    check_status 0
}

@test "LC_CTYPE alone is enough, and the C locale sees two bytes" {
    LC_ALL= LANG= LC_CTYPE=C.UTF-8 run_tc -w 1 -E '?' 127.0.0.1 "$PORT"
    check_status 0
    LC_ALL=C run_tc -w 0.5 -E '?' 127.0.0.1 "$PORT"
    check_status 6
    LC_ALL=C run_tc -w 1 -E '??' 127.0.0.1 "$PORT"
    check_status 0
}

@test "messages stay in the contract's words under a UTF-8 locale" {
    LC_ALL=C.UTF-8 run_tc -w 0.3 -E 'x' 127.0.0.1 "$PORT"
    check_status 6
    expect_err "127.0.0.1 port $PORT: reply did not match 'x': no matching reply before the deadline: \"\\xc3\\xa9\""
}
