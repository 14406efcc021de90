#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# tcpcheck.sh: the POSIX sh fallback of tcpcheck(1), for dash, BusyBox ash and bash (--posix).
# It hands the work to the first of:
#   1. the tcpcheck program (beside this file, in ../build/, or on PATH; never a script): exec'd
#      with every argument unchanged, so everything in tcpcheck(1) holds;
#   2. bash, whose /dev/tcp connects; 3. `nc -z -v -w` (OpenBSD, traditional, BusyBox with -z),
#      or BusyBox's small nc without -z (`nc -w N HOST PORT -e true`); both killed after -w;
#   else status 7: "no probe method: install tcpcheck, bash or nc".
# What branches 2 and 3 cannot do or tell apart (the program can):
#   - -4 -6 -n -s -S -E -j are usage errors (2); -c N is accepted (one probe at a time); -vv is -v.
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
H=0 q='' v='' m='' W='' wtxt=5 wcs=500 ics=10 T='' count=0
die() { printf 'tcpcheck: %s\n' "$*" >&2; exit $((H ? 1 : 2)); }
out() { [ -n "$q" ] || printf '%s\n' "$*" >&2; }
secs() { # LETTER WORD MIN: SECS (5, 0.25, at most 6 fraction digits) in $cs, 1/100 s rounded up
	case $2 in '' | .* | *. | *.*.* | *[!0-9.]* | *.???????*) die "-$1 $2: invalid number of seconds" ;; esac
	si=${2%%.*} && sf=${2#"$si"} && sf=${sf#.}000000 && si=${si#"${si%%[!0]*}"} && up=0
	case $sf in ??*[1-9]*) up=1 ;; esac # and "1${sf%...} - 100" keeps "05" from reading as octal
	[ ${#si} -le 5 ] || die "-$1 $2: must be at most 86400"
	cs=$((${si:-0} * 100 + 1${sf%"${sf#??}"} - 100 + up))
	[ "$cs" -le 8640000 ] || die "-$1 $2: must be at most 86400"
	[ "$cs" -ge "$3" ] || die "-$1 $2: must be greater than 0"
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
add() { # HOST PORTWORD WORD: more targets "HOST/LO-HI" in $T; a leading - would be an option of nc
	case $1 in '' | -* | *[[:space:][:cntrl:]]*) die "$3: invalid host name" ;; esac
	[ -n "$2" ] || die "$3: missing port"
	pw "$2" || die "$pe"
	for x in $pl; do T="$T $1/$x"; done && count=$((count + pn))
}

[ "${1-}" = --version ] && echo "tcpcheck 1.0.0 (sh fallback)" && exit 0
[ "${1-}" = --help ] && echo "usage: tcpcheck [-aqvzH] [-w SECS] [-W SECS] [-i SECS] [-m N] TARGET... [-- COMMAND...]" && exit 0
opts=:aqvzHw:W:i:m:c:46nS:E:s:jV:
while getopts $opts o 2>/dev/null; do [ "$o" = H ] && H=1; done # -H counts wherever it stands
OPTIND=1
while getopts $opts o; do
	case $o in
	a) m=1 ;; q) q=1 ;; v) v=1 ;; z | H) ;;
	w) secs w "$OPTARG" 1 && wcs=$cs wtxt=$OPTARG ;;
	W) secs W "$OPTARG" 1 && W=$cs Wtxt=$OPTARG ;;
	i) secs i "$OPTARG" 0 && ics=$cs ;;
	m | c) int "$OPTARG" 999999999 || die "-$o $OPTARG: not a whole number from 1"
		[ "$o" = c ] || m=$n ;;
	V) die "-V is only for the bash builtin" ;;
	:) die "-$OPTARG: option requires an argument" ;;
	\?) die "-$OPTARG: invalid option" ;;
	*) die "-$o: not available in the sh fallback (install the tcpcheck program)" ;;
	esac
