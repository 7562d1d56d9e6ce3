# Shared helpers for the end-to-end tests: real binaries, real daemon, loopback only.
# Source it; set BIN to the directory holding symbiod, symbi and symbi-probe.
set -u

pass=0
fail=0
T=$(mktemp -d /tmp/symbi-e2e.XXXXXX)
DAEMON_PID=
cleanup() {
	[ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# expect_rc WANT DESCRIPTION -- command...
expect_rc() {
	local want=$1 what=$2 got
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$what (exit $got)"; else bad "$what: exit $got, wanted $want; stderr: $(head -c 400 "$T/err")"; fi
}

# expect_grep FILE PATTERN DESCRIPTION
expect_grep() {
	if grep -qE -- "$2" "$1"; then ok "$3"; else bad "$3: no /$2/ in $(head -c 400 "$1")"; fi
}

# A free TCP port on loopback.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_daemon PARK: run symbiod in the background, wait until it is ready.
start_daemon() {
	local park=$1 i
	"$BIN/symbiod" run --dir "$park" 2>>"$T/daemon.log" &
	DAEMON_PID=$!
	for i in $(seq 1 100); do
		grep -q "symbiod: ready" "$T/daemon.log" 2>/dev/null && [ "$(grep -c 'symbiod: ready' "$T/daemon.log")" -ge "${READY_COUNT:-1}" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop_daemon [SIGNAL]: stop it and return its exit status.
stop_daemon() {
	local sig=${1:-TERM} rc
	kill -"$sig" "$DAEMON_PID"
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=
	return $rc
}

# new_park DIR NAME: init a park on a free port.
new_park() {
	"$BIN/symbiod" init --dir "$1" --name "$2" --endpoint "tcp://127.0.0.1:$(free_port)" 2>/dev/null
}

# join PARK STATE ID NAME [SITE]: a company inits (with its site LAT,LON if given), the operator
# enrolls it, the company installs its cert.
join() {
	"$BIN/symbi" init --dir "$2" --park "$1/park.json" --id "$3" --name "$4" ${5:+--site "$5"} 2>/dev/null &&
		"$BIN/symbiod" enroll --dir "$1" --csr "$2/request.csr" --out "$T/$3.crt" 2>/dev/null &&
		"$BIN/symbi" enroll --dir "$2" --cert "$T/$3.crt" 2>/dev/null
}

# site_of FOLDER ID: "LAT,LON" of company ID from FOLDER/sites.json, or nothing without one.
site_of() {
	[ -f "$1/sites.json" ] || return 0
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])).get(sys.argv[2]); print("%.2f,%.2f" % tuple(s) if s else "")' "$1/sites.json" "$2"
}

# park_of_folder PARK FOLDER TITLE: a park of FOLDER's companies (companies.json), each
# enrolled with STATE $T/st-ID, and its daemon running; exits the script when a step fails.
park_of_folder() {
	local c name
	new_park "$1" "$3" || { echo "cannot create park"; exit 1; }
	for c in $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$2/companies.json"); do
		name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$2/companies.json" "$c")
		join "$1" "$T/st-$c" "$c" "$name" "$(site_of "$2" "$c")" || { echo "cannot enroll $c"; exit 1; }
	done
	start_daemon "$1" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }
}

# wait_phase PARK PHASE: the round's phase as the operator sees it (round status --json
# into $T/status.json) becomes PHASE within about five seconds; the daemon moves
# hardened rounds on by itself.
wait_phase() {
	local i
	for i in $(seq 1 50); do
		"$BIN/symbiod" round status --dir "$1" --json >"$T/status.json" 2>/dev/null
		python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["phase"]!=sys.argv[2])' "$T/status.json" "$2" && return 0
		sleep 0.1
	done
	return 1
}

finish() {
	echo "$(basename "$0"): $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
