#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# `make release`: the files of dist/ (written here into the test's directory), their checksums,
# the tarball (it unpacks into tcpcheck-VERSION/ and builds), and the static programs: at most
# 200 KB each, the aarch64 one run under qemu-aarch64-static against loopback listeners.

load helpers

release_tools_missing() {
    local c
    for c in musl-gcc aarch64-linux-musl-gcc qemu-aarch64-static cmake git sha256sum; do
        command -v "$c" >/dev/null || { echo "$c"; return 0; }
    done
    git -C "$ROOT" rev-parse --verify -q HEAD >/dev/null || { echo "a git checkout"; return 0; }
    return 1
}

# One `make release` for the whole file (the static programs are built once, in build/).
setup_file() {
    [[ $TC_FORM == program ]] || return 0
    release_tools_missing >/dev/null && return 0
    export DIST=$BATS_FILE_TMPDIR/dist
    env -u MAKEFLAGS make -s -C "$ROOT" release DIST="$DIST" >"$BATS_FILE_TMPDIR/release.log" 2>&1
    echo "$?" >"$BATS_FILE_TMPDIR/release.status"
}

setup() {
    [[ $TC_FORM == program ]] || skip "runs with TC_FORM=program (the static programs have one form)"
    local missing
    missing=$(release_tools_missing) && skip "needs $missing (make deps)"
    [[ $(cat "$BATS_FILE_TMPDIR/release.status") == 0 ]] || { cat "$BATS_FILE_TMPDIR/release.log"; false; }
    AARCH64=$DIST/tcpcheck-$TC_RELEASE-aarch64-linux-musl
    X86_64=$DIST/tcpcheck-$TC_RELEASE-x86_64-linux-musl
}

@test "release: dist holds the tarball, both static programs, the sh fallback, SHA256SUMS" {
    run ls "$DIST"
    [[ $output == "SHA256SUMS"$'\n'"tcpcheck-$TC_RELEASE-aarch64-linux-musl"$'\n'"tcpcheck-$TC_RELEASE-x86_64-linux-musl"$'\n'"tcpcheck-$TC_RELEASE.sh"$'\n'"tcpcheck-$TC_RELEASE.tar.gz" ]] ||
        { show_run; false; }
    run bash -c 'cd "$1" && sha256sum -c SHA256SUMS' bash "$DIST"
    check_status 0
    [[ $(wc -l <"$DIST/SHA256SUMS") == 4 ]]
    # make release says each program's size.
    grep -q "^release: .*-aarch64-linux-musl: [0-9]* bytes$" "$BATS_FILE_TMPDIR/release.log"
    grep -q "^release: .*-x86_64-linux-musl: [0-9]* bytes$" "$BATS_FILE_TMPDIR/release.log"
}

@test "release: the static programs are static, stripped, for their machine, at most 200 KB" {
    local f size
    run file -b "$X86_64"
    [[ $output == *"x86-64"*"statically linked"*", stripped"* ]] || { show_run; false; }
    run file -b "$AARCH64"
    [[ $output == *"ARM aarch64"*"statically linked"*", stripped"* ]] || { show_run; false; }
    for f in "$X86_64" "$AARCH64"; do
        size=$(stat -c %s "$f")
        echo "${f##*/}: $size bytes"
        ((size <= 200 * 1024)) || { echo "over 200 KB"; false; }
    done
    run "$X86_64" --version
    [[ $status == 0 && $output == "tcpcheck $TC_RELEASE" ]] || { show_run; false; }
}

@test "release: the tarball unpacks into tcpcheck-VERSION/ and builds that version" {
    local tmp=$BATS_TEST_TMPDIR/src
    mkdir -p "$tmp"
    tar -xzf "$DIST/tcpcheck-$TC_RELEASE.tar.gz" -C "$tmp"
    run ls "$tmp"
    [[ $output == "tcpcheck-$TC_RELEASE" ]] || { show_run; false; }
    local src=$tmp/tcpcheck-$TC_RELEASE
    [[ -f $src/LICENSE && -f $src/debian/changelog && -x $src/scripts/deps && ! -e $src/build ]]
    cmp "$src/Makefile" <(git -C "$ROOT" show HEAD:Makefile)
    run env -u MAKEFLAGS make -s -C "$src" all
    check_status 0
    run "$src/build/tcpcheck" --version
    [[ $status == 0 && $output == "tcpcheck $TC_RELEASE" ]] || { show_run; false; }
}

@test "release: the sh fallback carries the version" {
    run env PATH=/nonexistent /bin/sh "$DIST/tcpcheck-$TC_RELEASE.sh" --version
    check_status 0
    [[ $output == "tcpcheck $TC_RELEASE (sh fallback)" ]] || { show_run; false; }
}

# ---- the aarch64 program under qemu ----------------------------------------------------------

# `qemu_tc ARGS...`: run the aarch64 program under qemu-aarch64-static.
qemu_tc() {
    run --separate-stderr qemu-aarch64-static "$AARCH64" "$@"
}

@test "aarch64 under qemu: --version and a usage error (2, nothing probed)" {
    qemu_tc --version
    check_status 0
    [[ $output == "tcpcheck $TC_RELEASE" ]] || { show_run; false; }
    start_server hold
    qemu_tc -w 0 127.0.0.1 "$PORT"
    check_status 2
    [[ $stderr == "tcpcheck: "* && $(wc -l <<<"$stderr") == 1 ]] || { show_run; false; }
    expect_no_conns
}

@test "aarch64 under qemu: open (0) and refused (1)" {
    start_server hold
    qemu_tc -v -w 2 127.0.0.1 "$PORT"
    check_status 0
    [[ $stderr == "Connection to 127.0.0.1 $PORT port [tcp/"*"] succeeded!" ]] || { show_run; false; }
    local free
    free=$(free_port)
    qemu_tc -w 2 127.0.0.1 "$free"
    check_status 1
    [[ $stderr == "tcpcheck: connect to 127.0.0.1 port $free (tcp) failed: Connection refused" ]] ||
        { show_run; false; }
}

@test "aarch64 under qemu: timeout (3) at a listener whose accept queue is full" {
    start_server backlog
    qemu_tc -w 0.5 127.0.0.1 "$PORT"
    check_status 3
    [[ $stderr == "tcpcheck: connect to 127.0.0.1 port $PORT (tcp) timed out after 0.5 s" ]] ||
        { show_run; false; }
}

@test "aarch64 under qemu: several targets at once, in argument order, as JSON" {
    start_server hold
    local open=$PORT free
    free=$(free_port)
    qemu_tc -j -w 2 127.0.0.1 "$open,$free"
    check_status 1
    [[ $(jq -r '"\(.port) \(.state)"' <<<"$output") == "$open open"$'\n'"$free refused" ]] ||
        { show_run; false; }
}