done
shift $((OPTIND - 1))
while [ $# -gt 0 ]; do
	a=$1 r=${1#tcp://} && shift
	case $a in
	--) [ $# -gt 0 ] && break; die "--: COMMAND missing after it" ;;
	-?*) die "$a: options go before targets" ;;
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

if b=$(command -v bash); then method=bash
elif command -v nc >/dev/null; then case $(nc -h 2>&1 </dev/null) in *-z*) method=nc ;; *-e*) method=nce ;; esac; fi
[ -n "${method-}" ] || { out "tcpcheck: no probe method: install tcpcheck, bash or nc" && exit $((H ? 1 : 7)); }
sleep 0.0 2>/dev/null && frac=1 || frac=
fmt() { if [ -n "$frac" ]; then printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); else echo $((($1 + 99) / 100)); fi; }
now() { # the time in 1/100 s in $t
	if [ -r /proc/uptime ]; then read -r t _ </proc/uptime && t=${t%.*}${t#*.} && t=${t#"${t%%[!0]*}"} && t=${t:-0}
	else t=$(($(date +%s) * 100)); fi
}
probe() { # HOST PORT CENTISECONDS: one attempt; $st (0 open, else the status) and $msg
	res=$(
		trap 'kill $a $w 2>/dev/null; exit 130' INT
		# shellcheck disable=SC2016 # bash expands $1 and $2, not sh
		case $method in
		bash) "$b" -c 'exec 3<>"/dev/tcp/$1/$2"' tcpcheck "$1" "$2" 2>&1 >/dev/null </dev/null & ;;
		nc) nc -z -v -w $((($3 + 99) / 100)) "$1" "$2" 2>&1 >/dev/null </dev/null & ;;
		nce) nc -w $((($3 + 99) / 100)) "$1" "$2" -e true 2>&1 >/dev/null </dev/null & ;;
		esac
		a=$! # the watchdog: kill the attempt once its time is up
		(trap 'kill "$z" 2>/dev/null; exit' TERM; sleep "$(fmt "$3")" & z=$!; wait $z && kill $a) >/dev/null 2>&1 & w=$!
		wait $a 2>/dev/null
		echo "rc=$?" && kill $w 2>/dev/null
	)
	rc=${res##*rc=} err=${res%rc=*} st=5
	[ "$rc" = 0 ] && st=0 msg= && return
	why=${err%%"$nl"*} && why=${why##*: } # the tool's first line, after its "name: " prefixes
	case $err in
	*"bad address"*) st=4 why="Name or service not known" ;; # BusyBox nc
	*"name resolution"* | *"not known"* | *"No address associated"* | *getaddrinfo*) st=4 ;;
	*"Connection refused"*) st=1 ;;
	*"No route to host"* | *"unreachable"* | *"Network is down"* | *"Permission denied"* | *"not permitted"*) ;; # 5
	*"timed out"*) rc=143 ;; # as if the watchdog had ended it
	*) st=7 why=${why:-$method exited with status $rc} ;;
	esac
	msg="connect to $1 port $2 (tcp) failed: $why"
	[ "$st" = 4 ] && msg="$1: $why"
	[ "$rc" -gt 128 ] && st=3 msg="connect to $1 port $2 (tcp) timed out after $wtxt s"
}
attempt() { # HOST PORT K: probe target K once, unless the wait is over; its state in s_K ("ST MSG")
	eval "old=\${s_$3-}" && tcs=$wcs
	[ -n "$W" ] && now && [ $((end - t)) -lt "$tcs" ] && tcs=$((end - t)) # no probe outlasts -W
	if [ "$tcs" -gt 0 ]; then probe "$1" "$2" "$tcs"
	elif [ -n "$old" ]; then return # the wait ended before this target's turn came: keep its state
	else st=3 msg="connect to $1 port $2 (tcp) timed out after $Wtxt s"; fi
	eval "s_$3=\"\$st \$msg\""
	if [ "$st" = 0 ]; then
		nopen=$((nopen + 1)) && [ -n "$v" ] || return 0
		msg="Connection to $1 $2 port [tcp/$(svc "$2" || echo '*')] succeeded"
		if [ -z "$W" ]; then out "$msg!"; else now && e=$((t - t0)) && out "$msg after $((e / 100)).$((e % 100 / 10)) s"; fi
	elif [ -n "$W" ] && [ -n "$v" ] && [ "${old%% *}" != "$st" ]; then out "tcpcheck: $msg"; fi
}

trap 'exit 130' INT
now && t0=$t end=$((t + ${W:-0})) need=${m:-$count}
while :; do # one round: each target not yet open, in order; wait mode repeats it until -W
	now && rs=$t k=0 nopen=0
	for tg in $T; do
		host=${tg%/*} it=${tg##*/} && p=${it%-*}
		while [ "$p" -le "${it#*-}" ]; do
			k=$((k + 1)) && eval "s=\${s_$k-}"
			if [ "${s%% *}" = 0 ]; then nopen=$((nopen + 1))
			elif [ -z "$W" ] || [ "$nopen" -lt "$need" ]; then attempt "$host" "$p" $k; fi
			p=$((p + 1))
		done
	done
	if [ -z "$W" ] || [ "$nopen" -ge "$need" ]; then break; fi
	now && nx=$((rs + ics)) && [ "$nx" -gt "$end" ] && nx=$end # next round: -i after this one began
	if [ "$t" -ge "$end" ]; then break; elif [ "$nx" -gt "$t" ]; then sleep "$(fmt $((nx - t)))"; fi
done
k=0 rc=0
while [ $k -lt $count ]; do # report the failures in order; the first one's status is the run's
	k=$((k + 1)) && eval "s=\${s_$k-}"
	if [ -z "$s" ] || [ "${s%% *}" = 0 ]; then continue; fi
	[ "$rc" != 0 ] || rc=${s%% *}
	if [ -z "$W" ] || [ -z "$v" ]; then out "tcpcheck: ${s#* }"; fi # else it was said when it changed
done
[ "$nopen" -lt "$need" ] || rc=0
[ "$rc" = 0 ] || exit $((H ? 1 : rc))
[ $# = 0 ] || exec "$@"
