#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# One option set everywhere: the form's help (`--help` / `help tcpcheck`), the man page's
# SYNOPSIS, the bash completion and the sh fallback's getopts string name the same options, and
# the same ones take an argument (tcpcheck(1), SYNOPSIS and OPTIONS).  The option table in
# engine/options.c is the source; everything here is read from what ships.
#
# Each reader prints one line per option, sorted: the letter, then ':' when it takes an argument
# (getopts' notation).

load helpers

MAN=$ROOT/doc/tcpcheck.1
COMPLETION=$ROOT/doc/tcpcheck.bash-completion
FALLBACK=$ROOT/shell/tcpcheck.sh
# The fallback's getopts string in 1.0, before it learnt version 2's options.
FALLBACK_V1=':aqvzHw:W:i:m:c:46nS:E:s:jV:'

# Option lines of a help text: "  -w SECS     ..." and "  -q          ...".
from_help() {
    sed -nE 's/^ *-([A-Za-z0-9])( [A-Z]+)?  .*/\1\2/p' | sed -E 's/ [A-Z]+$/:/' | sort
}

# The items of a synopsis line: "[-46aCHnqRvz]" is flags, "[-w SECS]" an option with an
# argument, "[-j]" a flag.
from_synopsis() {
    grep -oE '\[-[A-Za-z0-9]+( [A-Z]+)?\]' | tr -d '[]' | while read -r word arg; do
        if [[ -n $arg ]]; then
            echo "${word#-}:"
        else
            grep -o . <<<"${word#-}"
        fi
    done | sort
}

# The man page's SYNOPSIS, rebuilt as a line: ".OP \-w SECS" is "[-w SECS]".
man_synopsis() {
    sed -n '/^\.SH SYNOPSIS/,/^\.YS/p' "$MAN" | sed -nE 's/^\.OP \\-([A-Za-z0-9]+)( (.*))?$/[-\1\2]/p' |
        tr '\n' ' ' | sed 's/ $//'
}

