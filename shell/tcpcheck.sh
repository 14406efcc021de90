#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# tcpcheck.sh: the POSIX sh fallback of tcpcheck(1), for dash, BusyBox ash and bash (--posix).
# It hands the work to the first of:
#   1. the tcpcheck program (beside this file, in ../build/, or on PATH; never a script): exec'd
#      with every argument unchanged, so everything in tcpcheck(1) holds;
#   2. bash, whose /dev/tcp connects; 3. `nc -z -v -w` (OpenBSD, traditional, BusyBox with -z),
#      or BusyBox's small nc without -z (`nc -w N HOST PORT -e true`); all killed after -w.
#      unix: targets and -x PROXY need OpenBSD nc (-U, -X/-x), which is then used for every
#      target.
# It parses the whole command line first, as the program does: a bad one is status 2.  What a
# branch cannot do honestly it refuses with one line and status 7, before probing anything
# (tcpcheck(1), THE SH FALLBACK, has the table): -R (no shell can close with a reset), -k (a
# connect cannot be timed from here), -4 -6 -n -s -S -E -j, -x and unix: without OpenBSD nc.
# What it does differently from the program:
#   - Targets are probed one after another; ports by number, range, list, /etc/services name.
#   - States come from the tool's words: refused 1, unreachable 5, unresolved 4, else error 7 with
#     those words.  A resolver silent for all of -w is timeout (3), not unresolved (4).  BusyBox nc
#     says "bad address" for any failed lookup, so a temporary failure is "not known" (4) there.
#   - A socket that connected to itself (a local port in the ephemeral range) counts as open.
#   - Times come from /proc/uptime (1/100 s; else `date +%s`, whole seconds); a sleep(1) without
#     fractions makes every -w, -W and -i round up to whole seconds.
set -f
d=${0%/*} && [ "$d" = "$0" ] && d=.
for c in "$d/tcpcheck" "$d/../build/tcpcheck" "$(command -v tcpcheck)"; do
	l= && [ -f "$c" ] && [ -x "$c" ] && IFS= read -r l <"$c" 2>/dev/null
	# shellcheck disable=SC2093 # a script (this one, say) is not the program
	case $l in '' | '#!'*) ;; *) exec "$c" "$@" ;; esac
done

nl='
'
H=0 q='' v='' m='' C='' R='' kp='' se='' src='' fam='' px='' no='' wm='' W=0 wcs=500 wtx='5 s' ics=10
T='' count=0 nu=0
die() { printf 'tcpcheck: %s\n' "$*" >&2; exit $((H ? 1 : 2)); }
cant() { printf 'tcpcheck: %s\n' "$*" >&2; exit $((H ? 1 : 7)); } # even with -q: not about targets
out() { [ -n "$q" ] || printf '%s\n' "$*" >&2; }
secs() { # LETTER WORD MIN: a time (5, 0.25, 500ms, 30s, 2m, 1h) in $cs, 1/100 s rounded up; $tx
	u=${2##*[0-9.]} && n=${2%"$u"} tx=$2
	[ -n "$u" ] || tx="$2 s" # a bare number is seconds
	case $u in '' | s) k6=1000000 mx=86400 ;; ms) k6=1000 mx=86400000 ;; m) k6=60000000 mx=1440 ;;
	h) k6=3600000000 mx=24 ;; *) n=x ;; esac
	case $n in '' | . | *[!0-9.]* | *.*.* | *.???????*) die "-$1 $2: invalid number of seconds" ;; esac
	si=${n%%.*} && sf=${n#"$si"} && sf=${sf#.}000000 && si=${si#"${si%%[!0]*}"}
	{ [ ${#si} -le 9 ] && [ "${si:-0}" -le "$mx" ]; } || die "-$1 $2: must be at most 86400 s"
	sf=${sf%"${sf#??????}"} && while [ "$sf" != "${sf#0}" ]; do sf=${sf#0}; done # no octal
	us=$(((${si:-0} * 1000000 + ${sf:-0}) * k6)) # the time in 1/10^12 s
	[ $us -le 86400000000000000 ] || die "-$1 $2: must be at most 86400 s"
	[ $us -ge "$3" ] || die "-$1 $2: must be greater than 0"
	cs=$(((us + 9999999999) / 10000000000))
}
int() { # WORD MAX: a whole number from 1 to MAX in $n, else status 1
	case $1 in '' | *[!0-9]*) return 1 ;; esac
	n=${1#"${1%%[!0]*}"} && [ ${#n} -le 9 ] && [ "${n:-0}" -ge 1 ] && [ "$n" -le "$2" ]
}
svc() { # NAME: its tcp port; PORT: its name (from /etc/services)
	[ -r /etc/services ] && while read -r sn sp sa; do
		case $sp in "$1/tcp") echo "$sn" && return 0 ;; */tcp) ;; *) continue ;; esac
		for x in "$sn" $sa; do case $x in '#'*) break ;; "$1") echo "${sp%/tcp}" && return 0 ;; esac; done
	done </etc/services
	return 1
}
pw() { # PORTWORD: its ports as "lo-hi lo-hi" in $pl, how many in $pn; else status 1, why in $pe
	pl='' pn=0 r=$1, pe="$1: not a port (1-65535), range (LO-HI, LO <= HI), service name or list of them"
	while [ -n "$r" ]; do
		it=${r%%,*} r=${r#*,} lo='' hi=''
		case $it in
		*[!0-9-]*) lo=$(svc "$it") && hi=$lo ;;
		*-*) int "${it%%-*}" 65535 && lo=$n && int "${it#*-}" 65535 && hi=$n ;;
		*) int "$it" 65535 && lo=$n hi=$n ;;
		esac
		[ -n "$hi" ] && [ "$lo" -le "$hi" ] || return 1
		pl="$pl $lo-$hi" pn=$((pn + hi - lo + 1))
	done
}
host() { # HOST WORD: a host nc or bash can be given; a leading - would be an option of nc
	case $1 in '' | -* | *[[:space:][:cntrl:]]* | *[/@]*) die "$2: invalid host name" ;; esac
}
add() { # HOST PORTWORD WORD: more targets "HOST/LO-HI" in $T
	host "$1" "$3"
	[ -n "$2" ] || die "$3: missing port"
	pw "$2" || die "$pe"
	for x in $pl; do T="$T $1/$x"; done && count=$((count + pn))
}
proxy() { # -x WORD: kind $pk (5, 5h, connect), $ph, $pp, credentials in $pc; never printed
	r=${1#*://} pk=${1%%://*} pc='' ph='' pp=''
	case $r in *@*) pc=1 r=${r##*@} ;; esac
	shown="$pk://$r" # without USER:PASS@
	case $pk in socks5) pk=5 ;; socks5h) pk=5h ;; http) pk=connect ;; *) r='' ;; esac
	case $r in
	\[*:*\]:*) ph=${r%\]:*} ph=${ph#\[} pp=${r##*\]:} ;;
	*:*:* | \[*) ;;
	*:*) ph=${r%:*} pp=${r##*:} ;;
	esac
	{ [ -n "$ph" ] && int "$pp" 65535; } || die "-x $shown: want socks5://, socks5h:// or http://[USER:PASS@]HOST:PORT"
	host "$ph" "-x $shown" && px=$shown
}
numeric() { case $1 in *:*) ;; *[!0-9.]* | '') return 1 ;; esac; }

