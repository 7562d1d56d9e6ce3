#!/usr/bin/env bash
# Park indicators by secure aggregation, end to end through the real CLI and
# a real daemon: the sums the coordinator stores equal the plaintext sums this
# test computes itself from the park's flows files and agreed exchanges; a
# company killed before sending its vector and one that drops during the
# unmasking still give correct sums over the others; fewer survivors than the
# threshold give no result; the companies' agents do it all on their own; no
# company's plaintext vector is anywhere under PARK; symbi-audit verify accepts
# the log, and names a log the coordinator rewrote (re-signed).
# usage: indicators.sh BINDIR SCENARIO_DIR
BIN=$1
SC=$2
. "$(dirname "$0")/lib.sh"
CHECK="python3 $(dirname "$0")/indicators_check.py"

declare -A APID
cleanup_agents() {
	local c
	for c in "${!APID[@]}"; do kill -9 "${APID[$c]}" 2>/dev/null; done
	cleanup
}
trap cleanup_agents EXIT

P=$T/park
park_of_folder "$P" "$SC" "Indicators $(basename "$SC")"
ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")
n=$(echo $ids | wc -w)

# indicators_state: the latest round's indicator state from round status.
indicators_state() {
	"$BIN/symbiod" round status --dir "$P" --json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("indicators","-"))'
}

# sync_until STATE COMPANY...: run symbi sync for the companies until the round's
# indicators are STATE (or give up after 60 passes).
sync_until() {
	local want=$1 pass c
	shift
	for attempt in $(seq 1 60); do
		for c in "$@"; do
			"$BIN/symbi" sync --dir "$T/st-$c" >>"$T/sync.log" 2>&1
		done
		[ "$(indicators_state)" = "$want" ] && return 0
		sleep 0.5
	done
	return 1
}

# a_round [ACCEPT]: open, everyone submits, close, (everyone accepts and exchanges), end.
a_round() {
	local c
	"$BIN/symbiod" round open --dir "$P" --indicator-seconds 3 >"$T/round" 2>>"$T/ops.log" || return 1
	for c in $ids; do
		"$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json" >/dev/null 2>>"$T/ops.log" || return 1
	done
	"$BIN/symbiod" round close --dir "$P" >/dev/null 2>>"$T/ops.log" || return 1
	if [ "${1:-}" = accept ]; then
		for c in $ids; do
			"$BIN/symbi" accept --dir "$T/st-$c" --all --yes >/dev/null 2>>"$T/ops.log"
		done
		for attempt in 1 2; do
			for c in $ids; do
				"$BIN/symbi" exchanges --dir "$T/st-$c" >/dev/null 2>>"$T/ops.log"
			done
		done
	fi
	"$BIN/symbiod" round end --dir "$P" >/dev/null 2>>"$T/ops.log"
}

# ---- 1. every company: the sums equal the plaintext sums ---------------------------
a_round accept || { echo "round 1 failed"; cat "$T/ops.log"; exit 1; }
R1=$(cat "$T/round")
[ "$(indicators_state)" = collecting ] && ok "round status says indicators: collecting after the end" || bad "status: $(indicators_state)"
sync_until done $ids && ok "round 1: every company's sync runs the secure sum to done" || bad "round 1 indicators: $(indicators_state); $(tail -5 "$T/sync.log")"
"$BIN/symbiod" indicators --dir "$P" --round "$R1" --json >"$T/got1.json" 2>"$T/err" || bad "symbiod indicators: $(cat "$T/err")"
$CHECK compare "$SC" "$T" "$R1" "$T/got1.json" $ids >"$T/cmp1" && ok "round 1: the stored sums equal the plaintext sums ($(tail -1 "$T/cmp1"))" || bad "round 1 sums: $(head -20 "$T/cmp1")"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["included"]==int(sys.argv[2]) and j["threshold"]==2*int(sys.argv[2])//3+1' "$T/got1.json" "$n" && ok "  ... over all $n members, threshold floor(2n/3)+1" || bad "included/threshold: $(head -c 300 "$T/got1.json")"
"$BIN/symbi" sync --dir "$T/st-$(echo $ids | cut -d' ' -f1)" >"$T/out" 2>"$T/err" && ok "a sync after done has nothing left to do" || bad "sync after done: $(cat "$T/err")"
# The revealed answers go with the sum; the n^2 sealed shares between requests, soon after.
python3 - "$P/symbiod.db" "$R1" >"$T/left" <<'PY' && ok "round 1: no vector, answer or sealed share of the finished sum stays in the store" || bad "round 1: indicator rows left (messages, shares): $(cat "$T/left")"
import sqlite3, sys, time
db, rnd = sys.argv[1], bytes.fromhex(sys.argv[2])
for _ in range(100):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    left = [c.execute("SELECT count(*) FROM %s WHERE round = ?" % t, (rnd,)).fetchone()[0]
            for t in ("indicator_msgs", "indicator_shares")]
    c.close()
    if left == [0, 0]:
        sys.exit(0)
    time.sleep(0.1)
