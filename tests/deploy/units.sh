#!/usr/bin/env bash
# The systemd units in deploy/ and the daemon's side of sd_notify(3).
#
#  (a) systemd-analyze verify passes for all four units, with the build's
#      binaries installed at the paths the units name in a scratch --root, and
#      `systemd-analyze security --offline=yes` scores each service at most
#      2.0. Skipped (and counted) only if systemd-analyze is not installed.
#  (b) a real `symbiod run` with $NOTIFY_SOCKET pointing at a datagram socket
#      this script listens on: READY=1 (with STATUS) once it is listening,
#      WATCHDOG=1 at half of $WATCHDOG_USEC=400000, RELOADING=1 then READY=1
#      around SIGHUP, STOPPING=1 on SIGTERM and exit 0; every datagram from the
#      daemon's own pid. A second run on an abstract socket with $WATCHDOG_PID
#      naming another process: READY=1 but no watchdog pings. A third with
#      unusable values of both: warnings, and the daemon runs as usual.
#
# usage: units.sh BUILD_BIN_DIR SOURCE_DIR
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_BIN_DIR SOURCE_DIR" >&2
	exit 64
fi
BIN=$1
SRC=$2
MAX_EXPOSURE=2.0

pass=0
fail=0
skip=0
T=$(mktemp -d "${TMPDIR:-/tmp}/symbi-units.XXXXXX") || exit 70
DAEMON_PID=
LISTENER_PID=
cleanup() {
	[ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null
	[ -n "$LISTENER_PID" ] && kill "$LISTENER_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() {
	pass=$((pass + 1))
	echo "ok   $*"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL $*"
}

# ---------------------------------------------------------------- (a) units

# exposure UNIT_FILE: the "Overall exposure level" number, or nothing.
exposure() {
	systemd-analyze security --offline=yes "$1" 2>&1 |
		sed -nE 's/.*Overall exposure level for [^:]*: ([0-9]+(\.[0-9]+)?).*/\1/p'
}

check_units() {
	local root=$T/root out rc unit e kill_bin

	# verify insists that every Exec*= binary exists, and resolves the units'
	# dependencies (sysinit.target, ...): a scratch root with the build's
	# binaries where the units expect them, the host's units and kill(1).
	mkdir -p "$root/usr/sbin" "$root/usr/bin" "$root/usr/lib/systemd" "$root/etc/systemd/system"
	ln -s usr/bin "$root/bin"
	install -m 0755 "$BIN/symbiod" "$root/usr/sbin/symbiod"
	install -m 0755 "$BIN/symbi" "$root/usr/bin/symbi"
	kill_bin=/usr/bin/kill
	[ -x "$kill_bin" ] || kill_bin=/bin/kill
	install -m 0755 "$kill_bin" "$root/usr/bin/kill"
	for unit in /usr/lib/systemd/system /lib/systemd/system; do
		if [ -e "$unit/sysinit.target" ]; then
			cp -R "$unit" "$root/usr/lib/systemd/"
			break
		fi
	done
	cp "$SRC/deploy/symbiod.service" "$SRC/deploy/symbi-submit@.service" \
		"$SRC/deploy/symbi-submit@.timer" "$SRC/deploy/symbi-agent@.service" \
		"$root/etc/systemd/system/"
	out=$(systemd-analyze verify --root="$root" symbiod.service symbi-submit@.service \
		symbi-submit@.timer symbi-agent@.service 2>&1)
	rc=$?
	# Unknown keys and unparsable values are only warnings: any output fails.
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		ok "systemd-analyze verify: symbiod.service symbi-submit@.service symbi-submit@.timer symbi-agent@.service"
	else
		bad "systemd-analyze verify (exit $rc): $out"
	fi
	# And the check bites: a unit naming a missing binary fails.
	rm "$root/usr/bin/symbi"
	if ! systemd-analyze verify --root="$root" symbi-submit@.service >/dev/null 2>&1; then
		ok "systemd-analyze verify refuses a unit whose binary is missing"
	else
		bad "systemd-analyze verify passed without /usr/bin/symbi"
	fi

	for unit in symbiod.service symbi-submit@.service symbi-agent@.service; do
		# libzmq resets its threads to SCHED_OTHER and aborts if it may not;
		# verify and the score cannot see that, so name the line that allows it.
		if grep -qx 'SystemCallFilter=sched_setscheduler' "$SRC/deploy/$unit"; then
			ok "$unit: the system call filter lets libzmq start its threads"
		else
			bad "$unit: SystemCallFilter= lacks sched_setscheduler: libzmq would abort"
		fi
		e=$(exposure "$SRC/deploy/$unit")
		if [ -z "$e" ]; then
			bad "$unit: no \"Overall exposure level\" line from systemd-analyze security"
		elif awk -v e="$e" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(e <= max) }'; then
			ok "$unit: exposure $e (at most $MAX_EXPOSURE)"
		else
			bad "$unit: exposure $e, more than $MAX_EXPOSURE"
		fi
	done
}

