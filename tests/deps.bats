#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# scripts/deps (make deps): it says what it is about to change before it changes it, and a
# second run on a machine that has everything changes nothing.  Nothing here installs: the
# machine is set up already (make deps ran before make check), and -n only says what it would do.

load helpers

setup() {
    [[ $TC_FORM == program ]] || skip "runs with TC_FORM=program (no form of tcpcheck is used)"
    DEPS=$ROOT/scripts/deps
}

@test "scripts/deps: on a machine that has everything, it changes nothing and says so" {
    run "$DEPS" -n
    [[ $output == *"nothing to install"* ]] || skip "this machine lacks packages: run make deps ($output)"
    local before
    before=$(ls -l --time-style=+%s.%N /etc/apt/sources.list.d)
    run "$DEPS"
    check_status 0
    [[ $output == "deps: every package is installed (all): nothing to install" ]] || { show_run; false; }
    [[ $(ls -l --time-style=+%s.%N /etc/apt/sources.list.d) == "$before" ]]
    run "$DEPS" static
    check_status 0
    [[ $output == "deps: every package is installed (static): nothing to install" ]] || { show_run; false; }
}

@test "scripts/deps -n: without a deb-src entry it shows the file it would write, and writes nothing" {
    [[ $EUID -eq 0 ]] || skip "needs root (a mount namespace)"
    [[ -f /etc/apt/sources.list.d/debian.sources ]] || skip "no deb822 debian.sources here"
    [[ ! -e /etc/apt/sources.list ]] || ! grep -qE '^[[:space:]]*deb-src' /etc/apt/sources.list ||
        skip "deb-src lines in /etc/apt/sources.list"
    # A machine whose apt sources are Debian's only: debian.sources, no deb-src.
    local d=$BATS_TEST_TMPDIR/sources.list.d
    mkdir -p "$d"
    cp /etc/apt/sources.list.d/debian.sources "$d/"
    run unshare -m sh -c 'mount --bind "$1" /etc/apt/sources.list.d && "$2" -n static' sh "$d" "$DEPS"
    check_status 0
    [[ ${lines[0]} == "deps: would write /etc/apt/sources.list.d/tcpcheck-src.sources (the entries of /etc/apt/sources.list.d/debian.sources as deb-src):" ]] ||
        { show_run; false; }
    # The text it would write: debian.sources with Types: deb-src, indented.
    local want
    want=$(sed 's/^Types:.*/Types: deb-src/; s/^/    /' /etc/apt/sources.list.d/debian.sources)
    [[ $output == "${lines[0]}"$'\n'"$want"$'\n'* ]] || { echo "want: $want"; show_run; false; }
    [[ $output == *"deps: would run: apt-get update"* ]] || { show_run; false; }
    [[ $(ls "$d") == debian.sources ]] || { ls "$d"; false; }
}
