#!/usr/bin/env bash
# A hardened round with a malicious member (symbi-hardprobe, real keys, real
# daemon): a query batch above the budget, a second batch, an answer larger
# than the batch, an answer proved under another key than the committed one,
# a second answer: each refused with a reason and nothing stored; a member
# whose answer is missing only loses its own pairs; an honest client never
# answers a second batch of the same querier.
# usage: hardened_attacks.sh BINDIR
BIN=$1
. "$(dirname "$0")/lib.sh"

P=$T/park
new_park "$P" "Hardened attacks" || { echo "cannot create park"; exit 1; }
for c in alpha beta mallory; do
	join "$P" "$T/st-$c" "$c" "Company $c" || { echo "cannot enroll $c"; exit 1; }
done
cat >"$T/alpha.json" <<'J'
{"flows": [{"id": "gypsum-out", "direction": "offer", "category": "material.mineral.gypsum",
  "quantity": {"value": 150000, "unit": "t/yr"}, "attributes": {"purity": {"value": 96, "unit": "%"}},
  "details": {"contact": "SECRET-alpha"}}]}
J
cat >"$T/beta.json" <<'J'
{"flows": [{"id": "gypsum-in", "direction": "need", "category": "material.mineral.gypsum",
  "quantity": {"min": 100000, "unit": "t/yr"}, "attributes": {"purity": {"min": 90, "unit": "%"}},
  "details": {"contact": "SECRET-beta"}}]}
J
start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }
# status_of FILE NOTE: the status the probe printed for that request.
status_of() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    j=json.loads(l)
    if j.get("note")==sys.argv[2]: print(j.get("status")); break' "$1" "$2"
}

expect_rc 0 "round open --mode hardened --max-need 256" -- "$BIN/symbiod" round open --dir "$P" --mode hardened --max-need 256
ROUND=$(cat "$T/out")
M=(--dir "$T/st-mallory" --round "$ROUND" --seed mallory)

"$BIN/symbi-hardprobe" query "${M[@]}" --count 257 >"$T/p1" 2>&1
[ "$(status_of "$T/p1" query)" = 400 ] && ok "a query batch of max_need + 1 elements is refused (400)" || bad "over-budget query: $(cat "$T/p1")"
grep -q "exactly 256" "$T/p1" && ok "  ... saying the batch must have exactly max_need elements" || bad "reason: $(cat "$T/p1")"
"$BIN/symbi-hardprobe" query "${M[@]}" --count 256 >"$T/p2" 2>&1
[ "$(status_of "$T/p2" query)" = 0 ] && ok "a batch of exactly max_need elements is taken" || bad "query: $(cat "$T/p2")"
"$BIN/symbi-hardprobe" query "${M[@]}" --count 256 >"$T/p3" 2>&1
[ "$(status_of "$T/p3" key)" = 0 ] && [ "$(status_of "$T/p3" query)" = 403 ] && ok "a second, different batch is refused (one batch per member and round)" || bad "second query: $(cat "$T/p3")"
"$BIN/symbi-hardprobe" query --dir "$T/st-mallory" --round "$ROUND" --seed other --count 256 >"$T/p4" 2>&1
[ "$(status_of "$T/p4" key)" = 403 ] && ok "a second, different key is refused" || bad "second key: $(cat "$T/p4")"

for c in alpha beta; do
	expect_rc 0 "$c submits (query)" -- "$BIN/symbi" submit --dir "$T/st-$c" "$T/$c.json"
done
wait_phase "$P" evaluate && ok "the daemon moved to evaluate" || bad "phase: $(cat "$T/status.json")"
expect_rc 65 "round close in the evaluate phase is refused" -- "$BIN/symbiod" round close --dir "$P"
expect_grep "$T/err" "evaluate phase: it closes after the submit phase" "  ... saying when it closes (or round advance)"

"$BIN/symbi-hardprobe" answer "${M[@]}" --querier beta --extra 1 >"$T/a1" 2>&1
[ "$(status_of "$T/a1" answer)" = 400 ] && ok "an answer larger than the batch is refused (400)" || bad "big answer: $(cat "$T/a1")"
"$BIN/symbi-hardprobe" answer "${M[@]}" --querier beta --wrongkey >"$T/a2" 2>&1
[ "$(status_of "$T/a2" answer)" = 400 ] && grep -q "proof does not verify" "$T/a2" && ok "an answer proved under another key than the committed one is refused" || bad "wrong proof: $(cat "$T/a2")"
grep -q "does not verify against its committed key" "$T/daemon.log" && ok "  ... and the daemon logs it" || bad "no log line for the wrong proof"
"$BIN/symbi-hardprobe" answer "${M[@]}" --querier beta --batch "$T/beta.batch" >"$T/a3" 2>&1
[ "$(status_of "$T/a3" answer)" = 0 ] && ok "mallory's proper answer to beta is taken" || bad "answer: $(cat "$T/a3")"
"$BIN/symbi-hardprobe" answer "${M[@]}" --querier beta --wrongkey --batch "$T/beta.batch" >"$T/a4" 2>&1
[ "$(status_of "$T/a4" answer)" = 403 ] && ok "a second, different answer to the same batch is refused (one answer per batch)" || bad "second answer: $(cat "$T/a4")"

# The answering client's own budget: a batch of a querier it already answered
# with another batch is never evaluated, whatever the coordinator relays.
R="$T/st-alpha/rounds/$ROUND.json"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); j["hard"]["answered"]["mallory"]="00"*32; json.dump(j,open(sys.argv[1],"w"))' "$R"
expect_rc 0 "alpha syncs (evaluate)" -- "$BIN/symbi" sync --dir "$T/st-alpha" --json
expect_grep "$T/err" "not answering mallory: it asked again with another batch" "  ... and refuses to evaluate a second batch of mallory (its budget record)"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["answered"]==1 and j["refused"]==1, j' "$T/out" && ok "  ... while answering beta" || bad "sync: $(cat "$T/out")"
expect_rc 0 "beta syncs (evaluate)" -- "$BIN/symbi" sync --dir "$T/st-beta"
"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["phase"]=="evaluate" and s["silent"]==["alpha","mallory"], s' "$T/status.json" && ok "round status names who owes answers (alpha to mallory, mallory to alpha)" || bad "status: $(cat "$T/status.json")"
expect_rc 0 "round advance (the operator does not wait for the deadline)" -- "$BIN/symbiod" round advance --dir "$P"
wait_phase "$P" submit && ok "  ... the round is in submit" || bad "phase: $(cat "$T/status.json")"
for c in alpha beta; do
	expect_rc 0 "$c syncs (submit: proofs checked, tokens built)" -- "$BIN/symbi" sync --dir "$T/st-$c"
done
expect_rc 0 "round advance closes the round without mallory's submission" -- "$BIN/symbiod" round advance --dir "$P"
wait_phase "$P" consent && ok "  ... the round completes" || bad "phase: $(cat "$T/status.json")"
"$BIN/symbi" candidates --dir "$T/st-beta" --json >"$T/cb.json" 2>/dev/null
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert [(x["counterpart"],x["flow"]) for x in c]==[("alpha","gypsum-in")], c' "$T/cb.json" && ok "alpha's offer still meets beta's need: only mallory's pairs are missing" || bad "candidates: $(cat "$T/cb.json")"
expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
expect_rc 0 "log export" -- "$BIN/symbiod" log export --dir "$P" --out "$T/export"
expect_rc 0 "symbi-audit verify passes (refused requests left no entry)" -- "$BIN/symbi-audit" verify "$T/export"
stop_daemon TERM && ok "daemon stops with exit 0" || bad "daemon exit $?"
finish