if command -v systemd-analyze >/dev/null 2>&1; then
	check_units
else
	echo "skip systemd-analyze is not installed: unit verify and security checks not run"
	skip=$((skip + 8))
fi

# ---------------------------------------------------------- (b) sd_notify

# One line per datagram: "<sender pid> <flags> <state, newlines as ';'>". On
# READY=1 it records whether the daemon already accepted TCP connections and
# had written "symbiod: ready", i.e. notified only once listening.
cat >"$T/listener.py" <<'EOF'
import socket, struct, sys

addr, out, port, daemon_log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(out + ".bound", "w").close()
with open(out, "a") as f:
    while True:
        msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = 0
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", data[:12])[0]
        state = msg.decode("utf-8", "replace")
        flags = "-"
        if "READY=1" in state.split("\n"):
            c = socket.socket()
            c.settimeout(2)
            try:
                c.connect(("127.0.0.1", port))
                listening = "yes"
            except OSError:
                listening = "no"
            c.close()
            with open(daemon_log) as d:
                ready_line = "yes" if "symbiod: ready" in d.read() else "no"
            flags = "listening=%s,ready_line=%s" % (listening, ready_line)
        f.write("%d %s %s\n" % (pid, flags, state.replace("\n", ";")))
        f.flush()
EOF

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for FILE PATTERN [COUNT]: until COUNT lines match (10 s at most).
wait_for() {
	local _
	for _ in $(seq 1 100); do
		[ "$(grep -cE -- "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}

# start_listener ADDRESS LOG
start_listener() {
	local _
	rm -f "$2" "$2.bound"
	: >"$2"
	python3 "$T/listener.py" "$1" "$2" "$PORT" "$T/daemon.log" &
	LISTENER_PID=$!
	for _ in $(seq 1 100); do
		[ -e "$2.bound" ] && return 0
		sleep 0.1
	done
	bad "notify listener on $1 did not start"
	return 1
}

stop_listener() {
	kill "$LISTENER_PID" 2>/dev/null
	wait "$LISTENER_PID" 2>/dev/null
	LISTENER_PID=
}

# start_daemon NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID ("self": the daemon's)
start_daemon() {
	: >"$T/daemon.log"
	(
		export NOTIFY_SOCKET=$1 WATCHDOG_USEC=$2
		if [ "$3" = self ]; then export WATCHDOG_PID=$BASHPID; else export WATCHDOG_PID=$3; fi
		exec "$BIN/symbiod" run --dir "$T/park"
	) 2>>"$T/daemon.log" &
	DAEMON_PID=$!
}

# stop_daemon: SIGTERM, then its exit status (killed after 10 s).
stop_daemon() {
	local rc
	kill -TERM "$DAEMON_PID"
	for _ in $(seq 1 100); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=
	return $rc
}

# all_from LOG PID: every datagram came from pid (SCM_CREDENTIALS).
all_from() {
	[ -s "$1" ] && ! awk -v p="$2" '$1 != p { bad = 1 } END { exit !bad }' "$1"
}

if ! command -v python3 >/dev/null 2>&1; then
	bad "python3 is needed for the sd_notify listener"
elif ! PORT=$(free_port) ||
	! "$BIN/symbiod" init --dir "$T/park" --name T --endpoint "tcp://127.0.0.1:$PORT" \
		2>"$T/init.log"; then
	bad "symbiod init: $(head -c 400 "$T/init.log")"
else
	# Run 1: a socket path, the watchdog meant for the daemon.
	N=$T/notify.log
	if start_listener "$T/notify.sock" "$N"; then
		start_daemon "$T/notify.sock" 400000 self
		pid=$DAEMON_PID
		if wait_for "$N" '(^|[ ;])READY=1(;|$)'; then
			line=$(grep -m1 -E '(^|[ ;])READY=1(;|$)' "$N")
			case $line in
			*"listening=yes,ready_line=yes READY=1;STATUS=listening on tcp://127.0.0.1:$PORT")
				ok "READY=1 with STATUS=listening on tcp://127.0.0.1:$PORT, sent once listening" ;;
			*) bad "READY=1 before listening or without STATUS: $line" ;;
			esac
		else
			bad "no READY=1 within 10 s; daemon log: $(head -c 400 "$T/daemon.log")"
		fi
		# 400 ms interval: a ping at least every 200 ms (the loop wakes every 200 ms).
		sleep 1.5
		n=$(grep -c ' WATCHDOG=1$' "$N")
		if [ "$n" -ge 4 ]; then
			ok "WATCHDOG=1 with WATCHDOG_USEC=400000 ($n pings in about 1.5 s)"
		else
			bad "WATCHDOG=1: $n pings in about 1.5 s, expected at least 4"
		fi
		before=$(grep -c ' READY=1$' "$N")
		kill -HUP "$pid"
		if wait_for "$N" ' READY=1$' $((before + 1)) &&
			awk '/ RELOADING=1$/ { r = NR } / READY=1$/ { y = NR } END { exit !(r && y > r) }' "$N"; then
			ok "SIGHUP: RELOADING=1, then READY=1"
		else
			bad "SIGHUP: no RELOADING=1 followed by READY=1: $(grep -v WATCHDOG "$N" | tail -3)"
		fi
		stop_daemon
		rc=$?
		if [ "$rc" -eq 0 ]; then ok "SIGTERM: the daemon exits 0"; else bad "SIGTERM: exit $rc"; fi
		if wait_for "$N" ' STOPPING=1$'; then
			ok "SIGTERM: STOPPING=1"
		else
			bad "SIGTERM: no STOPPING=1"
		fi
		if all_from "$N" "$pid"; then
			ok "every datagram came from the daemon's pid $pid"
		else
			bad "datagrams from another pid than $pid: $(awk '{ print $1 }' "$N" | sort -u | tr '\n' ' ')"
		fi
		stop_listener
	fi

	# Run 2: an abstract socket; $WATCHDOG_PID names another process.
	N=$T/notify2.log
	abstract="@symbi-units-$$-$RANDOM"
	if start_listener "$abstract" "$N"; then
		start_daemon "$abstract" 400000 1
		pid=$DAEMON_PID
		if wait_for "$N" ' READY=1;STATUS=listening on '; then
			ok "abstract \$NOTIFY_SOCKET ($abstract): READY=1"
		else
			bad "abstract \$NOTIFY_SOCKET: no READY=1; daemon log: $(head -c 400 "$T/daemon.log")"
		fi
		sleep 1
		stop_daemon
		rc=$?
		wait_for "$N" ' STOPPING=1$'
		if grep -q 'WATCHDOG=1' "$N"; then
			bad "WATCHDOG_PID=1: the daemon pinged a watchdog meant for another process"
		else
			ok "WATCHDOG_PID of another process: no WATCHDOG=1"
		fi
		if [ "$rc" -eq 0 ] && grep -q ' STOPPING=1$' "$N" && all_from "$N" "$pid"; then
			ok "abstract socket: STOPPING=1 and exit 0"
		else
			bad "abstract socket: exit $rc, datagrams: $(tr '\n' '|' <"$N")"
		fi
		stop_listener
	fi

	# Run 3: a $NOTIFY_SOCKET that is no Unix socket name and a malformed
	# $WATCHDOG_USEC: said so in the log, and the daemon serves and stops as usual.
	start_daemon "notify.sock" "400ms" self
	if wait_for "$T/daemon.log" 'symbiod: ready' &&
		grep -q 'cannot notify the service manager' "$T/daemon.log" &&
		grep -qF "malformed \$WATCHDOG_USEC" "$T/daemon.log"; then
		ok "unusable \$NOTIFY_SOCKET and \$WATCHDOG_USEC: logged, the daemon still starts"
	else
		bad "unusable \$NOTIFY_SOCKET or \$WATCHDOG_USEC: $(head -c 600 "$T/daemon.log")"
	fi
	stop_daemon
	rc=$?
	if [ "$rc" -eq 0 ]; then ok "  ... and exits 0 on SIGTERM"; else bad "  ... exit $rc on SIGTERM"; fi
fi

if [ "$skip" -gt 0 ]; then
	echo "$(basename "$0"): $pass passed, $fail failed, $skip skipped"
else
	echo "$(basename "$0"): $pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
