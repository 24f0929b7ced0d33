#!/usr/bin/env bash
# One run of the differential suite, as PID 1 of fresh network, mount and PID
# namespaces (the caller runs it under `unshare --net --mount --pid --fork
# --kill-child --mount-proc --propagation private`), so nothing it binds or
# writes is seen outside and killing it kills everything it started:
#
#   netns.sh [--occupy tcp|tcp6 ADDRESS PORT]... [--probe SCRIPT] WORK USER COMMAND...
#
# It brings up lo with documentation addresses, gives Prosody's fixed paths
# (/run/prosody, /var/lib/prosody, /var/log/prosody) fresh folders under WORK,
# occupies the given ports with nc, starts COMMAND as USER, waits until the
# process has settled (its listening sockets unchanged for 1 s and its CPU
# time for 0.5 s) or exited, bounded by COMPAT_TIMEOUT seconds (default 10),
# and prints:
#
#   listen tcp 0.0.0.0:5222      one line per listening socket of the process
#   state running | state exited CODE
#   settled MS | settled no
#
# The server's own output goes to WORK/out. With --probe, once the process
# has settled and still runs, `bash SCRIPT WORK` runs as root inside the
# namespaces (the client side of a test), its output in WORK/probe, before
# the process is stopped, for at most 20 s.
set -u

occupy=() probe=""
while [ "${1:-}" = --occupy ]; do
	occupy+=("$2 $3 $4")
	shift 4
done
if [ "${1:-}" = --probe ]; then
	probe=$2
	shift 2
fi
work=$1 user=$2
shift 2

fail() { echo "netns.sh: $*" >&2; exit 2; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

ip link set lo up || fail "ip link set lo up failed"
ip addr add 192.0.2.1/24 dev lo || fail "adding 192.0.2.1"
ip addr add 198.51.100.1/24 dev lo || fail "adding 198.51.100.1"
ip -6 addr add 2001:db8::1/64 dev lo nodad || fail "adding 2001:db8::1"

# Prosody's packaged paths, private to this run: Debian's stock config writes
# its log, pid file and admin socket there.
mount -t tmpfs compat /run || fail "mounting /run"
mkdir -p /run/prosody "$work/lib" "$work/log"
chown "$user:" /run/prosody "$work/lib" "$work/log"
for d in lib log; do
	if [ -d "/var/$d/prosody" ]; then
		mount --bind "$work/$d" "/var/$d/prosody" || fail "mounting /var/$d/prosody"
	fi
done

listening() { ss -ltnupH | grep -F "$1" | awk '{ print "listen", $1, $5 }' | sort; }

for o in "${occupy[@]}"; do
	read -r proto addr port <<<"$o"
	fam=-4
	[ "$proto" = tcp6 ] && fam=-6
	nc "$fam" -d -l "$addr" "$port" </dev/null >/dev/null 2>&1 &
	for _ in $(seq 50); do
		[ -n "$(listening "pid=$!,")" ] && break
		sleep 0.1
	done
	[ -n "$(listening "pid=$!,")" ] || fail "nc could not occupy $addr $port"
done

setpriv --reuid="$user" --regid="$user" --init-groups -- "$@" >"$work/out" 2>&1 </dev/null &
pid=$!

# state of the process: R, S, ..., Z (exited, not yet reaped) or gone.
proc_state() { sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1; }
# CPU ticks so far (utime + stime), after the command name, which may hold spaces.
proc_cpu() { sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }

start=$(now_ms)
deadline=$(( start + ${COMPAT_TIMEOUT:-10} * 1000 ))
sockets="" cpu="" sockets_since=$start cpu_since=$start settled=no
while :; do
	state=$(proc_state)
	if [ -z "$state" ] || [ "$state" = Z ]; then
		break
	fi
	t=$(now_ms)
	cur=$(listening "pid=$pid,")
	c=$(proc_cpu)
	[ "$cur" != "$sockets" ] && sockets=$cur sockets_since=$t
	[ "$c" != "$cpu" ] && cpu=$c cpu_since=$t
	if (( t - sockets_since >= 1000 && t - cpu_since >= 500 )); then
		settled=$(( t - start ))
		break
	fi
	(( t >= deadline )) && break
	sleep 0.1
done

state=$(proc_state)
if [ -z "$state" ] || [ "$state" = Z ]; then
	wait "$pid"
	code=$?
	echo "state exited $code"
	sockets=""
else
	echo "state running"
	[ -n "$probe" ] && timeout 20 bash "$probe" "$work" >"$work/probe" 2>&1
fi
[ -n "$sockets" ] && echo "$sockets"
echo "settled $settled"

# Stop it: TERM, then KILL after 5 s. Whatever is left dies with this PID
# namespace when this script, its init, ends.
if [ "${code+set}" != set ]; then
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 50); do
		state=$(proc_state)
		{ [ -z "$state" ] || [ "$state" = Z ]; } && break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
fi
exit 0
