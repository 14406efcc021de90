#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian package (`make deb`): built, checked by lintian, installed with `dpkg -i`, each form
# used from where the package put it, removed with `dpkg -r`, and nothing left behind.  And the
# builtin's refusal to be enabled in a bash of another release than the one it was built for.
#
# dpkg runs in a mount namespace of its own, with /usr, /etc and /var as overlays whose upper
# layers live in the test's directory: the install and the removal are real, but nobody else on
# the machine (other suites running beside this one) ever sees the package.

load helpers

setup() {
    [[ $TC_FORM == program ]] || skip "runs with TC_FORM=program (it uses every form itself)"
}

need_package_tools() {
    [[ $EUID -eq 0 ]] || skip "needs root (dpkg -i, mount namespaces)"
    need_cmd dpkg-buildpackage
    need_cmd lintian
    need_cmd unshare
    grep -qw overlay /proc/filesystems || skip "no overlay file system"
}

# `build_deb`: make deb; sets DEB to the package file.  The command line's make variables (a
# SANITIZE=1 run) stay out of it: the package is what users get.
build_deb() {
    run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$ROOT" deb BUILD="$BATS_TEST_TMPDIR/build"
    check_status 0
    DEB=$BATS_TEST_TMPDIR/build/deb/tcpcheck_${TC_RELEASE}_$(dpkg --print-architecture).deb
    [[ -f $DEB ]] || { echo "no $DEB"; show_run; false; }
}

# `in_overlay SCRIPT ARGS...`: bash SCRIPT in a new mount namespace whose /usr, /etc and /var
# are overlays (writes go to the test's directory).
in_overlay() {
    local script=$1 d
    shift
    for d in usr etc var; do
        mkdir -p "$BATS_TEST_TMPDIR/ovl/$d/up" "$BATS_TEST_TMPDIR/ovl/$d/work"
    done
    unshare -m bash -c 'set -e
        mount --make-rprivate /
        for d in usr etc var; do
            mount -t overlay overlay \
                -o "lowerdir=/$d,upperdir=$OVL/$d/up,workdir=$OVL/$d/work" "/$d"
        done
        set +e
        eval "$1"' in_overlay "$script" "$@"
}

@test "make deb: lintian finds no error; the package holds the three forms, man page, completion" {
    need_package_tools
    build_deb
    [[ $output != *"E: "* ]] || { show_run; false; }
    local files
    files=$(dpkg-deb -c "$DEB" | awk '{ l = $1 " " $6; if (NF > 6) l = l " " $7 " " $8; print l }')
    local want
    for want in '-rwxr-xr-x ./usr/bin/tcpcheck' '-rw-r--r-- ./usr/lib/bash/tcpcheck' \
        '-rwxr-xr-x ./usr/share/tcpcheck/tcpcheck.sh' '-rw-r--r-- ./usr/share/man/man1/tcpcheck.1.gz' \
        '-rw-r--r-- ./usr/share/bash-completion/completions/tcpcheck' \
        'lrwxrwxrwx ./usr/share/bash-completion/completions/tcpcheck.sh -> tcpcheck' \
        '-rw-r--r-- ./usr/share/doc/tcpcheck/copyright'; do
        grep -qxF -- "$want" <<<"$files" || { echo "missing: $want"; echo "$files"; false; }
    done
    ! grep -q '/usr/bin/tcpcheck.sh' <<<"$files"
    # The version of debian/changelog; bash of the release the builtin was built for.
    [[ $(dpkg-deb -f "$DEB" Version) == "$TC_RELEASE" ]]
    local release
    release=$(awk -F'"' '/define DISTVERSION/ { print $2 }' /usr/include/bash/version.h)
    [[ $(dpkg-deb -f "$DEB" Depends) == *"bash (>= $release), bash (<< "* ]] ||
        { dpkg-deb -f "$DEB" Depends; false; }
    # Stripped: the debug information is in the -dbgsym package.
    local tmp=$BATS_TEST_TMPDIR/x
    dpkg-deb -x "$DEB" "$tmp"
    run file "$tmp/usr/bin/tcpcheck" "$tmp/usr/lib/bash/tcpcheck"
    [[ $output == *"tcpcheck: "*", stripped"*"tcpcheck: "*", stripped"* ]] || { show_run; false; }
    ls "${DEB%/*}"/tcpcheck-dbgsym_"$TC_RELEASE"_*.*deb
}

