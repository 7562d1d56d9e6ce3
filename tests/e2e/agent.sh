#!/usr/bin/env bash
# The client agent and sync, through real processes (tests/parks/ulsan).
#
#   power and farms run `symbi agent --flows` in the background; plasterboard
#   submits by hand and uses `symbi sync`. The operator opens the round (the
#   agents submit on their own), closes it; everyone accepts with
#   `symbi accept --all --yes`; the agents deposit and collect on their own:
#   power ends with plasterboard's and farms' items, farms with power's.
#   plasterboard's first `symbi sync` deposits 1 and receives 1, the second
#   right after has nothing to do (exit 0). SIGTERM stops each agent with exit
#   0 within a second, also while the coordinator is down and a call is in
#   flight. No agent log line holds a flow id or a detail. With the daemon
#   stopped, `symbi sync` exits 75.
# usage: agent.sh BINDIR PARKDIR
BIN=$1
PARKS=$2
. "$(dirname "$0")/lib.sh"

AGENTS="power farms"
declare -A APID
cleanup_agents() {
	local c
	for c in $AGENTS; do [ -n "${APID[$c]:-}" ] && kill -9 "${APID[$c]}" 2>/dev/null; done
	[ -n "${LISTENER:-}" ] && kill "$LISTENER" 2>/dev/null
	cleanup
}
trap cleanup_agents EXIT

P=$T/park
new_park "$P" "Ulsan agents" || { echo "cannot create park"; exit 1; }
for c in power plasterboard farms; do
	join "$P" "$T/st-$c" "$c" "Company $c" || { echo "cannot enroll $c"; exit 1; }
done
start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }

for c in $AGENTS; do
	"$BIN/symbi" agent --dir "$T/st-$c" --flows "$PARKS/$c.json" --interval-s 1 \
		>"$T/agent-$c.out" 2>"$T/agent-$c.log" &
	APID[$c]=$!
done

# wait_until SECONDS COMMAND...: until the command succeeds.
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

expect_rc 0 "round open" -- "$BIN/symbiod" round open --dir "$P"
ROUND=$(tr -d ' \n' <"$T/out")
expect_rc 0 "plasterboard submits by hand" -- "$BIN/symbi" submit --dir "$T/st-plasterboard" "$PARKS/plasterboard.json"
for c in $AGENTS; do
	if wait_until 30 test -e "$T/st-$c/rounds/$ROUND.json"; then
		ok "the $c agent submitted its flows to round ${ROUND:0:8} on its own"
	else
		bad "the $c agent did not submit; log: $(tail -c 600 "$T/agent-$c.log")"
	fi
done
expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P"

# power accepts last and at once: its agent deposits both items in one sync.
for c in plasterboard farms power; do
	expect_rc 0 "$c accepts all its candidates" -- "$BIN/symbi" accept --dir "$T/st-$c" --all --yes
done

# has_items COMPANY PARTNER:ITEM...: STATE/exchanges.json holds exactly these
# partner items (the partner's flow id and its secret contact detail).
has_items() {
	python3 - "$T/st-$1/exchanges.json" "$1" "${@:2}" <<'EOF'
import json, sys
path, me, want = sys.argv[1], sys.argv[2], set(sys.argv[3:])
try:
    ex = json.load(open(path))
except (OSError, ValueError):
    sys.exit(1)
got = set()
for e in ex:
    mine_sup = e["supplier"] == me
    partner = e["need"] if mine_sup else e["offer"]
    other = e["consumer"] if mine_sup else e["supplier"]
    if e.get("check") == "mismatch" or "SECRET" not in json.dumps(partner.get("details")):
        sys.exit(1)
    got.add("%s:%s" % (other, partner["id"]))
sys.exit(0 if got == want else 1)
EOF
}

if wait_until 30 has_items farms power:waste-heat; then
	ok "farms' agent collected power's waste-heat item"
else
	bad "farms: no power item; log: $(tail -c 600 "$T/agent-farms.log")"
fi

# plasterboard: sync deposits its item and collects power's, then has nothing left.
expect_rc 0 "plasterboard: symbi sync" -- "$BIN/symbi" sync --dir "$T/st-plasterboard" --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j["deposited"]==1 and j["received"]==1 and j["phase"]=="consent" and j["done"]))' "$T/out" &&
	ok "first sync: deposited 1, received 1" || bad "first sync: $(cat "$T/out") $(cat "$T/err")"
has_items plasterboard power:fgd-gypsum && ok "plasterboard holds power's fgd-gypsum item" ||
	bad "plasterboard: $(cat "$T/st-plasterboard/exchanges.json" 2>&1 | head -c 400)"
expect_rc 0 "plasterboard: symbi sync again" -- "$BIN/symbi" sync --dir "$T/st-plasterboard" --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j["deposited"]==0 and j["received"]==0 and j["done"]))' "$T/out" &&
	grep -q "nothing to do" "$T/err" &&
	ok "second sync: nothing to do" || bad "second sync: $(cat "$T/out") $(cat "$T/err")"