print(left)
sys.exit(1)
PY

# ---- 2. one company killed before it sends its vector --------------------------------
a_round || { echo "round 2 failed"; cat "$T/ops.log"; exit 1; }
R2=$(cat "$T/round")
dead=$(echo $ids | cut -d' ' -f2)
alive=$(echo $ids | tr ' ' '\n' | grep -vx "$dead" | tr '\n' ' ')
sync_until done $alive && ok "round 2: $dead never sends; the others finish after the deadline" || bad "round 2: $(indicators_state); $(tail -5 "$T/sync.log")"
"$BIN/symbiod" indicators --dir "$P" --round "$R2" --json >"$T/got2.json" 2>"$T/err"
$CHECK compare "$SC" "$T" "$R2" "$T/got2.json" $alive >"$T/cmp2" && ok "round 2: the sums are over the $((n - 1)) others, exactly ($(tail -1 "$T/cmp2"))" || bad "round 2 sums: $(head -20 "$T/cmp2")"

# ---- 3. one company drops during the unmasking ---------------------------------------
a_round || { echo "round 3 failed"; cat "$T/ops.log"; exit 1; }
R3=$(cat "$T/round")
quitter=$(echo $ids | cut -d' ' -f3)
rest=$(echo $ids | tr ' ' '\n' | grep -vx "$quitter" | tr '\n' ' ')
# Everyone sends; the quitter also confirms, then is gone before it answers.
for attempt in $(seq 1 20); do
	for c in $ids; do "$BIN/symbi" sync --dir "$T/st-$c" >>"$T/sync.log" 2>&1; done
	grep -q '"confirmed"' "$T/st-$quitter/rounds/$R3.indicators.json" 2>/dev/null && break
	sleep 0.5
done
[ -s "$T/st-$quitter/rounds/$R3.indicators.json" ] && ! grep -q '"answered"' "$T/st-$quitter/rounds/$R3.indicators.json" && ok "round 3: $quitter sent and confirmed, and has not answered" || bad "round 3 quitter state: $(cat "$T/st-$quitter/rounds/$R3.indicators.json" 2>&1)"
sync_until done $rest && ok "round 3: the others unmask without $quitter" || bad "round 3: $(indicators_state); $(tail -5 "$T/sync.log")"
"$BIN/symbiod" indicators --dir "$P" --round "$R3" --json >"$T/got3.json" 2>"$T/err"
$CHECK compare "$SC" "$T" "$R3" "$T/got3.json" $ids >"$T/cmp3" && ok "round 3: the sums include $quitter's vector, exactly ($(tail -1 "$T/cmp3"))" || bad "round 3 sums: $(head -20 "$T/cmp3")"

# ---- 4. fewer than the threshold: failed, no sums ------------------------------------
a_round || { echo "round 4 failed"; cat "$T/ops.log"; exit 1; }
R4=$(cat "$T/round")
t=$((2 * n / 3 + 1))
few=$(echo $ids | tr ' ' '\n' | head -n $((t - 1)) | tr '\n' ' ')
sync_until failed $few && ok "round 4: only $((t - 1)) of $n send (threshold $t): failed" || bad "round 4: $(indicators_state)"
"$BIN/symbiod" indicators --dir "$P" --round "$R4" --json >"$T/got4.json" 2>"$T/err"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["state"]=="failed" and j["cells"]==[] and "threshold" in j["reason"], j' "$T/got4.json" && ok "  ... no sums stored, and the reason names the threshold" || bad "round 4 result: $(cat "$T/got4.json")"

# ---- 5. the agents do it all on their own ----------------------------------------------
for c in $ids; do
	"$BIN/symbi" agent --dir "$T/st-$c" --flows "$SC/$c.json" --interval-s 1 >/dev/null 2>"$T/agent-$c.log" &
	APID[$c]=$!
done
"$BIN/symbiod" round open --dir "$P" --indicator-seconds 30 >"$T/round" 2>>"$T/ops.log"
R5=$(cat "$T/round")
for i in $(seq 1 120); do
	[ "$("$BIN/symbiod" round status --dir "$P" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["submitted"])')" = "$n" ] && break
	sleep 0.5
