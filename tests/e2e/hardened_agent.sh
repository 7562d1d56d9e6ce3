#!/usr/bin/env bash
# Hardened rounds with nobody at the keyboard (tests/parks/ulsan): power,
# plasterboard and farms each run `symbi agent --flows`; the operator only
# opens a hardened round. The agents take part in the query, evaluate and
# submit phases on their own, the daemon moves through them and closes the
# round; after everyone accepts, the agents deposit and collect the items.
# usage: hardened_agent.sh BINDIR PARKDIR
BIN=$1
PARKS=$2
. "$(dirname "$0")/lib.sh"

AGENTS="power plasterboard farms"
declare -A APID
cleanup_agents() {
	local c
	for c in $AGENTS; do [ -n "${APID[$c]:-}" ] && kill -9 "${APID[$c]}" 2>/dev/null; done
	cleanup
}
trap cleanup_agents EXIT

P=$T/park
new_park "$P" "Ulsan hardened agents" || { echo "cannot create park"; exit 1; }
for c in $AGENTS; do
	join "$P" "$T/st-$c" "$c" "Company $c" || { echo "cannot enroll $c"; exit 1; }
done
start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }
for c in $AGENTS; do
	"$BIN/symbi" agent --dir "$T/st-$c" --flows "$PARKS/$c.json" --interval-s 1 \
		>"$T/agent-$c.out" 2>"$T/agent-$c.log" &
	APID[$c]=$!
done

expect_rc 0 "round open --mode hardened" -- "$BIN/symbiod" round open --dir "$P" --mode hardened
# The agents poll every second: query, evaluate and submit take a few polls.
for i in $(seq 1 6); do wait_phase "$P" consent && break; done
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["phase"]!="consent")' "$T/status.json" &&
	ok "the agents took the hardened round through query, evaluate and submit; the daemon closed it" ||
	bad "phase: $(cat "$T/status.json"); $(tail -3 "$T/agent-power.log")"
"$BIN/symbi" candidates --dir "$T/st-power" --json >"$T/cand.json" 2>"$T/err" || bad "candidates: $(cat "$T/err")"
python3 -c 'import json,sys; c=sorted((x["counterpart"],x["flow"]) for x in json.load(open(sys.argv[1]))); assert c==[("farms","waste-heat"),("plasterboard","fgd-gypsum")], c' "$T/cand.json" &&
	ok "power's candidates: exactly its two expected matches" || bad "candidates: $(cat "$T/cand.json")"
for c in $AGENTS; do
	expect_rc 0 "$c accepts all" -- "$BIN/symbi" accept --dir "$T/st-$c" --all --yes
done
got=0
for i in $(seq 1 100); do
	if python3 -c 'import json,sys; sys.exit(len(json.load(open(sys.argv[1])))!=2)' "$T/st-power/exchanges.json" 2>/dev/null; then
		got=1
		break
	fi
	sleep 0.2
done
[ $got = 1 ] && ok "the power agent deposited and collected both partners' items on its own" || bad "power exchanges: $(cat "$T/st-power/exchanges.json" 2>&1)"
python3 -c 'import json,sys; assert all(e["check"]=="exact" for e in json.load(open(sys.argv[1])))' "$T/st-power/exchanges.json" 2>/dev/null &&
	ok "  ... each checked exact against the hardened token" || bad "checks: $(cat "$T/st-power/exchanges.json" 2>&1)"
for c in $AGENTS; do
	kill -TERM "${APID[$c]}"
	wait "${APID[$c]}" && ok "the $c agent stops with exit 0" || bad "$c agent exit $?"
	APID[$c]=
done
stop_daemon TERM && ok "daemon stops with exit 0" || bad "daemon exit $?"
finish
