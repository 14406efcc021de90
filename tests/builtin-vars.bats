#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-3.0-or-later
# -V NAME on every variable bash 5.2 gives a meaning to (tcpcheck(1), THE BASH BUILTIN): the
# names of bash(1)'s "Shell Variables", the hooks of special_vars[] in bash's variables.c, and
# the variables bash computes.  Each one in a fresh bash: the variable as a script would have it,
# `tcpcheck -V NAME`, then a use of the variable that makes bash read it (word splitting for IFS,
# a command search for PATH, `history` for HIST*, a locale-dependent length for LC_*, ...) and
# a check that bash did what it must: for a refused name, what it did before; for an accepted
# one, what it does with the variable unset (bash's hook ran, as for `declare -A NAME`).
#
# Under `make check SANITIZE=1` every one of these bashes runs with ASan preloaded (helpers'
# TC_BUILTIN_ENV), so a use-after-free in bash after -V (1.0's `-V IFS`) aborts the test there.
# Nameref chains and the other names -V refuses before anything is probed are at the end.

load helpers

TC_FORM=builtin # messages carry bash's prefix (helpers' expect_usage)

setup() {
    [[ -f $TC_SO ]] || {
        echo "$TC_SO is missing: run make"
        return 1
    }
    LO=$(random_lo)
    start_server -a "$LO" hold
    OPEN=$PORT OPEN_OUT=$SERVER_OUT
    mkdir -p "$BATS_TEST_TMPDIR/work"
}

# `var_case NAME VERDICT SETUP USE`: in a fresh bash (only PATH, HOME and TERM from outside),
# run SETUP, then `tcpcheck -q -V NAME`, which must store the results (VERDICT array) or refuse
# the name with status 2, leaving its attributes alone (VERDICT refused); then USE must succeed.
var_case() {
    local name=$1 verdict=$2 setup=$3 use=$4 script
    script='enable -f "$TC_SO" tcpcheck || exit 99
cd "$WORK" || exit 98
'"$setup"'
before=$(declare -p '"$name"' 2>/dev/null)
tcpcheck -q -V '"$name"' "$LO" "$OPEN"
rc=$?
after=$(declare -p '"$name"' 2>/dev/null)
case $rc in
0) [[ ${'"$name"'@a} == *A* && ${'"$name"'["$LO:$OPEN"]} == open ]] ||
       { echo "not the array of results: $after"; exit 1; }
   verdict=array ;;
2) [[ ${before%%=*} == "${after%%=*}" ]] || { echo "a refused -V changed it: $before -> $after"; exit 1; }
   verdict=refused ;;
*) echo "tcpcheck returned $rc"; exit 1 ;;
esac
{ '"$use"'
} || { echo "the use after -V failed (verdict $verdict): $(declare -p '"$name"' 2>&1)"; exit 1; }
echo "verdict=$verdict"'
    run --separate-stderr env -i PATH=/usr/bin:/bin HOME="$BATS_TEST_TMPDIR" TERM=dumb \
        TC_SO="$TC_SO" LO="$LO" OPEN="$OPEN" WORK="$BATS_TEST_TMPDIR/work" \
        "${TC_BUILTIN_ENV[@]}" bash -c "$script" 3>&-
    if [[ $status != 0 || ${lines[-1]-} != "verdict=$verdict" ]]; then
        echo "-V $name: want verdict $verdict"
        show_run
        return 1
    fi
    if [[ $verdict == refused && $stderr != *"tcpcheck: $name: "* ]]; then
        echo "-V $name: the refusal must name the variable"
        show_run
        return 1
    fi
}

