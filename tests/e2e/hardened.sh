#!/usr/bin/env bash
# A hardened round (HARDENED.md) on a scenario park through the real CLI and
# a real daemon on loopback: key commitments, query batches, answers with
# DLEQ proofs, then the standard submission; exactly the expected candidates,
# released items that check as exact, and an audit export that verifies.
# usage: hardened.sh BINDIR SCENARIO_DIR
BIN=$1
SC=$2
. "$(dirname "$0")/lib.sh"

P=$T/park
park_of_folder "$P" "$SC" "Hardened $(basename "$SC")"
ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")
first=$(echo "$ids" | cut -d' ' -f1)

# phase_is WANT: the round's phase as the operator sees it, waiting a little for the daemon.
phase_is() {
	local i
	for i in $(seq 1 50); do
		"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json" 2>/dev/null
		python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["phase"]!=sys.argv[2])' "$T/status.json" "$1" && return 0
		sleep 0.1
	done
	return 1
}

expect_rc 0 "round open --mode hardened" -- "$BIN/symbiod" round open --dir "$P" --mode hardened
phase_is query && ok "  ... the round is in its query phase" || bad "phase: $(cat "$T/status.json")"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["mode"]=="hardened" and sorted(s["silent"])==sorted(sys.argv[2].split())' "$T/status.json" "$ids" && ok "  ... every member silent so far" || bad "status: $(cat "$T/status.json")"

for c in $ids; do
	expect_rc 0 "submit $c (records the flows, commits its key, sends its query batch)" -- "$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json"
done
phase_is evaluate && ok "every member queried: the daemon moved to evaluate" || bad "phase: $(cat "$T/status.json")"
expect_rc 75 "a standard submission in the evaluate phase is refused" -- "$BIN/symbi" submit --dir "$T/st-$first" "$SC/$first.json"

for c in $ids; do
	expect_rc 0 "sync $c answers the batches addressed to it" -- "$BIN/symbi" sync --dir "$T/st-$c"
done
phase_is submit && ok "every member answered: the daemon moved to submit" || bad "phase: $(cat "$T/status.json")"
expect_rc 0 "sync again in submit is idempotent for a member that already answered" -- "$BIN/symbi" sync --dir "$T/st-$first"
for c in $ids; do
	expect_rc 0 "sync $c verifies the proofs and submits" -- "$BIN/symbi" sync --dir "$T/st-$c"
done
phase_is consent && ok "every member submitted: the daemon closed the round (matching done)" || bad "phase: $(cat "$T/status.json")"

for c in $ids; do
	"$BIN/symbi" candidates --dir "$T/st-$c" --json >"$T/cand-$c.json" 2>"$T/err" || bad "candidates $c: $(cat "$T/err")"
done
python3 "$(dirname "$0")/round_check.py" candidates "$SC" "$T" && ok "hardened: candidates are exactly the expected ones, on both sides" || bad "candidates differ"

for c in $ids; do
	expect_rc 0 "$c accepts all" -- "$BIN/symbi" accept --dir "$T/st-$c" --all --yes
done
for pass in 1 2; do
	for c in $ids; do
		"$BIN/symbi" exchanges --dir "$T/st-$c" --json >"$T/ex-$c.json" 2>"$T/err" || bad "exchanges $c (pass $pass): $(cat "$T/err")"
	done
done
python3 - "$T" $ids <<'PY' && ok "every released item checks against the hardened token (exact or near miss, no mismatch)" || bad "release checks"
import json, sys
t, ids = sys.argv[1], sys.argv[2:]
n = 0
for c in ids:
    for e in json.load(open("%s/ex-%s.json" % (t, c))):
        n += 1
        assert e["check"] in ("exact", "near_miss"), e
assert n > 0
PY

expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
expect_rc 0 "log export" -- "$BIN/symbiod" log export --dir "$P" --out "$T/export"
expect_rc 0 "symbi-audit verify passes on the hardened round's export" -- "$BIN/symbi-audit" verify "$T/export"
stop_daemon TERM && ok "daemon stops with exit 0" || bad "daemon exit $?"
finish
