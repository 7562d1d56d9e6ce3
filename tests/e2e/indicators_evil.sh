#!/usr/bin/env bash
# A malicious coordinator against the park indicators (symbi-indevil holds
# PARK's store and signing key and announces a second included set):
#   1. different sets to different members: some confirmed the first set,
#      the others are shown one without a member; no set gathers t
#      confirmations, every client refuses to unmask, nothing is revealed;
#   2. both kinds of secret for one member: after some members revealed
#      shares of X's seed, the others are shown a set without X (so that they
#      would reveal their pair keys with X); every client refuses.
# In both, symbi-audit verify names the second announcement.
# usage: indicators_evil.sh BINDIR SCENARIO_DIR
BIN=$1
SC=$2
. "$(dirname "$0")/lib.sh"

ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")
n=$(echo $ids | wc -w)
t=$((2 * n / 3 + 1))
first() { echo $ids | tr ' ' '\n' | head -n "$1" | tr '\n' ' '; }
after() { echo $ids | tr ' ' '\n' | tail -n +"$(($1 + 1))" | tr '\n' ' '; }
last=$(echo $ids | tr ' ' '\n' | tail -1)

sync_all() {
	local c
	for c in "$@"; do "$BIN/symbi" sync --dir "$T/st-$c" >>"$T/sync.log" 2>&1; done
}

stage() {
	"$BIN/symbiod" round status --dir "$P" --json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("indicators","-"))'
}

# A round on a fresh park, ended, with a long indicator window: nothing moves by deadline.
fresh_round() {
	local c
	[ -n "$DAEMON_PID" ] && stop_daemon TERM
	P=$T/park-$1
	rm -rf "$T"/st-*
	[ -f "$T/daemon.log" ] && mv "$T/daemon.log" "$T/daemon-before-$1.log" # a fresh ready line
	park_of_folder "$P" "$SC" "Evil $1"
	"$BIN/symbiod" round open --dir "$P" --indicator-seconds 600 >"$T/round" 2>>"$T/ops.log" || { cat "$T/ops.log"; exit 1; }
	for c in $ids; do "$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json" >/dev/null 2>>"$T/ops.log"; done
	"$BIN/symbiod" round close --dir "$P" >/dev/null 2>>"$T/ops.log"
	"$BIN/symbiod" round end --dir "$P" >/dev/null 2>>"$T/ops.log"
	R=$(cat "$T/round")
	sync_all $ids # every vector in: the set is announced
}

# evil DROP: with the daemon stopped, announce the set again without DROP.
evil() {
	stop_daemon TERM
	"$BIN/symbi-indevil" reannounce --dir "$P" --round "$R" --drop "$1" 2>"$T/err" && ok "  (the coordinator announces a second set, without $1)" || bad "symbi-indevil: $(cat "$T/err")"
	READY_COUNT=$(($(grep -c 'symbiod: ready' "$T/daemon.log") + 1)) start_daemon "$P" || { echo "daemon did not restart"; exit 1; }
}

# refused COMPANY...: each sync exits 76 with a REFUSED reason.
refused() {
	local c rc all=0
	for c in "$@"; do
		"$BIN/symbi" sync --dir "$T/st-$c" >"$T/out" 2>"$T/err"
		rc=$?
		cat "$T/err" >>"$T/refusals.log"
		if [ $rc -ne 76 ] || ! grep -q REFUSED "$T/err"; then
			all=1
			echo "  $c: exit $rc: $(cat "$T/err")"
		fi
	done
	return $all
}

# audited WHAT: no unmasking answer names DROP under masks_with; verify fails on the second set.
audited() {
	"$BIN/symbiod" log export --dir "$P" --out "$T/export-$1" >/dev/null 2>&1
	python3 - "$T/export-$1/entries.jsonl" "$2" <<'PY' && ok "  ... nobody revealed a pair key with $2" || bad "a pair key with $2 was revealed"
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["kind"] == "indicator_unmask" and sys.argv[2] in e["masks_with"]:
        sys.exit(1)
PY
	"$BIN/symbi-audit" verify "$T/export-$1" >"$T/audit" 2>&1
	[ $? -ne 0 ] && grep -q "announced a second time" "$T/audit" && ok "  ... and symbi-audit verify names the second announcement" || bad "audit: $(tail -3 "$T/audit")"
}

# ---- 1. different sets to different members ----------------------------------------
fresh_round split
groupA=$(first $(((n - 1) / 2)))
groupB=$(after $(((n - 1) / 2)) | tr ' ' '\n' | grep -vx "$last" | tr '\n' ' ')
sync_all $groupA # they confirm the first set
[ "$(stage)" = collecting ] && grep -q '"confirmed"' "$T/st-$(echo $groupA | cut -d' ' -f1)/rounds/$R.indicators.json" && ok "split: $(echo $groupA | wc -w) members confirmed the first set" || bad "split: group A did not confirm"
evil "$last"
sync_all $groupB # they confirm the second set
: >"$T/refusals.log"
refused $groupA $groupB && ok "split: every member refuses to unmask" || bad "split: a member did not refuse"
[ "$(grep -c 'another included set than the one this company already confirmed' "$T/refusals.log")" -eq "$(echo $groupA | wc -w)" ] &&
	[ "$(grep -c "members confirmed the announced included set; unmasking needs $t" "$T/refusals.log")" -eq "$(echo $groupB | wc -w)" ] &&
	ok "  ... the first group: another set than it confirmed; the second: fewer than $t confirmations" || bad "split refusals: $(cat "$T/refusals.log")"
audited split "$last"

# ---- 2. both kinds of secret for one member ----------------------------------------
fresh_round both
sync_all $ids # everyone confirms; the round moves to unmasking
groupA=$(first 3)
groupB=$(after 3 | tr ' ' '\n' | grep -vx "$last" | tr '\n' ' ')
sync_all $groupA # they reveal shares of every included member's seed, $last's among them
grep -q '"answered"' "$T/st-$(echo $groupA | cut -d' ' -f1)/rounds/$R.indicators.json" && ok "both: $(echo $groupA | wc -w) members revealed shares of the included members' seeds" || bad "both: group A did not answer: $(tail -3 "$T/sync.log")"
evil "$last"
: >"$T/refusals.log"
refused $groupA $groupB && ok "both: asked for the pair keys with $last after its seed's shares, every member refuses" || bad "both: a member did not refuse"
[ "$(grep -c 'REFUSED: the coordinator announces another included set' "$T/refusals.log")" -eq "$(echo $groupA $groupB | wc -w)" ] && ok "  ... each because it confirmed (or answered for) the first set" || bad "both refusals: $(cat "$T/refusals.log")"
audited both "$last"

stop_daemon TERM
finish