if wait_until 30 has_items power plasterboard:gypsum-in farms:heat-in; then
	ok "power's agent collected plasterboard's gypsum-in and farms' heat-in items"
else
	bad "power: $(head -c 400 "$T/st-power/exchanges.json" 2>&1); log: $(tail -c 600 "$T/agent-power.log")"
fi
expect_rc 0 "symbi exchanges --json lists power's two exchanges" -- "$BIN/symbi" exchanges --dir "$T/st-power" --json
python3 -c 'import json,sys; sys.exit(len(json.load(open(sys.argv[1]))) != 2)' "$T/out" &&
	ok "  ... exactly two" || bad "  ... $(head -c 400 "$T/out")"

expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
wait_until 10 grep -q "phase ended" "$T/agent-power.log" &&
	ok "power's agent saw the round end" || bad "no 'phase ended' in power's log"

# stop_agent COMPANY: SIGTERM; exit 0 within a second.
stop_agent() {
	local pid=${APID[$1]} t0 t1 rc
	t0=$(date +%s%N)
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	t1=$(date +%s%N)
	APID[$1]=
	if [ "$rc" -eq 0 ] && [ $(((t1 - t0) / 1000000)) -le 1000 ]; then
		ok "$1's agent: SIGTERM, exit 0 in $(((t1 - t0) / 1000000)) ms"
	else
		bad "$1's agent: SIGTERM: exit $rc after $(((t1 - t0) / 1000000)) ms"
	fi
}
for c in $AGENTS; do stop_agent "$c"; done
for c in $AGENTS; do
	expect_grep "$T/agent-$c.log" "flows submitted" "$c's log: the submission"
	expect_grep "$T/agent-$c.log" "sync: deposited" "$c's log: the sync"
	expect_grep "$T/agent-$c.log" "stopping on signal" "$c's log: the stop"
	if grep -qE "SECRET|waste-heat|fgd-gypsum|heat-in|gypsum-in|fly-ash" "$T/agent-$c.log"; then
		bad "$c's log holds a flow id or a detail"
	else
		ok "$c's log holds no flow id or detail"
	fi
	[ -s "$T/agent-$c.out" ] && bad "$c's agent wrote to stdout" || ok "$c's agent wrote nothing to stdout"
done

# The coordinator down: sync says 75; an agent stops promptly in the middle of a call.
stop_daemon
expect_rc 75 "sync with the coordinator down" -- "$BIN/symbi" sync --dir "$T/st-farms" --timeout 300 --attempts 1
AGENTS=farms
# A first status call waits up to 3 x 5 s: SIGTERM comes in the middle of it.
"$BIN/symbi" agent --dir "$T/st-farms" --interval-s 1 >/dev/null 2>"$T/agent-down.log" &
APID[farms]=$!
sleep 2
stop_agent farms
grep -q "status:" "$T/agent-down.log" && bad "  ... the call was no longer in flight" ||
	ok "  ... with its first call to the coordinator still in flight"
# Short calls: the failure is logged, and the agent backs off and goes on.
"$BIN/symbi" agent --dir "$T/st-farms" --interval-s 1 --timeout 200 --attempts 1 \
	>/dev/null 2>"$T/agent-down.log" &
APID[farms]=$!
wait_until 10 grep -q "status: .*exit 69" "$T/agent-down.log" &&
	ok "the agent logged the unreachable coordinator" || bad "no status line: $(cat "$T/agent-down.log")"
stop_agent farms

# sd_notify(3), as under systemd: READY=1, WATCHDOG=1 at half of $WATCHDOG_USEC, STOPPING=1.
cat >"$T/listen.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".bound", "w").close()
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", ";") + "\n")
        f.flush()
PY
python3 "$T/listen.py" "$T/notify.sock" "$T/notify.log" &
LISTENER=$!
wait_until 10 test -e "$T/notify.log.bound"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 "$BIN/symbi" agent --dir "$T/st-farms" \
	--interval-s 1 --timeout 200 --attempts 1 >/dev/null 2>"$T/agent-notify.log" &
APID[farms]=$!
wait_until 10 grep -q "^READY=1" "$T/notify.log" && ok "sd_notify: READY=1" ||
	bad "sd_notify: no READY=1: $(cat "$T/notify.log")"
sleep 1.5
n=$(grep -c "^WATCHDOG=1$" "$T/notify.log")
[ "$n" -ge 2 ] && ok "sd_notify: WATCHDOG=1 ($n pings in about 1.5 s)" || bad "sd_notify: $n watchdog pings"
stop_agent farms
wait_until 5 grep -q "^STOPPING=1$" "$T/notify.log" && ok "sd_notify: STOPPING=1" ||
	bad "sd_notify: no STOPPING=1: $(cat "$T/notify.log")"
kill "$LISTENER" 2>/dev/null
wait "$LISTENER" 2>/dev/null

finish
