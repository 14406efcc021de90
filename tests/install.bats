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

@test "make install: exactly these files, with their modes, and the completion link" {
    install_tree
    local got want
    got=$(cd "$DEST" && find . -not -type d -printf '%m %y %p %l\n' | sort)
    want=$(printf '%s\n' \
        '644 f ./usr/share/bash-completion/completions/tcpcheck ' \
        '777 l ./usr/share/bash-completion/completions/tcpcheck.sh tcpcheck' \
        '644 f ./usr/share/man/man1/tcpcheck.1 ' \
        '755 f ./usr/bin/tcpcheck ' \
        '755 f ./usr/share/tcpcheck/tcpcheck.sh ' \
        '644 f ./usr/lib/bash/tcpcheck ' | sort)
    [[ $got == "$want" ]] || { echo "got:"; echo "$got"; echo "want:"; echo "$want"; false; }
}

@test "make install: the program and the builtin are stripped" {
    install_tree
    local f
    for f in "$DEST/usr/bin/tcpcheck" "$DEST/usr/lib/bash/tcpcheck"; do
        run readelf -S --wide "$f"
        check_status 0
        [[ $output != *" .symtab "* && $output != *" .debug_info "* ]] ||
            { echo "$f is not stripped"; show_run; false; }
    done
}

@test "make install: the man page and the sh fallback carry the version of debian/changelog" {
    install_tree
    grep -qx ".TH TCPCHECK 1 \"[0-9]*\" \"tcpcheck $TC_RELEASE\" \"User Commands\"" \
        "$DEST/usr/share/man/man1/tcpcheck.1"
    ! grep -q @VERSION@ "$DEST/usr/share/man/man1/tcpcheck.1" "$DEST/usr/share/tcpcheck/tcpcheck.sh"
    # No program beside it, in ../build or on PATH: the fallback answers itself.
    run --separate-stderr env PATH=/nonexistent /bin/sh "$DEST/usr/share/tcpcheck/tcpcheck.sh" --version
    check_status 0
    [[ $output == "tcpcheck $TC_RELEASE (sh fallback)" ]] || { show_run; false; }
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

@test "installed tcpcheck.sh: runs the installed program found on PATH" {
    install_tree
    start_server hold
    PATH=$DEST/usr/bin:$PATH run --separate-stderr "$DEST/usr/share/tcpcheck/tcpcheck.sh" -w 2 127.0.0.1 "$PORT"
    check_status 0
    PATH=$DEST/usr/bin:$PATH run --separate-stderr "$DEST/usr/share/tcpcheck/tcpcheck.sh" --version
    check_status 0
    [[ $output == "tcpcheck $TC_RELEASE" ]] || { show_run; false; }
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

@test "make uninstall: no file is left, nor a directory install created" {
    install_tree
    run make -s -C "$ROOT" uninstall DESTDIR="$DEST" PREFIX=/usr
    check_status 0
    local left
    left=$(find "$DEST" -mindepth 1)
    [[ -z $left ]] || { echo "left behind:"; echo "$left"; false; }
}

@test "make uninstall: a directory that was there before stays, even empty" {
    mkdir -p "$DEST/usr/bin" "$DEST/usr/share/man"
    install_tree
    run make -s -C "$ROOT" uninstall DESTDIR="$DEST" PREFIX=/usr
    check_status 0
    local left
    left=$(cd "$DEST" && find . -mindepth 1 | sort)
    [[ $left == $'./usr\n./usr/bin\n./usr/share\n./usr/share/man' ]] || { echo "left: $left"; false; }
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

@test "completion: -V offers the caller's associative arrays, not bash's own" {
    install_tree
    run bash -c '
        source "$1" || exit 99
        declare -A mine=([a]=1) BASH_LIKE_MINE=()
        declare -a indexed=(1)
        COMP_WORDS=(tcpcheck -V "")
        COMP_CWORD=2
        _tcpcheck
        printf "%s\n" "${COMPREPLY[@]}" | sort' bash \
        "$DEST/usr/share/bash-completion/completions/tcpcheck"
    check_status 0
    [[ $output == mine ]] || { show_run; false; }
}

@test "completion: bash-completion loads it on demand for tcpcheck and tcpcheck.sh" {
    [[ -r /usr/share/bash-completion/bash_completion ]] || skip "bash-completion is not installed (make deps)"
    install_tree
    local cmd
    for cmd in tcpcheck tcpcheck.sh "$DEST/usr/share/tcpcheck/tcpcheck.sh"; do
        run bash -c '
            source /usr/share/bash-completion/bash_completion || exit 99
            XDG_DATA_DIRS=$1/usr/share
            BASH_COMPLETION_USER_DIR=$1/nonexistent
            complete -p "${2##*/}" 2>/dev/null && exit 98 # not loaded before it is asked for
            _completion_loader "$2"
            echo "loader: $?"
            complete -p "${2##*/}"
            COMP_WORDS=("$2" -)
            COMP_CWORD=1
            _tcpcheck
            printf "%s\n" "${COMPREPLY[@]}"' bash "$DEST" "$cmd"
        check_status 0
        [[ ${lines[0]} == "loader: 124" && ${lines[1]} == "complete -F _tcpcheck ${cmd##*/}" ]] ||
            { echo "$cmd"; show_run; false; }
        grep -qx -- -W <<<"$output" || { echo "$cmd"; show_run; false; }
    done
}
