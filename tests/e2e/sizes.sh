#!/usr/bin/env bash
# Set sizes and padding of protocol 1.1 (PROTOCOL.md "Version 1.1", items 2
# to 4), through the real binaries against a real daemon:
#   - a retry and a resubmission of the same flows upload byte-identical batches;
#   - every batch of a round has an allowed size; a set of another size or over
#     the maximum is refused with a clear status and nothing is stored;
#   - a client refuses an announcement below its floors, and a flows file whose
#     tokens do not fit, naming the costliest flows;
#   - a denied counterpart gets padding only and can never obtain a candidate;
#   - protocol 1.2: tokens of another encoding than the round's are refused by
#     the coordinator, and a round that announces an encoding the client does
#     not know by the client, before it sends anything; so is an announcement
#     that is not the one in the coordinator's log (a split view).
# usage: sizes.sh BINDIR PARK_DIR (tests/parks/ulsan)
BIN=$1
SC=$2
. "$(dirname "$0")/lib.sh"
CHECK="python3 $(dirname "$0")/sizes_check.py"

P=$T/park
DB=$P/symbiod.db
new_park "$P" "Sizes" || { echo "cannot create park"; exit 1; }
ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")
for c in $ids; do
	join "$P" "$T/st-$c" "$c" "$c" || { echo "cannot enroll $c"; exit 1; }
done
others() { for o in $ids; do [ "$o" != "$1" ] && printf '%s ' "$o"; done; }
# submitted N LABEL: the round counts N submissions, or the status is shown.
submitted() {
	"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json"
	python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["submitted"]==int(sys.argv[2])' "$T/status.json" "$1" &&
		ok "$2" || bad "$2: $(cat "$T/status.json")"
}
start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }

# --- round options -----------------------------------------------------------
expect_rc 65 "round open refuses a maximum below the floor's class" -- "$BIN/symbiod" round open --dir "$P" --max-need 100
expect_grep "$T/err" "max-need must be at least the floor's class" "  ... saying why"
expect_rc 65 "round open refuses maximums that differ from the fixed size" -- \
	"$BIN/symbiod" round open --dir "$P" --fixed-size 4096 --max-offer 8192
expect_grep "$T/err" "with --fixed-size the maximums are the fixed size" "  ... saying why"

for enc in 0 3 x; do
	expect_rc 64 "round open refuses --token-encoding $enc" -- "$BIN/symbiod" round open --dir "$P" --token-encoding "$enc"
	expect_grep "$T/err" "bad option value $enc" "  ... naming the value"
done

# --- a coordinator that announces small sets ---------------------------------
expect_rc 0 "round open with small floors" -- "$BIN/symbiod" round open --dir "$P" --pad-offers 64 --pad-needs 8
"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json"
python3 - "$T/status.json" <<'PY' && ok "  ... and the default maximums: 8192 offer, 65536 need tokens" || bad "status: $(cat "$T/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))["sizes"]
assert s == {"offer_floor": 64, "need_floor": 8, "fixed_size": 0, "max_offer": 8192, "max_need": 65536}, s
PY
expect_rc 76 "a client refuses an announcement below its floors" -- \
	"$BIN/symbi" submit --dir "$T/st-power" "$SC/power.json"
expect_grep "$T/err" "smallest sets \(64 offer, 8 need tokens\) are below this company's floors \(min_offer_tokens = 1024, min_need_tokens = 128" "  ... naming the sizes and its floors"
submitted 0 "  ... and nothing was sent"
printf 'min_offer_tokens = 64\nmin_need_tokens = 8\n' >"$T/st-farms/symbi.conf"
expect_rc 0 "a company whose floors allow it submits" -- "$BIN/symbi" submit --dir "$T/st-farms" "$SC/farms.json"
rm "$T/st-farms/symbi.conf"
$CHECK classes "$DB" >"$T/classes" && ok "  ... in the round's classes: $(cat "$T/classes")" || bad "classes: $(cat "$T/classes")"
# A coordinator of a later version, or one that lies about it (symbi-oldcoord
# signs the announcement again with another token encoding): a client refuses
# an encoding it does not know before it sends anything, naming them.
announce_as() {
	stop_daemon TERM || bad "daemon did not stop cleanly"
	"$BIN/symbi-oldcoord" --dir "$P" --encoding "$1" 2>"$T/err" || bad "symbi-oldcoord: $(cat "$T/err")"
	READY_COUNT=$(($(grep -c 'symbiod: ready' "$T/daemon.log") + 1)) start_daemon "$P" || { echo "daemon did not restart"; exit 1; }
}
honest=$($CHECK announcement "$DB")
# Floors that let paper submit to this round: only the encoding stops it.
printf 'min_offer_tokens = 64\nmin_need_tokens = 8\n' >"$T/st-paper/symbi.conf"
for enc in 3 255; do
	announce_as $enc
	expect_rc 76 "a client refuses a round that announces token encoding $enc" -- \
		"$BIN/symbi" submit --dir "$T/st-paper" "$SC/paper.json"
	expect_grep "$T/err" "the round announces token encoding $enc; this client knows encodings 1 and 2 \(protocol 1.2\)" "  ... naming the encodings"
