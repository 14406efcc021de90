#!/bin/sh
# tcpcheck.sh: the POSIX sh fallback of tcpcheck (see tcpcheck(1)): can a TCP connection to
# HOST:PORT be opened right now, and if not, why not?  For dash, BusyBox ash, bash (--posix).
#
# It hands the work to the best tool present:
#   1. the tcpcheck program (beside this file, in ../build/, or on PATH; never a script) gets
#      every argument unchanged (exec): then everything in tcpcheck(1) holds;
#   2. bash, whose /dev/tcp connects, under a deadline this script keeps (kill after -w);
#   3. nc: `nc -z -v -w` (OpenBSD, traditional, BusyBox with -z), or BusyBox's small nc
#      without -z (`nc -w N HOST PORT -e true`);
#   otherwise status 7: "no probe method: install tcpcheck, bash or nc".
# What this fallback cannot do (the program can):
#   - -4 -6 -n -s -S -E -j are usage errors (2); -c N is accepted (one probe at a time); -vv is -v.
#   - Targets are probed one after another, never in parallel; ports by number, range, comma list,
#     or service name (from /etc/services when it is readable).
#   - States come from the tool's message: refused 1, unreachable 5, unresolved 4 are told apart
#     by bash and both ncs; anything unrecognised is error 7 with the tool's words.  A resolver
#     that does not answer within -w is reported as timeout (3), not unresolved (4).
#   - BusyBox nc says "bad address" for every failed lookup: "Name or service not known" (4) then
#     covers a temporary resolver failure too.
#   - A socket that connected to itself (a local port in the ephemeral range) counts as open.
#   - Times come from /proc/uptime (1/100 s; else `date +%s`, whole seconds).  A sleep(1) that
#     takes no fractions makes every -w, -W and -i round up to whole seconds.
set -f
d=${0%/*} && [ "$d" = "$0" ] && d=.
for c in "$d/tcpcheck" "$d/../build/tcpcheck" "$(command -v tcpcheck)"; do
	if [ "$c" != "$0" ] && [ -f "$c" ] && [ -x "$c" ]; then
		IFS= read -r l <"$c" 2>/dev/null
		case $l in '#!'*) continue ;; esac # a script (this one?) is not the program
		# shellcheck disable=SC2093 # exec fails only when it cannot run c: then go on
		exec "$c" "$@"
	fi
done

nl='
'
H='' q='' v='' m='' W='' wtxt=5 wcs=500 ics=10
die() { printf 'tcpcheck: %s\n' "$*" >&2; [ -n "$H" ] && exit 1; exit 2; }
out() { [ -n "$q" ] || printf '%s\n' "$*" >&2; }
# secs LETTER WORD MIN: SECS (5, 0.25, at most 6 fraction digits) as centiseconds in $cs
secs() {
	case $2 in '' | .* | *. | *.*.* | *[!0-9.]*) die "-$1 $2: invalid number of seconds" ;; esac
	si=${2%%.*} sf=${2#*.}
	[ "$sf" = "$2" ] && sf=
	[ ${#sf} -le 6 ] || die "-$1 $2: at most 6 fraction digits"
	si=${si#"${si%%[!0]*}"} sf=${sf}000000
	[ ${#si} -le 5 ] || die "-$1 $2: must be at most 86400"
	cs=$((${si:-0} * 100 + 1${sf%"${sf#??}"} - 100))
	case ${sf#??} in *[1-9]*) cs=$((cs + 1)) ;; esac
	[ $cs -le 8640000 ] || die "-$1 $2: must be at most 86400"
	[ $cs -ge "$3" ] || die "-$1 $2: must be greater than 0"
}
whole() { # LETTER WORD: a count >= 1 in $n
	case $2 in '' | *[!0-9]*) die "-$1 $2: not a whole number" ;; esac
	n=${2#"${2%%[!0]*}"}
	[ ${#n} -le 9 ] || die "-$1 $2: number too large"
	[ "${n:-0}" -ge 1 ] || die "-$1 $2: must be at least 1"
}
num() { # a port number 1-65535 in $n
	case $1 in '' | *[!0-9]*) return 1 ;; esac
	n=${1#"${1%%[!0]*}"}
	[ ${#n} -le 5 ] && [ "${n:-0}" -ge 1 ] && [ "$n" -le 65535 ]
}
svc() { # NAME: its tcp port from /etc/services; svc -r PORT: the name
	[ -r /etc/services ] || return 1
	while read -r sn sp sa; do
		case $sp in */tcp) ;; *) continue ;; esac
		if [ "$1" = -r ]; then
			[ "${sp%/tcp}" = "$2" ] && echo "$sn" && return 0
		else
			for x in "$sn" $sa; do
				case $x in '#'*) break ;; "$1") echo "${sp%/tcp}" && return 0 ;; esac
			done
		fi
	done </etc/services
	return 1
}
pw() { # PORTWORD: "lo-hi,lo-hi" in $pl and the number of ports in $pn; or $pe and status 1
	pl='' pn=0 r=$1,
	case $1 in '' | ,* | *, | *,,*) pe="$1: empty port" && return 1 ;; esac
	[ "$1" = "${1%,*}" ] && in='' || in=" in $1"
	while [ -n "$r" ]; do
		it=${r%%,*} r=${r#*,}
		case $it in
		*[!0-9-]*) lo=$(svc "$it") || { pe="$it: unknown service$in" && return 1; } && hi=$lo ;;
		*-*) { num "${it%%-*}" && lo=$n && num "${it#*-}"; } || { pe="$it: invalid port range$in" && return 1; }
			hi=$n
			[ "$lo" -le "$hi" ] || { pe="$it: reversed port range$in" && return 1; } ;;
		*) num "$it" || { pe="$it: port out of range (1-65535)$in" && return 1; }
			lo=$n hi=$n ;;
		esac
		pl=$pl${pl:+,}$lo-$hi pn=$((pn + hi - lo + 1))
	done
}
T='' count=0
add() { # HOST PORTWORD WORD: one target line "PORTS HOST" in $T
	[ -n "$1" ] || die "$3: empty host"
	[ -n "$2" ] || die "$3: missing port"
	case $1 in *[[:space:][:cntrl:]]*) die "$3: invalid host name" ;; esac
	pw "$2" || die "$pe"
	T=$T$pl" "$1$nl count=$((count + pn))
}
hostport() { # REST WORD: HOST:PORTS or [IPV6]:PORTS
	case $1 in
	\[*\]:*) h=${1%\]:*} && add "${h#\[}" "${1##*\]:}" "$2" ;;
	\[*) die "$2: brackets need a port ($2:PORT)" ;;
	*:*:*) die "$2: an IPv6 address with a port needs brackets ([::1]:22)" ;;
	*:*) add "${1%:*}" "${1#*:}" "$2" ;;
	*) die "$2: missing port" ;;
	esac
}