# The completion's option list and the letters whose argument it skips.
from_completion() {
    local list args
    list=$(sed -nE "s/^_tcpcheck_options='(.*)'$/\1/p" "$COMPLETION")
    args=$(sed -nE 's/^ *-\*\[([A-Za-z0-9]+)\]\) *$/\1/p' "$COMPLETION" | head -1)
    [[ -n $list && -n $args ]] || { echo "completion: option list or argument letters not found" >&2; return 1; }
    for word in $list; do
        [[ $word == --* ]] && continue
        letter=${word#-}
        if [[ $args == *"$letter"* ]]; then echo "$letter:"; else echo "$letter"; fi
    done | sort
}

fallback_opts() {
    sed -nE 's/^opts=([^ ]*)$/\1/p' "$FALLBACK" | head -1
}

from_getopts() {
    local s=${1#:} i
    for ((i = 0; i < ${#s}; i++)); do
        if [[ ${s:i+1:1} == : ]]; then
            echo "${s:i:1}:"
            ((i++))
        else
            echo "${s:i:1}"
        fi
    done | sort
}

# `same NAME WANT GOT`: the two sets are equal, or the difference is shown.
same() {
    if [[ $2 != "$3" ]]; then
        echo "$1 differs from the man page's synopsis:"
        diff <(echo "$2") <(echo "$3") || true
        return 1
    fi
}

form_help() {
    if [[ $TC_FORM == builtin ]]; then
        builtin_bash -c 'enable -f "$1" tcpcheck && help tcpcheck' bash "$TC_SO"
    else
        "$TC" --help
    fi
}

@test "the man page's SYNOPSIS names every option once" {
    all=$(man_synopsis | from_synopsis)
    [[ -n $all ]]
    [[ -z $(uniq -d <<<"$all") ]] || { echo "twice: $(uniq -d <<<"$all")"; false; }
    # the version-2 options are there, with their arguments
    for o in C R k: x: w: W: i: V:; do
        grep -qx -- "$o" <<<"$all" || { echo "missing: $o"; false; }
    done
}

@test "the form's help lists the same options as the man page" {
    want=$(man_synopsis | from_synopsis)
    got=$(form_help | from_help)
    if [[ $TC_FORM == program ]]; then
        # -V is the builtin's alone: the program's help leaves it out
        want=$(grep -vx 'V:' <<<"$want")
    fi
    same "the $TC_FORM's help" "$want" "$got"
}

@test "the form's synopsis is the man page's, in the same order" {
    want=$(man_synopsis)
    if [[ $TC_FORM == builtin ]]; then
        got=$(form_help | head -1)
        want="tcpcheck: tcpcheck $want TARGET..."
    else
        got=$("$TC" --help | sed -n '1,/TARGET/p' | tr -s ' \n' ' ' | sed 's/ $//')
        want="Usage: tcpcheck ${want/ \[-V NAME\]/} TARGET... [-- COMMAND [ARG...]]"
    fi
    [[ $got == "$want" ]] || { printf 'want: %s\ngot:  %s\n' "$want" "$got"; false; }
}

@test "the bash completion offers the same options as the man page" {
    same "the completion" "$(man_synopsis | from_synopsis)" "$(from_completion)"
}

@test "the sh fallback's getopts string names the same options as the man page" {
    opts=$(fallback_opts)
    [[ -n $opts ]] || { echo "no opts= line in $FALLBACK"; false; }
    if [[ $opts == "$FALLBACK_V1" ]]; then
        skip "shell/tcpcheck.sh still has 1.0's options ($opts): the fallback's own branch adds version 2's"
    fi
    same "the sh fallback" "$(man_synopsis | from_synopsis)" "$(from_getopts "$opts")"
}

@test "the sh fallback's own --help has the man page's synopsis (without the builtin's -V)" {
    # a copy away from build/ and a PATH without the program: the fallback answers itself
    mkdir -p "$BATS_TEST_TMPDIR/alone"
    cp "$FALLBACK" "$BATS_TEST_TMPDIR/alone/tcpcheck.sh"
    run env PATH=/nonexistent "$(command -v sh)" "$BATS_TEST_TMPDIR/alone/tcpcheck.sh" --help
    check_status 0
    [[ $output == *"sh fallback"* ]] || { show_run; false; }
    got=$(sed -n '1,/TARGET/p' <<<"$output" | tr -s ' \n' ' ' | sed 's/ $//')
    want=$(man_synopsis)
    want="Usage: tcpcheck ${want/ \[-V NAME\]/} TARGET... [-- COMMAND [ARG...]]"
    [[ $got == "$want" ]] || { printf 'want: %s\ngot:  %s\n' "$want" "$got"; false; }
}

@test "every option of the synopsis has its own entry in OPTIONS" {
    sect=$(sed -n '/^\.SH OPTIONS/,/^\.SH STATES/p' "$MAN")
    for o in $(man_synopsis | from_synopsis); do
        letter=${o%:}
        grep -qE "^\.(B|BI) \\\\-$letter( |$)" <<<"$sect" || { echo "no OPTIONS entry for -$letter"; false; }
    done
}

# `complete_words WORD...`: the candidates the completion offers for the last WORD.
complete_words() {
    run bash -c '
        source "$1" || exit 99
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _tcpcheck
        printf "%s\n" "${COMPREPLY[@]}"' bash "$COMPLETION" "$@"
    check_status 0
}

@test "completion: -x offers the proxy schemes, whole or after a split ':'" {
    complete_words tcpcheck -x ''
    [[ $output == $'socks5://\nsocks5h://\nhttp://' ]] || { show_run; false; }
    complete_words tcpcheck -vx socks5h
    [[ $output == socks5h:// ]] || { show_run; false; }
    # ':' in COMP_WORDBREAKS: "socks5:" arrives as socks5 and ":", and only ":" is replaced
    complete_words tcpcheck -x socks5 :
    [[ $output == :// ]] || { show_run; false; }
    complete_words tcpcheck -x socks5 : //proxy
    [[ -z $output ]] || { show_run; false; }
}

@test "completion: a split proxy URL is one argument, the target after it still completes" {
    [[ -r /etc/services ]] && grep -q '^https[[:space:]]' /etc/services || skip "no /etc/services"
    complete_words tcpcheck -x socks5h : //proxy : 1080 db htt
    grep -qx https <<<"$output" || { show_run; false; }
    grep -q '^127\.0\.0\.1.*localhost' /etc/hosts || skip "no localhost in /etc/hosts"
    complete_words tcpcheck -k 3 -x http : //proxy : 3128 -R localh
    grep -qx localhost <<<"$output" || { show_run; false; }
}

@test "completion: nothing offered for -k's count, the new flags offered" {
    complete_words tcpcheck -k ''
    [[ -z $output ]] || { show_run; false; }
    complete_words tcpcheck -
    for o in -C -R -k -x; do
        grep -qx -- "$o" <<<"$output" || { echo "missing $o"; show_run; false; }
    done
}