done
# A split view: the coordinator shows paper a validly signed announcement in
# an encoding it knows (1), but not the one it logged and every other member
# sees. The client checks the announcement against the log and refuses.
announce_as 1
expect_rc 76 "a client refuses an announcement that is not the logged one (a split view)" -- \
	"$BIN/symbi" submit --dir "$T/st-paper" "$SC/paper.json"
expect_grep "$T/err" "the round announcement is not the one in the coordinator's audit log" "  ... saying so"
submitted 1 "  ... and nothing was sent"
[ "$($CHECK staged "$DB" paper)" = 0 ] && ok "  ... not even a staged batch" || bad "paper's batches were stored"
rm "$T/st-paper/symbi.conf"
announce_as 2
[ "$($CHECK announcement "$DB")" = "$honest" ] && ok "the honest announcement is back, byte for byte" || bad "the restored announcement differs"
"$BIN/symbiod" round close --dir "$P" >/dev/null 2>&1 && "$BIN/symbiod" round end --dir "$P" >/dev/null 2>&1 ||
	bad "cannot close and end the first round"

# --- the defaults, a smaller maximum ---------------------------------------------
expect_rc 0 "round open --max-offer 2048 --max-need 4096" -- "$BIN/symbiod" round open --dir "$P" --max-offer 2048 --max-need 4096
"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json"
python3 - "$T/status.json" <<'PY' && ok "round status --json shows the size policy" || bad "status: $(cat "$T/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))["sizes"]
assert s == {"offer_floor": 1024, "need_floor": 512, "fixed_size": 0, "max_offer": 2048, "max_need": 4096}, s
PY


# Deterministic padding: the same flows give the same bytes, run after run.
expect_rc 0 "power submits" -- "$BIN/symbi" submit --dir "$T/st-power" "$SC/power.json"
$CHECK batches "$DB" power "$T/b1.json" || bad "no batches of power"
expect_rc 0 "power submits the same flows again (a resubmission)" -- "$BIN/symbi" submit --dir "$T/st-power" "$SC/power.json"
$CHECK batches "$DB" power "$T/b2.json" || bad "no batches of power"
cmp -s "$T/b1.json" "$T/b2.json" && ok "  ... byte-identical batches" || bad "the resubmission's batches differ"
stop_daemon KILL
start_daemon "$P" || { echo "daemon did not restart"; exit 1; }
expect_rc 0 "power retries after the coordinator died" -- "$BIN/symbi" submit --dir "$T/st-power" "$SC/power.json"
$CHECK batches "$DB" power "$T/b3.json" || bad "no batches of power"
cmp -s "$T/b1.json" "$T/b3.json" && ok "  ... byte-identical batches again" || bad "the retry's batches differ"

# Flows that do not fit the maximum: refused locally, naming the costliest flows.
python3 - "$SC/incinerator.json" "$T/big.json" <<'PY'
import copy, json, sys
steam = json.load(open(sys.argv[1]))["flows"][0]
flows = []
for k in range(24):
    f = copy.deepcopy(steam)
    f["id"] = "steam-%d" % k
    f["quantity"]["value"] = 37000 * (k + 1) + 1234 * k
    f["attributes"]["temperature"]["value"] = 150 + 13 * k
    f["attributes"]["pressure"]["value"] = 3 + 1.9 * k
    flows.append(f)