[ "${1-}" = --version ] && echo "tcpcheck @VERSION@ (sh fallback)" && exit 0
[ "${1-}" = --help ] && printf '%s\n' \
	'Usage: tcpcheck [-46aCHnqRvz] [-w SECS] [-W SECS] [-i SECS] [-k COUNT] [-m N]' \
	'                [-c N] [-s ADDR] [-x PROXY] [-S DATA] [-E PATTERN] [-j]' \
	'                TARGET... [-- COMMAND [ARG...]]' \
	'This is tcpcheck'\''s sh fallback: no tcpcheck program was found, so it probes with' \
	'bash'\''s /dev/tcp or nc, one target after another.  It checks the whole line as' \
	'the program does (a bad one is status 2), and answers what it cannot do' \
	'honestly with one line and status 7 before probing: -4 -6 -n -s -S -E -j -k -R,' \
	'and unix: targets or -x without OpenBSD nc.  tcpcheck(1), THE SH FALLBACK.' \
	'Exit status: 0 open, 1 refused, 2 usage error, 3 timeout, 4 unresolved,' \
	'5 unreachable, 6 open with -C, 7 local or proxy error, or cannot do it here.' && exit 0
opts=:46aCHjnqRvzc:E:i:k:m:s:S:V:w:W:x:
while getopts $opts o 2>/dev/null; do [ "$o" = H ] && H=1; done # -H counts wherever it stands
OPTIND=1
while getopts $opts o; do
	case $o in
	a) m=1 ;; q) q=1 ;; v) v=1 ;; C) C=1 ;; R) R=1 ;; z | H) ;;
	w) secs w "$OPTARG" 1 && wcs=$cs wtx=$tx ;;
	W) secs W "$OPTARG" 0 && W=$cs Wtx=$tx wm=1 ;;
	i) secs i "$OPTARG" 0 && ics=$cs ;;
	k) case $OPTARG in '' | *[!0-9]*) die "-k $OPTARG: not a whole number (0: until interrupted)" ;; esac && kp=1 ;;
	x) proxy "$OPTARG" ;;
	m | c) int "$OPTARG" 999999999 || die "-$o $OPTARG: not a whole number from 1"
		[ "$o" = c ] || m=$n ;;
	S) r=$OPTARG && while :; do # the escapes the program takes: \r \n \t \\ \0 \xHH
		case $r in *\\*) r=${r#*\\} ;; *) break ;; esac
		case $r in [rnt0\\]*) r=${r#?} ;; x[0-9a-fA-F][0-9a-fA-F]*) r=${r#???} ;; *) die "-S: malformed escape \\${r%"${r#?}"}" ;; esac
	done && se=1 no=${no:-S} ;;
	4 | 6) [ "${fam:-$o}" = "$o" ] || die "-4 and -6 cannot be combined"
		fam=$o no=${no:-$o} ;;
	E) se=1 no=${no:-E} ;;
	s) src=1 no=${no:-s} ;;
	n | j) no=${no:-$o} ;;
	V) die "-V is only for the bash builtin" ;;
	:) die "-$OPTARG: option requires an argument" ;;
	*) die "-$OPTARG: invalid option" ;;
	esac