@test "package: dpkg -i, every form from its installed place, dpkg -r leaves nothing" {
    need_package_tools
    if dpkg-query -W -f='${Status}' tcpcheck 2>/dev/null | grep -q ' installed$'; then
        skip "tcpcheck is installed on this machine"
    fi
    build_deb
    start_server hold
    local free
    free=$(free_port)
    OVL=$BATS_TEST_TMPDIR/ovl DEB=$DEB PORT=$PORT FREE=$free RELEASE=$TC_RELEASE \
        run --separate-stderr in_overlay '
        export OVL DEB PORT FREE RELEASE
        snapshot() { find /usr /etc -xdev | sort; }
        snapshot >"$OVL/before"
        dpkg -i "$DEB" >"$OVL/dpkg-i.log" 2>&1 || { cat "$OVL/dpkg-i.log"; exit 10; }
        echo "installed: $(dpkg-query -W -f="\${Version} \${Status}" tcpcheck)"

        # The program, from /usr/bin on PATH.
        tcpcheck --version
        tcpcheck -v -w 2 127.0.0.1 "$PORT" 2>&1; echo "program open: $?"
        tcpcheck -w 2 127.0.0.1 "$FREE" 2>&1; echo "program refused: $?"

        # The builtin, by name: bash finds /usr/lib/bash/tcpcheck with no BASH_LOADABLES_PATH.
        env -u BASH_LOADABLES_PATH bash -c '\''
            enable -f tcpcheck tcpcheck || exit 99
            declare -A st
            tcpcheck -q -w 2 -V st 127.0.0.1 "$PORT" "$FREE"
            echo "builtin: $? $(type -t tcpcheck) ${st[127.0.0.1:$PORT]} ${st[127.0.0.1:$FREE]}"'\''

        # The sh fallback: it runs the program from PATH, and answers --version itself without.
        sh /usr/share/tcpcheck/tcpcheck.sh -w 2 127.0.0.1 "$PORT"; echo "sh open: $?"
        sh /usr/share/tcpcheck/tcpcheck.sh -w 2 127.0.0.1 "$FREE" 2>&1; echo "sh refused: $?"
        env PATH=/nonexistent /bin/sh /usr/share/tcpcheck/tcpcheck.sh --version

        # The man page and the completion, where man and bash-completion look.
        man -w tcpcheck
        if [ -r /usr/share/bash-completion/bash_completion ]; then
            bash -c '\''source /usr/share/bash-completion/bash_completion
                _completion_loader tcpcheck.sh; complete -p tcpcheck.sh'\''
        else
            echo "complete -F _tcpcheck tcpcheck.sh (bash-completion not installed)"
        fi

        dpkg -r tcpcheck >"$OVL/dpkg-r.log" 2>&1 || { cat "$OVL/dpkg-r.log"; exit 11; }
        echo "removed: $(dpkg-query -W -f="\${Status}" tcpcheck 2>&1)"
        snapshot >"$OVL/after"
        if ! diff "$OVL/before" "$OVL/after"; then echo "left behind"; exit 12; fi
        ls /var/lib/dpkg/info/tcpcheck.* 2>/dev/null && exit 13
        echo "nothing left"'
    check_status 0
    # One glob pattern per line of output.
    local want=(
        "installed: $TC_RELEASE install ok installed"
        "tcpcheck $TC_RELEASE"
        "Connection to 127.0.0.1 $PORT port \[tcp/*\] succeeded!"
        "program open: 0"
        "tcpcheck: connect to 127.0.0.1 port $free (tcp) failed: Connection refused"
        "program refused: 1"
        "builtin: 1 builtin open refused"
        "sh open: 0"
        "tcpcheck: connect to 127.0.0.1 port $free (tcp) failed: Connection refused"
        "sh refused: 1"
        "tcpcheck $TC_RELEASE (sh fallback)"
        "/usr/share/man/man1/tcpcheck.1.gz"
        "complete -F _tcpcheck tcpcheck.sh"
        "removed: *"
        "nothing left"
    )
    local i
    for i in "${!want[@]}"; do
        [[ ${lines[i]-} == ${want[i]} ]] || { echo "line $i: want ${want[i]}"; show_run; false; }
    done
    ((${#lines[@]} == ${#want[@]})) || { show_run; false; }
    # dpkg forgets a removed package with no conffiles, or keeps it as not installed.
    [[ ${lines[13]} != *" installed" ]] || { show_run; false; }
}

# ---- the builtin and the bash release ----------------------------------------------------

@test "builtin: refuses, in its own line, to be enabled in a bash of another release" {
    [[ -d $ROOT/build/obj ]] || skip "no build/obj: run make"
    # The same builtin, compiled to expect bash 4.4: the engine's objects are reused, the glue
    # is compiled again.
    local b=$BATS_TEST_TMPDIR/b
    mkdir -p "$b/obj"
    cp -p "$ROOT"/build/obj/*.o "$b/obj/"
    rm -f "$b/obj/bash_builtin.o"
    run env -u MAKEFLAGS make -s -C "$ROOT" BUILD="$b" SANITIZE="${TC_SANITIZE:-}" \
        CFLAGS='-DTC_BASH_RELEASE=\"4.4\"' "$b/tcpcheck.so"
    check_status 0

    run --separate-stderr builtin_bash -c '
        enable -f "$1" tcpcheck
        echo "enable: $?"
        echo "type: $(type -t tcpcheck)"
        echo "the shell goes on"' bash "$b/tcpcheck.so"
    check_status 0
    [[ $output == $'enable: 1\ntype: \nthe shell goes on' ]] || { show_run; false; }
    local release
    release=$(bash -c 'echo "${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}.${BASH_VERSINFO[2]}"')
    [[ ${stderr_lines[0]} == "bash: line 2: enable: tcpcheck: built for bash 4.4, this is bash $release: not loaded" ]] ||
        { show_run; false; }
    # bash adds its own line after ours, and that is all.
    ((${#stderr_lines[@]} == 2)) && [[ ${stderr_lines[1]} == *"not loaded" ]] || { show_run; false; }

    # The builtin built for this bash loads.
    run --separate-stderr builtin_bash -c 'enable -f "$1" tcpcheck && type -t tcpcheck' bash "$TC_SO"
    check_status 0
    [[ $output == builtin && -z $stderr ]] || { show_run; false; }
}
