#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# `make install` / `make uninstall` into a scratch DESTDIR: the exact file list, each installed
# form run against a loopback listener, the man page, and the bash completion.

load helpers

setup() {
    [[ $TC_FORM == program ]] || skip "runs with TC_FORM=program (it installs every form)"
    DEST=$BATS_TEST_TMPDIR/dest
    mkdir -p "$DEST"
}

install_tree() {
    run make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr
    check_status 0
}

@test "make install: exactly the five files, with their modes" {
    install_tree
    local got want
    got=$(cd "$DEST" && find . -type f -printf '%m %p\n' | sort)
    want=$(printf '%s\n' \
        '644 ./usr/share/bash-completion/completions/tcpcheck' \
        '644 ./usr/share/man/man1/tcpcheck.1' \
        '755 ./usr/bin/tcpcheck' \
        '755 ./usr/bin/tcpcheck.sh' \
        '755 ./usr/lib/bash/tcpcheck' | sort)
    [[ $got == "$want" ]] || { echo "got:"; echo "$got"; echo "want:"; echo "$want"; false; }
}

@test "installed program: open 0, refused 1, with nc's words" {
    install_tree
    start_server hold
    run --separate-stderr "$DEST/usr/bin/tcpcheck" -v -w 2 127.0.0.1 "$PORT"
    check_status 0
    [[ $stderr == "Connection to 127.0.0.1 $PORT port [tcp/"*"] succeeded!" ]] || { show_run; false; }
    local free
    free=$(free_port)
    run --separate-stderr "$DEST/usr/bin/tcpcheck" -w 2 127.0.0.1 "$free"
    check_status 1
    [[ $stderr == "tcpcheck: connect to 127.0.0.1 port $free (tcp) failed: Connection refused" ]] ||
        { show_run; false; }
}

@test "installed builtin: enable -f tcpcheck through BASH_LOADABLES_PATH" {
    install_tree
    start_server hold
    local free
    free=$(free_port)
    BASH_LOADABLES_PATH=$DEST/usr/lib/bash run --separate-stderr builtin_bash -c '
        enable -f tcpcheck tcpcheck || exit 99
        declare -A st
        tcpcheck -q -w 2 -V st 127.0.0.1 "$1" "$2"
        echo "status $? open=${st[127.0.0.1:$1]} closed=${st[127.0.0.1:$2]}"
        type -t tcpcheck' bash "$PORT" "$free"
    check_status 0
    [[ $output == "status 1 open=open closed=refused"$'\n'builtin ]] || { show_run; false; }
}

@test "installed tcpcheck.sh: runs the installed program beside it" {
    install_tree
    start_server hold
    run --separate-stderr "$DEST/usr/bin/tcpcheck.sh" -w 2 127.0.0.1 "$PORT"
    check_status 0
    run --separate-stderr "$DEST/usr/bin/tcpcheck.sh" --version
    check_status 0
    [[ $output == "tcpcheck "* ]] || { show_run; false; }
}

@test "installed man page: renders without warnings and names every option" {
    need_cmd groff
    install_tree
    local page=$DEST/usr/share/man/man1/tcpcheck.1
    run groff -man -Tutf8 -ww -z "$page"
    check_status 0
    [[ -z $output ]] || { echo "groff warnings:"; echo "$output"; false; }
    local text letter
    text=$(groff -man -Tascii -P-c -P-b -P-u "$page" 2>/dev/null)
    for letter in 4 6 a H n q v z j w W i m c s S E V; do
        grep -qE -- "^ +-$letter( |,|$)" <<<"$text" || { echo "no entry for -$letter"; false; }
    done
}

@test "make uninstall: no file is left" {
    install_tree
    run make -s -C "$ROOT" uninstall DESTDIR="$DEST" PREFIX=/usr
    check_status 0
    local left
    left=$(find "$DEST" -type f)
    [[ -z $left ]] || { echo "left behind:"; echo "$left"; false; }
}

# ---- bash completion ----------------------------------------------------------------------

# `complete_words WORD...`: the candidates the installed completion offers for the last WORD.
complete_words() {
    run bash -c '
        source "$1" || exit 99
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _tcpcheck
        printf "%s\n" "${COMPREPLY[@]}"' bash \
        "$DEST/usr/share/bash-completion/completions/tcpcheck" "$@"
    check_status 0
}

@test "completion: options after tcpcheck" {
    install_tree
    complete_words tcpcheck -
    grep -qx -- -w <<<"$output" || { show_run; false; }
    grep -qx -- -W <<<"$output" || { show_run; false; }
    grep -qx -- -j <<<"$output" || { show_run; false; }
    complete_words tcpcheck -W
    [[ $output == -W ]] || { show_run; false; }
}

@test "completion: host names from /etc/hosts for a target" {
    install_tree
    complete_words tcpcheck localh
    grep -qx localhost <<<"$output" || { show_run; false; }
}

@test "completion: service names for the port word after a host" {
    [[ -r /etc/services ]] && grep -q '^https[[:space:]]' /etc/services || skip "no /etc/services"
    install_tree
    complete_words tcpcheck db htt
    grep -qx https <<<"$output" || { show_run; false; }
    complete_words tcpcheck -w 2 db htt
    grep -qx https <<<"$output" || { show_run; false; }
    # "db:" split by COMP_WORDBREAKS into db, ":", the partial service
    complete_words tcpcheck db : htt
    grep -qx https <<<"$output" || { show_run; false; }
    # no options after a target
    complete_words tcpcheck db 80 -
    ! grep -qx -- -w <<<"$output" || { show_run; false; }
}

@test "completion: nothing offered for the argument of -w" {
    install_tree
    complete_words tcpcheck -w ''
    [[ -z $output ]] || { show_run; false; }
}

@test "completion: registered for tcpcheck and tcpcheck.sh" {
    install_tree
    run bash -c 'source "$1"; complete -p tcpcheck tcpcheck.sh' bash \
        "$DEST/usr/share/bash-completion/completions/tcpcheck"
    check_status 0
    [[ $output == *"-F _tcpcheck tcpcheck"* && $output == *"-F _tcpcheck tcpcheck.sh"* ]] ||
        { show_run; false; }
}