case ${1-} in
--help) printf '%s\n' "usage: tcpcheck [-aqvzH] [-w SECS] [-W SECS] [-i SECS] [-m N] TARGET... [-- COMMAND...]" \
	"  TARGET: HOST PORTS | HOST:PORTS | [IPV6]:PORTS | tcp://HOST:PORTS | /dev/tcp/HOST/PORTS" \
	"  -w deadline per attempt (5)  -W wait up to SECS  -i pause in wait mode (0.1)" \
	"  -a any target open  -m N at least N open  -q quiet  -v report successes  -H statuses 0/1" \
	"status: 0 open 1 refused 2 usage 3 timeout 4 unresolved 5 unreachable 7 error" && exit 0 ;;
--version) echo "tcpcheck 1.0.0 (sh fallback)" && exit 0 ;;
esac
opts=:aqvzHw:W:i:m:c:46nS:E:s:jV:
while getopts $opts o 2>/dev/null; do [ "$o" = H ] && H=1; done # -H counts wherever it stands
OPTIND=1
while getopts $opts o; do
	case $o in
	a) m=1 ;; q) q=1 ;; v) v=1 ;; z | H) ;;
	w) secs w "$OPTARG" 1 && wcs=$cs wtxt=$OPTARG ;;
	W) secs W "$OPTARG" 1 && W=$cs Wtxt=$OPTARG ;;
	i) secs i "$OPTARG" 0 && ics=$cs ;;
	m) whole m "$OPTARG" && m=$n ;;
	c) whole c "$OPTARG" ;;
	V) die "-V is only for the bash builtin" ;;
	:) die "-$OPTARG: option requires an argument" ;;
	\?) die "-$OPTARG: invalid option" ;;
	*) die "-$o: not available in the sh fallback (install the tcpcheck program)" ;;
	esac