flows.append({"id": "small", "direction": "need", "category": "water.process",
              "quantity": {"min": 1000, "unit": "m3/yr"}})
json.dump({"flows": flows}, open(sys.argv[2], "w"))
PY
expect_rc 65 "a flows file whose tokens do not fit is refused" -- "$BIN/symbi" submit --dir "$T/st-power" "$T/big.json"
# A steam offer's level (quantity, temperature, pressure: 11 * 10 * 10 prefixes at
# stride 1) is wide, so it takes stride 2: 6 * 6 * 6 = 216 tokens.
expect_grep "$T/err" "the offers cost [0-9]+ tokens; this round takes at most 2048 per set \(the costliest: steam-[0-9]+ \(216 tokens\), steam-[0-9]+ \(216 tokens\), steam-[0-9]+ \(216 tokens\)\); nothing was sent" "  ... naming the costliest flows"
$CHECK batches "$DB" power "$T/b4.json" && cmp -s "$T/b1.json" "$T/b4.json" &&
	ok "  ... and power's batches are untouched" || bad "power's batches changed"

# A member that ignores the policy: refused by the coordinator, nothing stored.
# shellcheck disable=SC2046
raw() { "$BIN/symbi-rawsubmit" --dir "$T/st-gas-co" --offers "$1" --needs "$2" $(others gas-co); }
expect_rc 65 "an offer set of 1500 tokens (no class) is refused" -- raw 1500 512
expect_grep "$T/err" "batch 0 \(counterpart [a-z-]+\): offer set of 1500 tokens; this round allows 1024, 2048 tokens" "  ... naming the batch, the size and the classes"
expect_rc 65 "an offer set above the maximum is refused" -- raw 4096 512
expect_grep "$T/err" "offer set of 4096 tokens; this round allows 1024, 2048 tokens" "  ... naming the size and the classes"
expect_rc 65 "a need set above the maximum (probing) is refused" -- raw 1024 8192
expect_grep "$T/err" "need set of 8192 tokens; this round allows 512, 1024, 2048, 4096 tokens" "  ... naming the size and the classes"
expect_rc 65 "a need set below the floor is refused" -- raw 1024 256
# A member not yet on protocol 1.2 encodes its tokens otherwise: they would
# match nothing, so its submission is refused, saying why.
# shellcheck disable=SC2046
expect_rc 65 "a submission that names no token encoding (before 1.2) is refused" -- \
	"$BIN/symbi-rawsubmit" --dir "$T/st-gas-co" --offers 1024 --needs 512 --encoding 0 $(others gas-co)
expect_grep "$T/err" "tokens of encoding 1; this round takes encoding 2 \(protocol 1.2\): upgrade symbi" "  ... saying which encodings"
# shellcheck disable=SC2046
expect_rc 65 "a submission of token encoding 3 is refused" -- \
	"$BIN/symbi-rawsubmit" --dir "$T/st-gas-co" --offers 1024 --needs 512 --encoding 3 $(others gas-co)
[ "$($CHECK staged "$DB" gas-co)" = 0 ] && ok "  ... and no batch of theirs was stored" || bad "refused batches were stored"
submitted 1 "  ... and no submission counted"
# A chunk signed over its chunk digest (version 2, as symbi submit signs it)
# binds every token through its batch's digest: one token changed after
# signing is a bad signature, refused before anything is stored.
# shellcheck disable=SC2046
expect_rc 76 "a chunk changed after it was signed over its chunk digest is refused" -- \
	"$BIN/symbi-rawsubmit" --dir "$T/st-gas-co" --offers 1024 --needs 512 --chunk forged $(others gas-co)
expect_grep "$T/err" "the coordinator refused: bad signature" "  ... as a bad signature"
[ "$($CHECK staged "$DB" gas-co)" = 0 ] && ok "  ... and none of its batches was stored" || bad "a forged chunk's batches were stored"
# shellcheck disable=SC2046
expect_rc 0 "the same chunk, unchanged, is taken (version 2)" -- \
	"$BIN/symbi-rawsubmit" --dir "$T/st-gas-co" --offers 1024 --needs 512 --chunk v2 $(others gas-co)