done
shift $((OPTIND - 1))
while [ $# -gt 0 ]; do
	a=$1 r=${1#tcp://} && shift
	case $a in
	--) [ $# -gt 0 ] && break; die "--: COMMAND missing after it" ;;
	-?*) die "$a: options go before targets" ;;
	unix:*) r=${a#unix:} && r=${r#//}
		[ -n "$r" ] || die "$a: missing path"
		nu=$((nu + 1)) count=$((count + 1)) T="$T @$nu" && eval "u_$nu=\$r" && continue ;;
	esac
	case $r in
	/dev/tcp/*/*) r=${r#/dev/tcp/} && add "${r%/*}" "${r##*/}" "$a" && continue ;;
	\[*:*\]:*) h=${r%\]:*} && add "${h#\[}" "${r##*\]:}" "$a" && continue ;;
	\[*\]:*) die "$a: brackets hold an IPv6 address" ;;
	\[* | /dev/tcp/*) die "$a: missing port" ;;
	*:*:*) [ "$r" = "$a" ] || die "$a: an IPv6 address with a port needs brackets ([::1]:22)" ;;
	*:*) add "${r%:*}" "${r#*:}" "$a" && continue ;;
	*) [ "$r" = "$a" ] || die "$a: missing port" ;;
	esac
	# a bare HOST (or IPv6 address): the next word is its ports, and so is each later port word
	add "$a" "${1-}" "$a" && shift
	while [ $# -gt 0 ] && pw "$1"; do add "$a" "$1" "$a" && shift; done
done
[ -n "$T" ] || die "no target given"
[ "${m:-1}" -le $count ] || die "-m $m: only $count target(s) given"
[ -z "$C" ] || [ -z "$se$kp" ] || die "-C cannot be combined with -S, -E or -k"
[ -z "$kp" ] || { [ -z "$wm" ] && [ $# = 0 ]; } || die "-k cannot be combined with -W or -- COMMAND"
[ "$nu" = 0 ] || [ -z "$px" ] || die "-x cannot be used with a unix: target"
[ "$nu" = 0 ] || [ -z "$src" ] || die "-s cannot be used with a unix: target"

# The command line is good: now what this shell and its tools cannot do honestly.
hint="(the tcpcheck program can)"
[ -z "$R" ] || cant "-R: the sh fallback cannot close a connection with a reset $hint"
[ -z "$kp" ] || cant "-k: the sh fallback cannot time a connect, as ping mode must $hint"
[ -z "$no" ] || cant "-$no: not available in the sh fallback $hint"
if [ "$nu" != 0 ] || [ -n "$px" ]; then # only OpenBSD nc's words: Ncat's -U is UDP
	nch=$(nc -h 2>&1 </dev/null)
	case $nch in *"UNIX domain socket"*) ;; *) [ "$nu" = 0 ] || cant "unix: targets need OpenBSD nc (nc -U) in the sh fallback $hint" ;; esac
	case $nch in *'"connect"'*) ;; *) [ -z "$px" ] || cant "-x $px needs OpenBSD nc (nc -X) in the sh fallback $hint" ;; esac
	[ -z "$pc" ] || cant "-x with USER:PASS@: nc cannot hand a proxy credentials $hint"
	for tg in $T; do [ "$pk" != 5 ] || numeric "${tg%/*}" ||
		cant "-x socks5:// resolves ${tg%/*} here, which the sh fallback cannot $hint"; done
	method=nc
elif b=$(command -v bash); then method=bash
elif command -v nc >/dev/null; then case $(nc -h 2>&1 </dev/null) in *-z*) method=nc ;; *-e*) method=nce ;; esac; fi
[ -n "${method-}" ] || cant "no probe method: install tcpcheck, bash or nc"
sleep 0.0 2>/dev/null && frac=1 || frac=
fmt() { if [ -n "$frac" ]; then printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); else echo $((($1 + 99) / 100)); fi; }
now() { # the time in 1/100 s in $t
	if [ -r /proc/uptime ]; then read -r t _ </proc/uptime && t=${t%.*}${t#*.} && t=${t#"${t%%[!0]*}"} && t=${t:-0}
	else t=$(($(date +%s) * 100)); fi
}
probe() { # HOST PORT CENTISECONDS TEXT: one attempt ($1 empty: PORT is a unix: index); $st, $msg
	if [ -z "$1" ]; then up= && eval "up=\$u_$2" && set -- '' "$up" "$3" "$4" && at="connect to $up"
	else at="connect to $1 port $2 (tcp)"; fi
	res=$(
		trap 'kill $a $w 2>/dev/null; exit 130' INT
		# shellcheck disable=SC2016 # bash expands $1 and $2, not sh
		case $method${1:+-}${px:+x} in
		bash-) "$b" -c 'exec 3<>"/dev/tcp/$1/$2"' tcpcheck "$1" "$2" 2>&1 >/dev/null </dev/null & ;;
		nc-) nc -z -v -w $((($3 + 99) / 100)) -- "$1" "$2" 2>&1 >/dev/null </dev/null & ;;
		nc-x) nc -X "${pk%h}" -x "$ph:$pp" -z -v -- "$1" "$2" 2>&1 >/dev/null </dev/null & ;;
		nc) nc -U -z -v -- "$2" 2>&1 >/dev/null </dev/null & ;;
		nce-) nc -w $((($3 + 99) / 100)) "$1" "$2" -e true 2>&1 >/dev/null </dev/null & ;;
		esac
		a=$! # the watchdog: kill the attempt once its time is up
		(trap 'kill "$z" 2>/dev/null; exit' TERM; sleep "$(fmt "$3")" & z=$!; wait $z && kill $a) >/dev/null 2>&1 & w=$!
		wait $a 2>/dev/null
		echo "rc=$?" && kill $w 2>/dev/null
	)
	rc=${res##*rc=} err=${res%rc=*} st=5
	[ "$rc" = 0 ] && st=0 msg= && return
	why=${err%%"$nl"*} && why=${why##*: } # the tool's first line, after its "name: " prefixes
	if [ -n "$px" ]; then proxied "$@" && return; fi
	case $err in
	*"bad address"*) st=4 why="Name or service not known" ;; # BusyBox nc
	*"name resolution"* | *"not known"* | *"No address associated"* | *getaddrinfo*) st=4 ;;
	*"Connection refused"* | *"No such file or directory"*) st=1 ;;
	*"No route to host"* | *"unreachable"* | *"Network is down"* | *"not permitted"*) ;; # 5
	*"Permission denied"*) [ -n "$1" ] || st=7 ;; # a unix: socket we may not use: error
	*"timed out"*) rc=143 ;;                       # as if the watchdog had ended it
	*) st=7 why=${why:-$method exited with status $rc} ;;
	esac
	msg="$at failed: $why"
	[ "$st" = 4 ] && msg="$1: $why"
	[ "$rc" -gt 128 ] && st=3 msg="$at timed out after $4"
}
proxied() { # HOST PORT CS TEXT: $st and $msg from what nc says the proxy said
	case $err in
	*"SOCKSv5 error: Connection refused"*) st=1 ;;
	*"SOCKSv5 error: "*unreachable* | *"SOCKSv5 error: Connection not allowed"*) st=5 ;;
	*"SOCKSv5 error: TTL expired"*) st=3 ;;
	*'Proxy error: "HTTP/'???' 2'*) st=0 msg= && return ;;
	*'Proxy error: "HTTP/'???' 504'*) st=3 why=${err#*'Proxy error: "'} why=${why%%\"*} ;;
	*'Proxy error: "'*) why=${err#*'Proxy error: "'} && st=7 msg="proxy $ph port $pp: ${why%%\"*}" && return ;;
	*"SOCKSv5 error: "*) st=7 msg="proxy $ph port $pp: $why" && return ;;
	*"connect to $ph port $pp "*) st=7 msg="proxy $ph port $pp: connect failed: $why" ;;
	*) st=7 msg="proxy $ph port $pp: ${why:-nc exited with status $rc}" ;;
	esac
	[ "$rc" -gt 128 ] && msg="proxy $ph port $pp: no tunnel to $1 port $2 after $4 (a silent proxy and a silent target look the same from here)"
	[ "$st" = 7 ] || msg="$at through proxy $ph port $pp failed: $why"
}
attempt() { # HOST PORT K: probe target K once, unless the wait is over; its state in s_K ("ST MSG")
	eval "old=\${s_$3-}" && tcs=$wcs ttx=$wtx
	if [ -n "$wm" ] && [ "$W" != 0 ]; then now && [ $((end - t)) -lt "$tcs" ] && tcs=$((end - t)) ttx=$Wtx; fi
	if [ -z "$1" ]; then eval "where=\$u_$2"; else where="$1 port $2"; fi
	if [ "$tcs" -gt 0 ]; then probe "$1" "$2" "$tcs" "$ttx"
	elif [ -n "$old" ]; then return # the wait ended before this target's turn came: keep its state
	else st=3 msg="$where: not attempted: the wait ended after $Wtx"; fi
	if [ -n "$C" ]; then # -C: refused passes, open is a mismatch (6)
		case $st in 0) st=6 msg="$at succeeded, but -C expected it closed" ;; 1) st=0 ;; esac
	fi
	eval "s_$3=\"\$st \$msg\""
	if [ "$st" = 0 ]; then
		nopen=$((nopen + 1)) && [ -n "$v" ] || return 0
		msg="Connection to $where" && [ -z "$1" ] || msg="Connection to $1 $2 port [tcp/$(svc "$2" || echo '*')]"
		if [ -n "$C" ]; then msg="$msg refused, as -C expected"; else msg="$msg succeeded"; fi
		if [ -n "$wm" ]; then now && e=$((t - t0)) && msg="$msg after $((e / 100)).$((e % 100 / 10)) s"
		elif [ -z "$C" ]; then msg="$msg!"; fi
		out "$msg"
	elif [ -n "$wm" ] && [ -n "$v" ] && [ "${old%% *}" != "$st" ]; then out "tcpcheck: $msg"; fi
}

trap 'exit 130' INT
now && t0=$t end=$((t + W)) need=${m:-$count}
while :; do # one round: each target not yet passed, in order; wait mode repeats it until -W
	now && rs=$t k=0 nopen=0
	for tg in $T; do
		case $tg in
		@*) host='' p=${tg#@} last=$p ;;
		*) host=${tg%/*} it=${tg##*/} && p=${it%-*} last=${it#*-} ;;
		esac
		while [ "$p" -le "$last" ]; do
			k=$((k + 1)) && eval "s=\${s_$k-}"
			if [ "${s%% *}" = 0 ]; then nopen=$((nopen + 1))
			elif [ -z "$wm" ] || [ "$nopen" -lt "$need" ]; then attempt "$host" "$p" $k; fi
			p=$((p + 1))
		done
	done
	if [ -z "$wm" ] || [ "$nopen" -ge "$need" ]; then break; fi
	now && nx=$((rs + ics)) # next round: -i after this one began, never past -W
	if [ "$W" != 0 ]; then [ "$nx" -le "$end" ] || nx=$end; [ "$t" -lt "$end" ] || break; fi
	[ "$nx" -le "$t" ] || sleep "$(fmt $((nx - t)))"
done
k=0 rc=0
while [ $k -lt $count ]; do # report the failures in order; the first one's status is the run's
	k=$((k + 1)) && eval "s=\${s_$k-}"
	if [ -z "$s" ] || [ "${s%% *}" = 0 ]; then continue; fi
	[ "$rc" != 0 ] || rc=${s%% *}
	if [ -z "$wm" ] || [ -z "$v" ]; then out "tcpcheck: ${s#* }"; fi # else it was said when it changed
done
[ "$nopen" -lt "$need" ] || rc=0
[ "$rc" = 0 ] || exit $((H ? 1 : rc))
[ $# = 0 ] || exec "$@"
