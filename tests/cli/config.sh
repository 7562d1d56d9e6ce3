#!/usr/bin/env bash
# Configuration files through the real binaries: `symbiod --check-config`
# accepts a good file (exit 0, the settings printed) and refuses a bad one
# with exit 78 naming the line and the key; `symbiod run` and the other
# commands stop with 78 on a bad file before touching the park; settings from
# the file apply and command-line options override them; the client likewise
# with STATE/symbi.conf; deploy/symbiod.conf.example is valid and complete.
#
# usage: config.sh BINDIR
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 BINDIR" >&2
	exit 64
fi
bin=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
example=$src/deploy/symbiod.conf.example

passed=0
failed=0
daemon_pid=
T=$(mktemp -d "${TMPDIR:-/tmp}/symbi-config.XXXXXX") || exit 70
cleanup() {
	[ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*" >&2
}

# run WANT DESCRIPTION -- COMMAND...: stdout in $T/out, stderr in $T/err.
run() {
	local want=$1 what=$2 got
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		pass
		return 0
	fi
	fail "$what: exit $got, want $want ($*)"
	sed 's/^/    stderr: /' "$T/err" >&2
	return 1
}

# has FILE TEXT DESCRIPTION: FILE contains TEXT (a fixed string).
has() {
	if grep -qF -- "$2" "$1"; then pass; else
		fail "$3: no \"$2\" in:"
		sed 's/^/    /' "$1" >&2
	fi
}

# snap DIR: every file's name, size, mode and modification time.
snap() { find "$1" -printf '%p %s %m %T@\n' 2>/dev/null | sort; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# refused CONFIG_TEXT MESSAGE: symbiod --check-config exits 78 with exactly this message.
refused() {
	printf '%s' "$1" >"$T/bad.conf"
	run 78 "check-config refuses: $2" -- "$bin/symbiod" --check-config --config "$T/bad.conf" &&
		has "$T/err" "symbiod: $T/bad.conf: $2" "check-config names the line and the key"
}

# --- symbiod --check-config -------------------------------------------------

cat >"$T/good.conf" <<EOF
# a park's coordinator

dir = $T/park
  heartbeat_ms = 2000
handshake_ms=700
	log_level = debug	
log_format = json
EOF
if run 0 "check-config accepts a good file" -- "$bin/symbiod" --check-config --config "$T/good.conf"; then
	has "$T/err" "$T/good.conf: OK" "check-config says the file is good"
	has "$T/out" "dir = $T/park" "check-config prints dir"
	has "$T/out" "heartbeat_ms = 2000" "check-config prints heartbeat_ms"
	has "$T/out" "handshake_ms = 700" "check-config prints handshake_ms"
	has "$T/out" "log_level = debug" "check-config prints log_level"
	has "$T/out" "log_format = json" "check-config prints log_format"
	has "$T/out" "# endpoint: not set" "check-config says endpoint is not set"
fi
# What it prints is itself a valid configuration with the same settings.
cp "$T/out" "$T/printed.conf"
run 0 "the printed settings are a valid file" -- "$bin/symbiod" --check-config --config "$T/printed.conf" &&
	{ if diff <(sed 1d "$T/printed.conf") <(sed 1d "$T/out") >/dev/null; then pass; else
		fail "the printed settings read back differently"; fi; }

refused $'dir = /srv/park\n\n\n\n\n\nheartbeat_ms = 50\n' \
	'line 7: key "heartbeat_ms": not an integer in 100..600000'
refused $'# comment\nheartbeat = 500\n' \
	'line 2: key "heartbeat": unknown key (known: dir, endpoint, handshake_ms, heartbeat_ms, log_level, log_format)'
refused $'log_level = info\nhandshake_ms = 900\nlog_level = debug\n' \
	'line 3: key "log_level": already set on line 1'
refused $'\nheartbeat_ms 500\n' 'line 2: key "heartbeat_ms": missing "=" (lines are key = value)'
refused $'handshake_ms = 5s\n' 'line 1: key "handshake_ms": not an integer in 100..600000'
refused $'handshake_ms = 600001\n' 'line 1: key "handshake_ms": not an integer in 100..600000'
refused $'log_level = verbose\n' 'line 1: key "log_level": not one of err, warning, notice, info, debug'
refused $'log_format = syslog\n' 'line 1: key "log_format": not one of text, json'
refused $'dir =\n' 'line 1: key "dir": empty value'
refused $'dir = park\n' 'line 1: key "dir": not an absolute path'
refused $'endpoint = 127.0.0.1:7400\n' 'line 1: key "endpoint": not tcp://HOST:PORT'
refused $'heartbeat_ms = 500 # ms\n' 'line 1: key "heartbeat_ms": comments go on a line of their own'
{ echo "log_level = info"; head -c 70000 /dev/zero | tr '\0' '#'; echo; } >"$T/big.conf"
run 78 "check-config refuses a file over 64 KiB" -- "$bin/symbiod" --check-config --config "$T/big.conf" &&
	has "$T/err" "big.conf: larger than 65536 bytes; refused" "  ... and says so"
run 78 "check-config: --config FILE must exist" -- "$bin/symbiod" --check-config --config "$T/none.conf" &&
	has "$T/err" "none.conf: no such file" "  ... and says so"
if [ ! -e /etc/symbiod/symbiod.conf ]; then
	run 0 "check-config without a file: the defaults" -- "$bin/symbiod" --check-config &&
		has "$T/out" "heartbeat_ms = 10000" "  ... printed"
fi
run 64 "--config alone is a usage error" -- "$bin/symbiod" --config "$T/good.conf"

# --- symbiod run and the other commands -------------------------------------

port=$(free_port)
"$bin/symbiod" init --dir "$T/park" --name "Config Park" --endpoint "tcp://127.0.0.1:$port" \
	2>"$T/err" || { fail "cannot create a park"; cat "$T/err" >&2; }
{ echo "dir = $T/park"; echo "log_format = jsn"; } >"$T/bad.conf"
before=$(snap "$T/park")
run 78 "run stops on a bad file" -- "$bin/symbiod" run --config "$T/bad.conf" &&
	has "$T/err" "bad.conf: line 2: key \"log_format\": not one of text, json" "  ... naming line and key"
run 78 "run stops on a bad file before --dir counts" -- "$bin/symbiod" run --dir "$T/park" --config "$T/bad.conf"
run 78 "run --config FILE must exist" -- "$bin/symbiod" run --dir "$T/park" --config "$T/none.conf"
run 78 "run on a bad file does not create a missing park" -- "$bin/symbiod" run --dir "$T/nopark" --config "$T/bad.conf"
[ ! -e "$T/nopark" ] && pass || fail "run created $T/nopark"
[ "$(snap "$T/park")" = "$before" ] && pass || fail "run touched the park despite a bad configuration"
run 78 "members stops on a bad file" -- "$bin/symbiod" members --config "$T/bad.conf"
run 78 "round status stops on a bad file" -- "$bin/symbiod" round status --config "$T/bad.conf"
run 78 "log checkpoint stops on a bad file" -- "$bin/symbiod" log checkpoint --config "$T/bad.conf"
[ "$(snap "$T/park")" = "$before" ] && pass || fail "a command touched the park despite a bad configuration"
run 64 "run refuses an unknown --log-level" -- "$bin/symbiod" run --dir "$T/park" --log-level loud
run 64 "run refuses an unknown --log-format" -- "$bin/symbiod" run --dir "$T/park" --log-format xml
run 64 "--log-level is an option of run only" -- "$bin/symbiod" members --dir "$T/park" --log-level debug

# dir from the configuration.
run 0 "members takes dir from --config" -- "$bin/symbiod" members --config "$T/good.conf" --json

# start_daemon LOG ARGS...: symbiod run in the background until it is ready.
start_daemon() {
	local log=$1 i
	shift
	"$bin/symbiod" run "$@" 2>"$log" &
	daemon_pid=$!
	for i in $(seq 1 100); do
		grep -q "symbiod: ready" "$log" 2>/dev/null && return 0
		kill -0 "$daemon_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
stop_daemon() {
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	local rc=$?
	daemon_pid=
	return $rc
}

port2=$(free_port)
cat >"$T/run.conf" <<EOF
dir = $T/park
endpoint = tcp://127.0.0.1:$port2
log_format = json
log_level = debug
EOF
if start_daemon "$T/d1.log" --config "$T/run.conf"; then
	pass
	run 0 "status takes dir from --config" -- "$bin/symbiod" status --config "$T/run.conf" --json
	if python3 - "$T/d1.log" "tcp://127.0.0.1:$port2" <<'EOF'; then pass; else fail "run --config: no JSON log line says it listens on the configured endpoint: $(head -c 600 "$T/d1.log")"; fi
import json, sys
found = False
for line in open(sys.argv[1]):
    if line.startswith("{"):
        rec = json.loads(line)
        found |= ("listening on " + sys.argv[2]) in rec.get("msg", "")
sys.exit(0 if found else 1)
EOF
	stop_daemon && pass || fail "the daemon did not stop cleanly"
else
	fail "symbiod run --config did not start: $(head -c 600 "$T/d1.log")"
fi
# Options override the file: --log-format text, --endpoint.
port3=$(free_port)
if start_daemon "$T/d2.log" --config "$T/run.conf" --log-format text --endpoint "tcp://127.0.0.1:$port3"; then
	pass
	if grep "listening on tcp://127.0.0.1:$port3" "$T/d2.log" | grep -qv '^{'; then pass; else
		fail "--log-format text and --endpoint did not override the file: $(head -c 600 "$T/d2.log")"
	fi
	stop_daemon && pass || fail "the daemon did not stop cleanly"
else
	fail "symbiod run with overrides did not start: $(head -c 600 "$T/d2.log")"
fi
# --log-level err: not even the notices.
{ echo "dir = $T/park"; echo "endpoint = tcp://127.0.0.1:$port2"; } >"$T/quiet.conf"
if start_daemon "$T/d3.log" --config "$T/quiet.conf" --log-level err; then
	if grep -q "listening on" "$T/d3.log"; then fail "--log-level err still logs notices"; else pass; fi
	stop_daemon && pass || fail "the daemon did not stop cleanly"
else
	fail "symbiod run --log-level err did not start: $(head -c 600 "$T/d3.log")"
fi

# --- deploy/symbiod.conf.example ----------------------------------------------

if [ -f "$example" ]; then
	run 0 "the example file is valid as shipped" -- "$bin/symbiod" --check-config --config "$example"
	# Every key the daemon knows is in it, as "#key = value".
	"$bin/symbiod" --check-config --config "$example" 2>/dev/null |
		sed -nE 's/^# ([a-z_]+): not set.*/\1/p; s/^([a-z_]+) = .*/\1/p' >"$T/keys"
	[ "$(wc -l <"$T/keys")" -ge 6 ] && pass || fail "check-config printed too few keys"
	while read -r key; do
		grep -qE "^#$key = " "$example" && pass || fail "the example lacks $key"
	done <"$T/keys"
	# With every setting uncommented, it is still valid and gives the defaults.
	sed -E 's/^#([a-z_]+ = )/\1/' "$example" >"$T/uncommented.conf"
	if run 0 "the example with its settings uncommented is valid" -- \
		"$bin/symbiod" --check-config --config "$T/uncommented.conf"; then
		grep -vE '^(#|dir |endpoint )' "$T/out" >"$T/example-settings"
		printf '# nothing set\n' >"$T/empty.conf"
		"$bin/symbiod" --check-config --config "$T/empty.conf" 2>/dev/null |
			grep -vE '^(#|dir |endpoint )' >"$T/default-settings"
		diff "$T/example-settings" "$T/default-settings" >/dev/null && pass ||
			fail "the example's values are not the defaults: $(diff "$T/example-settings" "$T/default-settings")"
	fi
else
	fail "no $example"
fi

# --- symbi and STATE/symbi.conf -----------------------------------------------

"$bin/symbi" init --dir "$T/acme" --park "$T/park/park.json" --id acme --name "ACME" 2>/dev/null &&
	"$bin/symbiod" enroll --dir "$T/park" --csr "$T/acme/request.csr" --out "$T/acme.crt" 2>/dev/null &&
	"$bin/symbi" enroll --dir "$T/acme" --cert "$T/acme.crt" 2>/dev/null ||
	fail "cannot enroll a company"

# symbi init creates STATE's missing parents (0700) and refuses a parent that is not a directory.
run 0 "symbi init creates missing parents" -- "$bin/symbi" init --dir "$T/new/a/b/state" \
	--park "$T/park/park.json" --id newco --name "New Co" &&
	{ [ "$(stat -c %a "$T/new/a/b")" = 700 ] && [ "$(stat -c %a "$T/new/a/b/state")" = 700 ] &&
		[ -f "$T/new/a/b/state/request.csr" ] && pass || fail "  ... not created with mode 0700"; }
: >"$T/afile"
run 74 "symbi init under a file" -- "$bin/symbi" init --dir "$T/afile/state" \
	--park "$T/park/park.json" --id fileco --name "File Co" &&
	has "$T/err" "$T/afile: not a directory" "  ... names the file"

run 0 "symbi check-config without a file: the defaults" -- "$bin/symbi" check-config --dir "$T/acme" &&
	has "$T/err" "the defaults apply" "  ... says so"
printf '# client\n\ntimeout_ms = 1500\n  attempts=2\nlog_format = json\n' >"$T/acme/symbi.conf"
run 0 "symbi check-config accepts a good file" -- "$bin/symbi" check-config --dir "$T/acme" &&
	{ has "$T/out" "timeout_ms = 1500" "  ... prints timeout_ms"
	  has "$T/out" "attempts = 2" "  ... prints attempts"
	  has "$T/out" "log_format = json" "  ... prints log_format"; }
run 0 "symbi --check-config is the same command" -- "$bin/symbi" --check-config --dir "$T/acme"
run 66 "symbi check-config on a missing STATE" -- "$bin/symbi" check-config --dir "$T/nostate"

# client_refused CONFIG_TEXT MESSAGE
client_refused() {
	printf '%s' "$1" >"$T/acme/symbi.conf"
	run 78 "symbi check-config refuses: $2" -- "$bin/symbi" check-config --dir "$T/acme" &&
		has "$T/err" "symbi check-config: $T/acme/symbi.conf: $2" "  ... naming the line and the key"
}
client_refused $'timeout_ms = 1000\n\nattempts = 0\n' 'line 3: key "attempts": not an integer in 1..10'
client_refused $'timeout = 1000\n' 'line 1: key "timeout": unknown key (known: timeout_ms, attempts, log_format, min_offer_tokens, min_need_tokens, allow, deny)'
client_refused $'attempts = 2\nattempts = 3\n' 'line 2: key "attempts": already set on line 1'
client_refused $'timeout_ms: 1000\n' 'line 1: "timeout_ms:" is not a key name (a-z, 0-9, _)'
client_refused $'timeout_ms 1000\n' 'line 1: key "timeout_ms": missing "=" (lines are key = value)'
client_refused $'timeout_ms = 50\n' 'line 1: key "timeout_ms": not an integer in 100..600000'
client_refused $'log_format = yaml\n' 'line 1: key "log_format": not one of text, json'
client_refused $'timeout_ms =\n' 'line 1: key "timeout_ms": empty value'
client_refused $'deny = beta, Bad!\n' 'line 1: key "deny": a comma-separated list of member ids'
client_refused $'allow = ok,,\n' 'line 1: key "allow": a comma-separated list of member ids'
client_refused $'min_offer_tokens = 0\n' 'line 1: key "min_offer_tokens": not an integer in 1..1048576'
printf 'min_offer_tokens = 4096\nmin_need_tokens = 256\nallow = beta, gamma-2\ndeny = delta\n' >"$T/acme/symbi.conf"
run 0 "symbi check-config accepts the size floors and the counterpart policy" -- \
	"$bin/symbi" check-config --dir "$T/acme" &&
	{ has "$T/out" "min_offer_tokens = 4096" "  ... prints min_offer_tokens"
	  has "$T/out" "allow = beta, gamma-2" "  ... prints allow"
	  has "$T/out" "deny = delta" "  ... prints deny"; }

# Every command that takes --dir stops on it, before reading or sending anything.
printf 'timeout_ms = 2000\n# ok so far\nattempts = eleven\n' >"$T/acme/symbi.conf"
before=$(snap "$T/acme")
for cmd in "status" "candidates" "exchanges" "accept --all" "decline --all" "submit $T/flows.json" \
	"enroll --cert $T/acme.crt"; do
	# shellcheck disable=SC2086
	run 78 "symbi $cmd stops on a bad STATE/symbi.conf" -- "$bin/symbi" $cmd --dir "$T/acme" &&
		has "$T/err" "symbi.conf: line 3: key \"attempts\": not an integer in 1..10" \
			"  ... symbi ${cmd%% *} names the line and the key"
done
[ "$(snap "$T/acme")" = "$before" ] && pass || fail "a client command touched STATE despite a bad symbi.conf"

# The settings apply: the daemon is down, so status waits timeout_ms x attempts.
printf 'timeout_ms = 300\nattempts = 1\n' >"$T/acme/symbi.conf"
t0=$(now_ms)
run 69 "status with the daemon down, settings from symbi.conf" -- "$bin/symbi" status --dir "$T/acme"
t=$(($(now_ms) - t0))
[ "$t" -lt 6000 ] && pass || fail "symbi.conf's timeout_ms and attempts ignored: $t ms (defaults: 3 x 3000)"
# ... and the options override them.
printf 'timeout_ms = 600000\nattempts = 10\n' >"$T/acme/symbi.conf"
t0=$(now_ms)
run 69 "status with the daemon down, options over symbi.conf" -- \
	timeout 60 "$bin/symbi" status --dir "$T/acme" --timeout 300 --attempts 1
t=$(($(now_ms) - t0))
[ "$t" -lt 6000 ] && pass || fail "--timeout and --attempts did not override symbi.conf: $t ms"
run 64 "--attempts out of range" -- "$bin/symbi" status --dir "$T/acme" --attempts 11
# Strict numbers: no trailing text, sign, blank or overflow; the error names the flag.
for v in 300x 1000ms abc "" " 300" +300 -300 50 600001 1e3 99999999999999999999; do
	run 64 "--timeout \"$v\" is refused" -- \
		timeout 60 "$bin/symbi" status --dir "$T/acme" --attempts 1 --timeout "$v" &&
		has "$T/err" "--timeout \"$v\": not a whole number in 100..600000" "  ... naming --timeout and its range"
done
for v in 1x 0 11 2.5 -1 "" 4294967297; do
	run 64 "--attempts \"$v\" is refused" -- \
		timeout 60 "$bin/symbi" candidates --dir "$T/acme" --timeout 300 --attempts "$v" &&
		has "$T/err" "--attempts \"$v\": not a whole number in 1..10" "  ... naming --attempts and its range"
done

# --- round open --quantum: version 1's option, still accepted (ignored, said so) ------
# With no daemon the command gets past its options and exits 69; a bad value is 64.
run 69 "round open --quantum 64 is still accepted" -- \
	"$bin/symbiod" round open --dir "$T/no-park" --quantum 64 &&
	has "$T/err" "--quantum is ignored since protocol 1.1" "  ... and said to be ignored"
run 64 "round open --quantum with a bad value is a usage error" -- \
	"$bin/symbiod" round open --dir "$T/no-park" --quantum x

echo "config.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