done
shift $((OPTIND - 1))
while [ $# -gt 0 ]; do
	a=$1 && shift
	case $a in
	--) [ -n "$T" ] || die "no target given"
		[ $# -gt 0 ] || die "--: COMMAND missing after it"
		break ;;
	-?*) die "$a: options go before targets" ;;
	tcp://*) hostport "${a#tcp://}" "$a" && continue ;;
	/dev/tcp/*/*) r=${a#/dev/tcp/} && add "${r%/*}" "${r##*/}" "$a" && continue ;;
	/dev/tcp/*) die "$a: missing port" ;;
	\[*) hostport "$a" "$a" && continue ;;
	*:*:*) ;; # a bare IPv6 address is a bare host
	*:*) hostport "$a" "$a" && continue ;;
	esac
	# a bare HOST: the next word is its ports, and so is each later word that is a port word
	[ $# -gt 0 ] || die "$a: missing port"
	add "$a" "$1" "$a" && shift
	while [ $# -gt 0 ] && pw "$1"; do add "$a" "$1" "$a" && shift; done
done
[ -n "$T" ] || die "no target given"
[ "${m:-1}" -le $count ] || die "-m $m: more than the $count target$([ $count = 1 ] || echo s) given"

if b=$(command -v bash); then method=bash
elif command -v nc >/dev/null; then
	case $(nc -h 2>&1 </dev/null) in *-z*) method=nc ;; *-e*) method=nce ;; *) method= ;; esac
fi
[ -n "${method-}" ] || { out "tcpcheck: no probe method: install tcpcheck, bash or nc" && exit $((H ? 1 : 7)); }
sleep 0.0 2>/dev/null && frac=1 || frac=
fmt() { if [ -n "$frac" ]; then printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); else echo $((($1 + 99) / 100)); fi; }
now() { # centiseconds in $t
	if [ -r /proc/uptime ]; then read -r t _ </proc/uptime && t=${t%.*}${t#*.} && t=${t#"${t%%[!0]*}"} && t=${t:-0}
	else t=$(($(date +%s) * 100)); fi
}
probe() { # HOST PORT CENTISECONDS: $st (0 open, else the status) and $msg
	res=$(
		trap 'kill $a $w 2>/dev/null; exit 130' INT
		# shellcheck disable=SC2016 # bash expands $1 and $2, not sh
		case $method in
		bash) "$b" -c 'exec 3<>"/dev/tcp/$1/$2"' tcpcheck "$1" "$2" 2>&1 >/dev/null </dev/null & ;;
		nc) nc -z -v -w $((($3 + 99) / 100)) "$1" "$2" 2>&1 >/dev/null </dev/null & ;;
		nce) nc -w $((($3 + 99) / 100)) "$1" "$2" -e true 2>&1 >/dev/null </dev/null & ;;
		esac
		a=$! # the watchdog: kill the attempt once its time is up
		(trap 'kill "$s" 2>/dev/null; exit' TERM; sleep "$(fmt "$3")" & s=$!; wait $s && kill $a) >/dev/null 2>&1 &
		w=$!
		wait $a 2>/dev/null
		echo "rc=$?" && kill $w 2>/dev/null
	)
	rc=${res##*rc=} err=${res%rc=*} st=5 why=
	[ "$rc" = 0 ] && st=0 && return
	[ "$rc" -gt 128 ] && st=3 && msg="connect to $1 port $2 (tcp) timed out after $wtxt s" && return
	case $err in
	*"Temporary failure in name resolution"*) st=4 msg="$1: Temporary failure in name resolution" && return ;;
	*"No address associated"*) st=4 msg="$1: No address associated with hostname" && return ;;
	*"not known"* | *"bad address"* | *getaddrinfo*)
		st=4 msg="$1: Name or service not known" && return ;;
	*"Connection refused"*) st=1 why="Connection refused" ;;
	*"No route to host"*) why="No route to host" ;;
	*"Network is unreachable"*) why="Network is unreachable" ;;
	*"Network is down"*) why="Network is down" ;;
	*"Permission denied"*) why="Permission denied" ;;
	*"not permitted"*) why="Operation not permitted" ;;
	*"timed out"*) st=3 msg="connect to $1 port $2 (tcp) timed out after $wtxt s" && return ;;
	*) st=7 why=${err##*"$nl"} why=${why##*: } && why=${why:-$method exited with status $rc} ;;
	esac
	msg="connect to $1 port $2 (tcp) failed: $why"
}
attempt() { # HOST PORT K: probe target K, keep its state in ok_K / st_K / msg_K
	tcs=$wcs st=''
	if [ -n "$W" ]; then
		now && tcs=$((end - t))
		if [ "$tcs" -le 0 ]; then # the wait ended before this target's turn came
			eval "[ -n \"\${st_$3-}\" ]" && return
			st=3 msg="connect to $1 port $2 (tcp) timed out after $Wtxt s"
		fi
		[ "$tcs" -gt "$wcs" ] && tcs=$wcs
	fi
	[ -n "$st" ] || probe "$1" "$2" "$tcs"
	if [ "$st" = 0 ]; then
		eval "ok_$3=1" && nopen=$((nopen + 1))
		[ -n "$v" ] || return 0
		sv=$(svc -r "$2") || sv='*'
		[ -z "$W" ] && out "Connection to $1 $2 port [tcp/$sv] succeeded!" && return
		now && e=$((t - t0)) && out "Connection to $1 $2 port [tcp/$sv] succeeded after $((e / 100)).$((e % 100 / 10)) s"
	else
		old='' && eval "old=\${st_$3-} st_$3=\$st msg_$3=\$msg"
		[ -n "$W" ] && [ -n "$v" ] && [ "$old" != "$st" ] && out "tcpcheck: $msg"
	fi
}

trap 'exit 130' INT
now && t0=$t && end=$((t + ${W:-0})) && need=${m:-$count}
while :; do # one round: every target not yet open, in order; more rounds in wait mode only
	rs=$t k=0 nopen=0
	while read -r ports host; do
		[ -n "$ports" ] || continue # the line after the last
		r=$ports,
		while [ -n "$r" ]; do
			it=${r%%,*} r=${r#*,} p=${it%-*}
			while [ "$p" -le "${it#*-}" ]; do
				k=$((k + 1)) && eval "o=\${ok_$k-}"
				if [ -n "$o" ]; then nopen=$((nopen + 1))
				elif [ -z "$W" ] || [ $nopen -lt "$need" ]; then attempt "$host" "$p" $k; fi
				p=$((p + 1))
			done
		done
	done <<EOT
$T
EOT
	[ $nopen -ge "$need" ] || [ -z "$W" ] && break
	now && [ "$t" -ge "$end" ] && break
	d=$((rs + ics - t)) && [ $((t + d)) -gt "$end" ] && d=$((end - t))
	[ $d -gt 0 ] && sleep "$(fmt $d)"
	now
done
k=0 rc=
while [ $k -lt $count ]; do
	k=$((k + 1)) && eval "o=\${ok_$k-} st=\${st_$k-} msg=\${msg_$k-}"
	[ -n "$o" ] || [ -z "$st" ] && continue
	rc=${rc:-$st}
	[ -n "$W" ] && [ -n "$v" ] && continue # already said when it changed
	out "tcpcheck: $msg"
done
[ "$nopen" -ge "$need" ] && rc=0
[ "${rc:-0}" = 0 ] || { [ -n "$H" ] && exit 1; exit "$rc"; }
[ $# -gt 0 ] && exec "$@"
exit 0