# `var_table`: rows "NAME @@ VERDICT @@ SETUP @@ USE" on stdin, one var_case each; all run, then
# the test fails if any failed.
var_table() {
    local name verdict setup use failed=0 n=0
    while IFS= read -r line; do
        [[ -z $line || $line == '#'* ]] && continue
        name=${line%% @@ *} line=${line#* @@ }
        verdict=${line%% @@ *} line=${line#* @@ }
        setup=${line%% @@ *} use=${line#* @@ }
        ((++n))
        var_case "$name" "$verdict" "$setup" "$use" || failed=1
    done
    echo "# $n variables" >&3
    ((n > 0 && failed == 0))
}

@test "-V on the variables with a hook in bash's special_vars[]: the hook runs, or the name is refused" {
    var_table <<'EOF'
BASH_COMPAT @@ refused @@ BASH_COMPAT=44 @@ shopt -q compat44
BASH_XTRACEFD @@ refused @@ exec 7>xtrace; BASH_XTRACEFD=7 @@ set -x; : marker; set +x; grep -q marker xtrace
CHILD_MAX @@ array @@ CHILD_MAX=64 @@ (exit 3) & wait $!; [[ $? == 3 ]]
COMP_WORDBREAKS @@ refused @@ : @@ [[ $COMP_WORDBREAKS == *=* ]]
EXECIGNORE @@ array @@ EXECIGNORE='*/cat'; hash -r @@ hash -r; [[ $(type -P cat) == */cat ]]
FUNCNEST @@ refused @@ FUNCNEST=5 @@ f() { echo >>depth; f; }; (f) 2>/dev/null; [[ $(wc -l <depth) == 5 ]]
GLOBIGNORE @@ array @@ mkdir g; : >g/a; : >g/b; GLOBIGNORE=g/a @@ set -- g/*; [[ $* == "g/a g/b" ]]
HISTCONTROL @@ array @@ HISTCONTROL=ignorespace; set -o history @@ history -s ' x'; [[ $(history 1) == *' x' ]]
HISTFILESIZE @@ array @@ HISTFILE=$PWD/h; HISTFILESIZE=1; set -o history @@ history -s a; history -s b; history -w; [[ $(wc -l <h) -ge 2 ]]
HISTIGNORE @@ array @@ HISTIGNORE=x; set -o history @@ history -s x; [[ $(history 1) == *x ]]
HISTSIZE @@ array @@ HISTSIZE=2; set -o history; history -s a; history -s b; history -s c @@ history -s d; history -s e; [[ $(history | wc -l) -gt 2 ]]
HISTTIMEFORMAT @@ refused @@ HISTFILE=$PWD/h; set -o history @@ history -s a; history -w; ! grep -q '^#[0-9]' h
HOSTFILE @@ array @@ HOSTFILE=/nonexistent @@ [[ $(compgen -A hostname) == *localhost* ]]
IFS @@ refused @@ IFS=$' \t\n' @@ x='a b  c'; set -- $x; [[ $# == 3 && $2 == b ]]
IGNOREEOF @@ refused @@ IGNOREEOF=3 @@ [[ -o ignoreeof ]]
ignoreeof @@ refused @@ ignoreeof=3 @@ [[ -o ignoreeof ]]
LANG @@ array @@ LANG=C.UTF-8; x=é; [[ ${#x} == 1 ]] @@ [[ ${#x} == 2 ]]
LC_ALL @@ array @@ LC_ALL=C.UTF-8; x=é; [[ ${#x} == 1 ]] @@ [[ ${#x} == 2 ]]
LC_COLLATE @@ array @@ LC_COLLATE=C.UTF-8 @@ [[ a < b && B < a ]]
LC_CTYPE @@ array @@ LC_CTYPE=C.UTF-8; x=é; [[ ${#x} == 1 ]] @@ [[ ${#x} == 2 ]]
LC_MESSAGES @@ array @@ LC_MESSAGES=C.UTF-8 @@ [[ $(type no-such-command 2>&1) == *'not found'* ]]
LC_NUMERIC @@ array @@ LC_NUMERIC=C.UTF-8 @@ [[ $(printf '%.1f' 1.5) == 1.5 ]]
LC_TIME @@ array @@ LC_TIME=C.UTF-8 @@ [[ $(TZ=UTC0 printf '%(%Y)T' 0) == 1970 ]]
MAIL @@ array @@ MAIL=$PWD/mbox @@ [[ -z ${MAIL-} ]]
MAILCHECK @@ array @@ MAILCHECK=0 @@ [[ -z ${MAILCHECK-} ]]
MAILPATH @@ array @@ MAILPATH=$PWD/mbox @@ [[ -z ${MAILPATH-} ]]
OPTERR @@ array @@ OPTERR=0 @@ [[ -n $(getopts a o -z 2>&1) ]]
OPTIND @@ array @@ set -- -x; getopts x o @@ set -- -a -b; s=; while getopts ab o; do s+=$o; done; [[ $s == ab ]]
PATH @@ refused @@ hash -r @@ cat </dev/null && [[ $(type -P cat) == */cat ]]
POSIXLY_CORRECT @@ refused @@ : @@ [[ ! -o posix ]]
TERM @@ array @@ TERM=dumb @@ [[ -z ${TERM-} ]]
TERMCAP @@ array @@ TERMCAP=x @@ [[ -z ${TERMCAP-} ]]
TERMINFO @@ array @@ TERMINFO=/nonexistent @@ [[ -z ${TERMINFO-} ]]
TEXTDOMAIN @@ array @@ TEXTDOMAIN=bash @@ [[ $"hello" == hello ]]
TEXTDOMAINDIR @@ array @@ TEXTDOMAINDIR=/nonexistent @@ [[ $"hello" == hello ]]
TZ @@ array @@ export TZ=XYZ-5; [[ $(printf '%(%z)T' 0) == +0500 ]] @@ [[ $(printf '%(%z)T' 0) != +0500 && $(env) != *TZ=* ]]
histchars @@ array @@ histchars=%; set -o history; history -s 'echo hi' @@ [[ $(history -p '!!') != '!!' ]]
EOF
}

@test "-V on a variable bash computes, or keeps readonly or as an indexed array: refused, still working" {
    var_table <<'EOF'
BASH_ALIASES @@ refused @@ shopt -s expand_aliases; alias hi=true @@ [[ ${BASH_ALIASES[hi]} == true ]] && ! alias "$LO:$OPEN" 2>/dev/null
BASH_ARGC @@ refused @@ : @@ f() { [[ ${BASH_ARGC[0]} == 2 ]]; }; shopt -s extdebug; f a b
BASH_ARGV @@ refused @@ : @@ f() { [[ ${BASH_ARGV[0]} == b ]]; }; shopt -s extdebug; f a b
BASH_ARGV0 @@ refused @@ : @@ BASH_ARGV0=renamed; [[ $0 == renamed ]]
BASH_CMDS @@ refused @@ hash -p /bin/true t @@ [[ ${BASH_CMDS[t]} == /bin/true ]] && ! hash -t "$LO:$OPEN" 2>/dev/null
BASH_COMMAND @@ refused @@ : @@ [[ $BASH_COMMAND == *BASH_COMMAND* ]]
BASH_LINENO @@ refused @@ : @@ f() { [[ ${BASH_LINENO[0]} -gt 0 ]]; }; f
BASH_REMATCH @@ array @@ : @@ [[ ab =~ a(b) ]] && [[ ${BASH_REMATCH[1]} == b ]]
BASH_SOURCE @@ refused @@ : @@ f() { [[ ${#BASH_SOURCE[@]} == 1 ]]; }; f
BASH_SUBSHELL @@ refused @@ : @@ [[ $(echo "$BASH_SUBSHELL") == 1 ]]
BASH_VERSINFO @@ refused @@ : @@ [[ ${BASH_VERSINFO[0]} == 5 ]]
BASHOPTS @@ refused @@ : @@ shopt -s extglob; [[ $BASHOPTS == *extglob* ]]
BASHPID @@ refused @@ : @@ [[ $BASHPID == $$ && $(echo $BASHPID) != $$ ]]
DIRSTACK @@ refused @@ : @@ pushd / >/dev/null; [[ ${DIRSTACK[0]} == / ]]
EPOCHREALTIME @@ refused @@ : @@ [[ $EPOCHREALTIME =~ ^[0-9]+[.,][0-9]{6}$ ]]
EPOCHSECONDS @@ refused @@ : @@ [[ $EPOCHSECONDS =~ ^[0-9]{10}$ ]]
EUID @@ refused @@ : @@ [[ $EUID =~ ^[0-9]+$ ]]
FUNCNAME @@ refused @@ : @@ f() { [[ ${FUNCNAME[0]} == f ]]; }; f
GROUPS @@ refused @@ : @@ [[ ${GROUPS[0]} =~ ^[0-9]+$ ]]
HISTCMD @@ refused @@ set -o history @@ [[ $HISTCMD =~ ^[0-9]+$ ]]
LINENO @@ refused @@ : @@ [[ $LINENO -gt 1 ]]
PIPESTATUS @@ refused @@ : @@ false | true; [[ ${PIPESTATUS[*]} == "1 0" ]]
PPID @@ refused @@ : @@ [[ $PPID =~ ^[0-9]+$ ]]
RANDOM @@ refused @@ : @@ RANDOM=7; a=$RANDOM; RANDOM=7; [[ $RANDOM == "$a" ]]
SECONDS @@ refused @@ : @@ SECONDS=100; [[ $SECONDS -ge 100 ]]
SHELLOPTS @@ refused @@ : @@ set -o noglob; [[ $SHELLOPTS == *noglob* ]]
SRANDOM @@ refused @@ : @@ [[ $SRANDOM =~ ^[0-9]+$ && $SRANDOM != "$SRANDOM" ]]
UID @@ refused @@ : @@ [[ $UID =~ ^[0-9]+$ ]]
EOF
}

@test "-V on the other variables bash reads as strings or sets itself: refused, or an array bash copes with" {
    var_table <<'EOF'
_ @@ refused @@ : @@ : last; [[ $_ == last ]]
COMP_WORDS @@ refused @@ : @@ f() { COMPREPLY=(w); }; [[ $(compgen -F f x 2>/dev/null) == w ]]
COPROC @@ refused @@ : @@ coproc cat; echo hi >&"${COPROC[1]}"; read -r l <&"${COPROC[0]}"; [[ $l == hi ]]
READLINE_LINE @@ refused @@ : @@ [[ -z ${READLINE_LINE-} ]]
READLINE_MARK @@ refused @@ : @@ [[ -z ${READLINE_MARK-} ]]
READLINE_POINT @@ refused @@ : @@ [[ -z ${READLINE_POINT-} ]]
TMOUT @@ refused @@ TMOUT=0.2 @@ read -r x < <(sleep 2); [[ $? -gt 128 ]]
BASH @@ array @@ : @@ [[ -z ${BASH-} ]]
BASH_ENV @@ array @@ echo 'echo sourced' >env.sh; export BASH_ENV=$PWD/env.sh @@ [[ -z $(bash -c :) ]]
BASH_EXECUTION_STRING @@ array @@ : @@ [[ -z ${BASH_EXECUTION_STRING-} ]]
BASH_LOADABLES_PATH @@ array @@ : @@ enable -f "$TC_SO" tcpcheck 2>/dev/null; tcpcheck -q "$LO" "$OPEN"
BASH_VERSION @@ array @@ : @@ [[ -z ${BASH_VERSION-} ]]
CDPATH @@ array @@ mkdir -p d/sub; CDPATH=$PWD/d @@ ! cd sub 2>/dev/null && cd d/sub
COLUMNS @@ array @@ COLUMNS=80 @@ select x in a; do break; done <<<1 2>/dev/null; [[ $x == a ]]
COMP_CWORD @@ array @@ : @@ [[ -z ${COMP_CWORD-} ]]
COMP_KEY @@ array @@ : @@ [[ -z ${COMP_KEY-} ]]
COMP_LINE @@ array @@ : @@ [[ -z ${COMP_LINE-} ]]
COMP_POINT @@ array @@ : @@ [[ -z ${COMP_POINT-} ]]
COMP_TYPE @@ array @@ : @@ [[ -z ${COMP_TYPE-} ]]
COMPREPLY @@ array @@ : @@ f() { COMPREPLY[0]=w; }; [[ -z $(compgen -F f x 2>/dev/null) ]]
EMACS @@ array @@ : @@ [[ -z ${EMACS-} ]]
ENV @@ array @@ : @@ [[ -z ${ENV-} ]]
FCEDIT @@ array @@ FCEDIT=true; set -o history; history -s 'echo x' @@ fc -l >/dev/null
FIGNORE @@ array @@ FIGNORE=.o @@ [[ -z ${FIGNORE-} ]]
HISTFILE @@ array @@ HISTFILE=$PWD/h; set -o history @@ history -s a; ! history -w 2>/dev/null; [[ ! -e h ]]
HOME @@ array @@ : @@ ! cd 2>/dev/null; [[ ~ == /* ]]
HOSTNAME @@ array @@ : @@ [[ -z ${HOSTNAME-} ]]
HOSTTYPE @@ array @@ : @@ [[ -z ${HOSTTYPE-} ]]
INPUTRC @@ array @@ : @@ [[ -z ${INPUTRC-} ]]
INSIDE_EMACS @@ array @@ : @@ [[ -z ${INSIDE_EMACS-} ]]
LINES @@ array @@ LINES=24 @@ [[ -z ${LINES-} ]]
MACHTYPE @@ array @@ : @@ [[ -z ${MACHTYPE-} ]]
MAPFILE @@ array @@ : @@ ! mapfile <<<x 2>/dev/null; [[ ${MAPFILE@a} == A ]]
OLDPWD @@ array @@ cd / ; cd "$WORK" @@ cd /; cd - >/dev/null; [[ $PWD == "$WORK" ]]
OPTARG @@ array @@ : @@ getopts a: o -a v; [[ $OPTARG == v ]]
OSTYPE @@ array @@ : @@ [[ -z ${OSTYPE-} ]]
PROMPT_COMMAND @@ array @@ PROMPT_COMMAND=: @@ [[ -z ${PROMPT_COMMAND-} ]]
PROMPT_DIRTRIM @@ array @@ PROMPT_DIRTRIM=1; mkdir -p a/b; cd a/b @@ PS1='\w'; [[ ${PS1@P} == '~/work/a/b' ]]
PS0 @@ array @@ PS0=x @@ [[ -z ${PS0@P} ]]
PS1 @@ array @@ PS1=x @@ [[ -z ${PS1@P} ]]
PS2 @@ array @@ PS2=x @@ [[ -z ${PS2@P} ]]
PS3 @@ array @@ PS3=x @@ select x in a; do break; done <<<1 2>/dev/null; [[ $x == a ]]
PS4 @@ array @@ PS4=x @@ [[ $( (set -x; : y) 2>&1) == ': y' ]]
PWD @@ array @@ : @@ cd /; [[ $PWD == / && $(pwd) == / ]]
REPLY @@ array @@ : @@ read <<<x; [[ $REPLY == x ]]
SHELL @@ array @@ : @@ [[ -z ${SHELL-} ]]
SHLVL @@ array @@ : @@ [[ $(bash -c 'echo $SHLVL') == 1 ]]
TIMEFORMAT @@ array @@ TIMEFORMAT=x @@ [[ $( { time :; } 2>&1) == *real* ]]
TMPDIR @@ array @@ TMPDIR=/nonexistent @@ [[ $(cat <<<x) == x ]]
auto_resume @@ array @@ auto_resume=1 @@ [[ -z ${auto_resume-} ]]
EOF
}

# ---------------------------------------------------------------------------------------------
# Names -V refuses before anything is probed: usage error (status 2), one line, the variables
# as they were, no connection made.

# `refused SCRIPT_PREFIX NAME MESSAGE_GLOB VAR...`: after SCRIPT_PREFIX, -V NAME is a usage error
# whose line matches MESSAGE_GLOB; the VARs are as they were and the server saw no connection.
refused() {
    local prefix=$1 name=$2 glob=$3
    shift 3
    run --separate-stderr builtin_bash -c 'enable -f "$TC_SO" tcpcheck || exit 99
        '"$prefix"'
        before=$(declare -p '"$*"' 2>/dev/null)
        tcpcheck -V '"$name"' "$LO" "$OPEN"; rc=$?
        after=$(declare -p '"$*"' 2>/dev/null)
        [[ $before == "$after" ]] || echo "changed: $before -> $after"
        exit $rc' 3>&-
    expect_usage 2 || return 1
    expect_err_match "$glob" || return 1
    SERVER_OUT=$OPEN_OUT expect_no_conns
}

@test "-V: a nameref to an array element or a name that is not a variable is a usage error" {
    export LO OPEN TC_SO
    refused 'declare -n r=x[1]' r "r: a nameref to \`x?1?', which is not a variable name" r x
    refused 'declare -A a; declare -n r="a[k]"' r "r: a nameref to \`a?k?'*" a r
}

@test "-V: a circular chain of namerefs, or one longer than bash's 8, is a usage error" {
    export LO OPEN TC_SO
    refused 'declare -n a=b b=a' a "a: circular name reference*" a b
    refused 'declare -n n1=n2 n2=n3 n3=n4 n4=n5 n5=n6 n6=n7 n7=n8 n8=n9 n9=n10 n10=end' n1 \
        "n1: circular name reference, or more than 8 namerefs" n1 n9 n10 end
}

@test "-V: a nameref chain is followed, and its end is checked like a name" {
    export LO OPEN TC_SO
    refused 'declare -n r=IFS' r "IFS: a variable bash uses itself*" r IFS
    refused 'declare -n a=b b=RO; declare -rA RO' a "RO: readonly variable" a b RO
    refused 'declare -n a=b b=I; I=(1)' a "I: cannot convert indexed to associative array" a b I
    run --separate-stderr builtin_bash -c 'enable -f "$TC_SO" tcpcheck || exit 99
        declare -n a=b b=c
        tcpcheck -q -V a "$LO" "$OPEN"; echo "rc=$?"
        declare -p a b c' 3>&-
    check_status 0
    [[ $output == "rc=0"$'\n''declare -n a="b"'$'\n''declare -n b="c"'$'\n'"declare -A c=([$LO:$OPEN]=\"open\" )" ]] ||
        { show_run; return 1; }
}

@test "-V: a nameref without a value becomes the array itself, as with declare -A" {
    export LO OPEN TC_SO
    run --separate-stderr builtin_bash -c 'enable -f "$TC_SO" tcpcheck || exit 99
        declare -n r
        tcpcheck -q -V r "$LO" "$OPEN"; echo "rc=$?"
        declare -p r' 3>&-
    check_status 0
    [[ -z $stderr && $output == "rc=0"$'\n'"declare -A r=([$LO:$OPEN]=\"open\" )" ]] || { show_run; return 1; }
}

@test "-V: a name assigned for this command only (R=x tcpcheck -V R) is a usage error" {
    export LO OPEN TC_SO
    run --separate-stderr builtin_bash -c 'enable -f "$TC_SO" tcpcheck || exit 99
        R=x tcpcheck -V R "$LO" "$OPEN"' 3>&-
    expect_usage 2
    expect_err "R: assigned for this command only, the array would be lost"
    SERVER_OUT=$OPEN_OUT expect_no_conns
}

@test "-V: an exported variable becomes an array that is not exported (children never see it)" {
    export LO OPEN TC_SO
    run --separate-stderr builtin_bash -c 'enable -f "$TC_SO" tcpcheck || exit 99
        export RES_OPTIONS=ndots:1 STATE=x
        tcpcheck -q -V RES_OPTIONS "$LO" "$OPEN" && tcpcheck -q -V STATE "$LO" "$OPEN"; echo "rc=$?"
        echo "${RES_OPTIONS@a} ${STATE@a}"
        env | grep -c "^RES_OPTIONS=\|^STATE="
        tcpcheck -q -w 1 localhost "$OPEN"; echo "after=$?"' 3>&-
    [[ $output == $'rc=0\nA A\n0\nafter='[0-4] ]] || { show_run; return 1; }
}