done
"$BIN/symbiod" round close --dir "$P" >/dev/null 2>>"$T/ops.log"
"$BIN/symbiod" round end --dir "$P" >/dev/null 2>>"$T/ops.log"
for i in $(seq 1 120); do
	[ "$(indicators_state)" = done ] && break
	sleep 0.5
done
[ "$(indicators_state)" = done ] && ok "round 5: the companies' agents run the secure sum to done on their own" || bad "round 5: $(indicators_state); $(tail -3 "$T/agent-$(echo $ids | cut -d' ' -f1).log")"
"$BIN/symbiod" indicators --dir "$P" --round "$R5" --json >"$T/got5.json" 2>"$T/err"
$CHECK compare "$SC" "$T" "$R5" "$T/got5.json" $ids >"$T/cmp5" && ok "round 5: the sums equal the plaintext sums ($(tail -1 "$T/cmp5"))" || bad "round 5 sums: $(head -20 "$T/cmp5")"
for c in $ids; do kill -TERM "${APID[$c]}" 2>/dev/null; wait "${APID[$c]}" 2>/dev/null; unset "APID[$c]"; done

# ---- 6. the next round opens while the indicators collect: they go on beside it ------
"$BIN/symbiod" round open --dir "$P" --indicator-seconds 60 >"$T/round" 2>>"$T/ops.log"
R6=$(cat "$T/round")
for c in $ids; do "$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json" >/dev/null 2>>"$T/ops.log"; done
"$BIN/symbiod" round close --dir "$P" >/dev/null 2>>"$T/ops.log"
"$BIN/symbiod" round end --dir "$P" >/dev/null 2>>"$T/ops.log"
for c in $ids; do "$BIN/symbi" sync --dir "$T/st-$c" >>"$T/sync.log" 2>&1; done # the vectors
"$BIN/symbiod" round open --dir "$P" --indicator-seconds 3 >/dev/null 2>"$T/err" && ok "round 6: the next round opens while its indicators are under way" || bad "round open: $(cat "$T/err")"
state6() { "$BIN/symbiod" indicators --dir "$P" --round "$R6" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }
for attempt in $(seq 1 10); do
	for c in $ids; do "$BIN/symbi" sync --dir "$T/st-$c" >>"$T/sync.log" 2>&1; done
	[ "$(state6)" = done ] && break
done
[ "$(state6)" = done ] && ok "round 6: symbi sync in the next round's open phase finishes them" || bad "round 6: $(state6); $(tail -3 "$T/sync.log")"
"$BIN/symbiod" indicators --dir "$P" --round "$R6" --json >"$T/got6.json" 2>"$T/err"
$CHECK compare "$SC" "$T" "$R6" "$T/got6.json" $ids >"$T/cmp6" && ok "round 6: the sums equal the plaintext sums" || bad "round 6 sums: $(head -20 "$T/cmp6")"

# ---- the coordinator's files hold no plaintext vector; the log verifies -------------
cp "$T/daemon.log" "$P/daemon.log"
"$BIN/symbiod" log export --dir "$P" --out "$T/export" >/dev/null 2>&1
cp -r "$T/export" "$P/export-copy"
fails=0
for r in "$R1:$ids" "$R2:$alive" "$R3:$ids" "$R4:$few" "$R5:$ids" "$R6:$ids"; do
	$CHECK scan "$SC" "$T" "${r%%:*}" "$P" ${r#*:} >"$T/scan" || { fails=1; cat "$T/scan"; }
done
[ $fails -eq 0 ] && ok "no company's plaintext vector (whole, or any class row) in any file under PARK ($(tail -1 "$T/scan"))" || bad "plaintext vector found under PARK"
"$BIN/symbi-audit" verify "$T/export" >"$T/audit" 2>&1 && ok "symbi-audit verify accepts the log with the indicator entries" || bad "audit: $(tail -5 "$T/audit")"
# A coordinator that rewrites its own log and re-signs it is caught by the rules.
for mode in unmask-both:"both a share" vector-twice:"a second masked vector" result-early:"without the included set"; do
	rm -rf "$T/x" && cp -a "$T/export" "$T/x"
	$CHECK tamper "${mode%%:*}" "$T/x" && "$BIN/symbi-forge" resign --park "$P" --export "$T/x" 2>"$T/err" || bad "tamper ${mode%%:*}: $(cat "$T/err")"
	"$BIN/symbi-audit" verify "$T/x" >"$T/audit" 2>&1
	[ $? -ne 0 ] && grep -q "${mode#*:}" "$T/audit" && ok "a rewritten log (${mode%%:*}) is named by symbi-audit verify" || bad "${mode%%:*}: $(tail -2 "$T/audit")"
done
stop_daemon TERM && ok "daemon stops with exit 0" || bad "daemon exit $?"
finish