# A client from before chunk digests signs the chunk's payload (version 1): still taken.
expect_rc 0 "sets of allowed sizes are taken (the same tool, a version 1 chunk)" -- raw 2048 1024

# A denied counterpart: padding only, no candidate ever.
printf 'deny = farms\n' >"$T/st-biogas/symbi.conf"
for c in $ids; do
	[ "$c" = power ] && continue
	expect_rc 0 "submit $c" -- "$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json"
done
"$BIN/symbi" submit --dir "$T/st-biogas" "$SC/biogas.json" >/dev/null 2>"$T/err"
expect_grep "$T/err" "farms is denied \(STATE/symbi.conf\): it gets padding only" "biogas says farms gets padding only"
$CHECK classes "$DB" >"$T/classes" && ok "every batch of the round has an allowed size: $(cat "$T/classes")" ||
	bad "classes: $(cat "$T/classes")"
expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P"
for c in biogas farms paper; do
	"$BIN/symbi" candidates --dir "$T/st-$c" --json >"$T/cand-$c.json" 2>"$T/err" || bad "candidates $c: $(cat "$T/err")"
done
python3 - "$T" <<'PY' && ok "the denied pair has no candidate; the others are found" || bad "candidates: $(cat "$T"/cand-*.json)"
import json, sys
t = sys.argv[1]
b = json.load(open(t + "/cand-biogas.json"))
f = json.load(open(t + "/cand-farms.json"))
assert not [c for c in b if c["counterpart"] == "farms"], b
assert not [c for c in f if c["counterpart"] == "biogas"], f
assert [c for c in b if c["counterpart"] == "petrochem"], b
assert [c for c in f if c["counterpart"] == "power"], f
PY

# A counterpart denied after the match is never accepted.
printf 'deny = smelter\n' >"$T/st-paper/symbi.conf"
cand=$(python3 -c 'import json,sys; print([c["id"] for c in json.load(open(sys.argv[1])) if c["counterpart"]=="smelter"][0])' "$T/cand-paper.json")
expect_rc 65 "accept refuses a denied counterpart's candidate" -- "$BIN/symbi" accept --dir "$T/st-paper" "$cand"
expect_grep "$T/err" "$cand: smelter is denied in STATE/symbi.conf; nothing was accepted" "  ... saying why"
expect_rc 0 "accept --all skips it" -- "$BIN/symbi" accept --dir "$T/st-paper" --all --yes
expect_grep "$T/err" "$cand: smelter is denied in STATE/symbi.conf; skipped" "  ... with a note"
"$BIN/symbi" candidates --dir "$T/st-paper" --json >"$T/cand-paper.json" 2>/dev/null
python3 -c 'import json,sys; c=[c for c in json.load(open(sys.argv[1])) if c["id"]==sys.argv[2]][0]; assert c["state"]=="pending", c' \
	"$T/cand-paper.json" "$cand" && ok "  ... the candidate stays unanswered" || bad "candidate: $(cat "$T/cand-paper.json")"

# The auditor checks the sizes against the announcement when it has the batches.
expect_rc 0 "log export" -- "$BIN/symbiod" log export --dir "$P" --out "$T/export"
expect_rc 0 "symbi-audit verify: every batch in the announced classes" -- "$BIN/symbi-audit" verify "$T/export"
stop_daemon TERM || bad "daemon did not stop cleanly"
if [ -x "$BIN/symbi-forge" ]; then
	"$BIN/symbi-forge" fake --out "$T/fake-ok" --fixed 8 >/dev/null 2>&1 || bad "symbi-forge fake --fixed"
	expect_rc 0 "symbi-audit verify: a round of fixed size 8" -- "$BIN/symbi-audit" verify "$T/fake-ok"
	"$BIN/symbi-forge" fake --out "$T/fake-bad" --fixed 8 --bad-size >/dev/null 2>&1 || bad "symbi-forge fake --bad-size"
	expect_rc 65 "symbi-audit verify: a batch of another size is caught" -- "$BIN/symbi-audit" verify "$T/fake-bad"
	expect_grep "$T/err" "the batch co-a -> co-b has 9 offer and 8 need tokens, not sizes the round's announcement allows" "  ... naming the batch and its sizes"
fi
finish
