#!/usr/bin/env bash
# Protocol 1.1, item 1: an item never leaves its company before both sides
# accepted, and the coordinator keeps nothing of it afterwards.
#
#   acme -> beta:   acme accepts, beta declines. acme's item (its sealed bytes,
#                   its plaintext details) is nowhere in PARK (database, -wal,
#                   -shm, every file) nor in any `symbiod log export`, and beta,
#                   holding the export and its own STATE (pair keys), has no
#                   envelope of acme's to open at all.
#   acme -> gamma:  both accept, acme deposits, gamma never comes back.
#   acme -> delta:  both accept, both deposit, delta collects acme's item, acme
#                   never fetches delta's.
#                   After `symbiod round end` neither leftover envelope is in PARK.
# usage: decline_privacy.sh BINDIR
BIN=$1
. "$(dirname "$0")/lib.sh"
CHECK="$(dirname "$0")/decline_privacy.py"

P=$T/park
new_park "$P" "Decline privacy" || { echo "cannot create park"; exit 1; }
for c in acme beta gamma delta; do
	join "$P" "$T/st-$c" "$c" "Company $c" || { echo "cannot enroll $c"; exit 1; }
done
MARK=SECRET-ACME-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
cat >"$T/acme.json" <<JSON
{ "flows": [ { "id": "gypsum-out", "direction": "offer", "category": "material.mineral.gypsum",
  "quantity": { "value": 150000, "unit": "t/yr" }, "attributes": { "purity": { "value": 96, "unit": "%" } },
  "details": { "contact": "$MARK", "notes": "$MARK-notes" } } ] }
JSON
for c in beta gamma delta; do
	cat >"$T/$c.json" <<JSON
{ "flows": [ { "id": "gypsum-in", "direction": "need", "category": "material.mineral.gypsum",
  "quantity": { "min": 100000, "unit": "t/yr" }, "details": { "contact": "SECRET-$c-contact" } } ] }
JSON
done
start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }
expect_rc 0 "round open" -- "$BIN/symbiod" round open --dir "$P"
ROUND=$(cat "$T/out")
for c in acme beta gamma delta; do
	expect_rc 0 "submit $c" -- "$BIN/symbi" submit --dir "$T/st-$c" "$T/$c.json"
done
expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P"

# cand_of COMPANY COUNTERPART: the id of COMPANY's candidate with COUNTERPART.
cand_of() {
	"$BIN/symbi" candidates --dir "$T/st-$1" --json 2>/dev/null |
		python3 -c 'import json,sys; print("".join(x["id"] for x in json.load(sys.stdin) if x["counterpart"]==sys.argv[1]))' "$2"
}
C_BETA=$(cand_of acme beta)
C_GAMMA=$(cand_of acme gamma)
C_DELTA=$(cand_of acme delta)
[ ${#C_BETA} -eq 32 ] && [ ${#C_GAMMA} -eq 32 ] && [ ${#C_DELTA} -eq 32 ] &&
	ok "acme has one candidate with each of beta, gamma, delta" || { bad "candidates: $C_BETA/$C_GAMMA/$C_DELTA"; finish; exit 1; }

# probe WANT DESCRIPTION COMPANY MODE CANDIDATE: symbi-probe's answers have these statuses.
probe() {
	local want=$1 what=$2 who=$3 mode=$4 cand=$5 got
	got=$("$BIN/symbi-probe" "$mode" --dir "$T/st-$who" --round "$ROUND" --candidate "$cand" 2>&1 |
		python3 -c 'import json,sys; print(" ".join(str(json.loads(l).get("status","?")) for l in sys.stdin if l.strip()))')
	[ "$got" = "$want" ] && ok "$what (status $got)" || bad "$what: status $got, wanted $want"
}

# acme accepts everything first; then it runs exchanges, as an eager client would.
expect_rc 0 "acme accepts all three" -- "$BIN/symbi" accept --dir "$T/st-acme" --all --yes
probe 400 "an accept that still carries an item is refused" beta consent-envelope "$C_BETA"
probe 403 "a deposit before both sides accepted is refused" acme deposit "$C_BETA"
expect_rc 0 "beta declines (the refused accept recorded nothing)" -- "$BIN/symbi" decline --dir "$T/st-beta" "$C_BETA"
probe 403 "a deposit for a declined candidate is refused" acme deposit "$C_BETA"
expect_rc 0 "gamma accepts" -- "$BIN/symbi" accept --dir "$T/st-gamma" "$C_GAMMA"
expect_rc 0 "delta accepts" -- "$BIN/symbi" accept --dir "$T/st-delta" "$C_DELTA"
probe 404 "gamma cannot deposit for a candidate that is not its" gamma deposit "$C_DELTA"
expect_rc 0 "acme: exchanges (deposits for the agreed ones)" -- "$BIN/symbi" exchanges --dir "$T/st-acme" --json
# acme's item for delta, as the coordinator holds it until delta has it.
: >"$T/fetched"
python3 "$CHECK" held "$P/symbiod.db" "$C_DELTA" supplier "$T/fetched" >"$T/h.out" 2>&1 &&
	python3 "$CHECK" scan "$P" "$T/fetched" --expect-found >>"$T/h.out" 2>&1 &&
	ok "the coordinator holds acme's deposit for delta (and the scan finds it)" || bad "held: $(cat "$T/h.out")"
probe 403 "acme cannot deposit a second, different item" acme deposit "$C_GAMMA"
probe "0 0 409" "delta deposits once; the same item again is answered, a replayed id refused" delta deposit-twice "$C_DELTA"
expect_rc 0 "delta: exchanges (already deposited; collects acme's item)" -- "$BIN/symbi" exchanges --dir "$T/st-delta" --json
expect_rc 0 "beta: exchanges (nothing: it declined)" -- "$BIN/symbi" exchanges --dir "$T/st-beta" --json
cp "$T/out" "$T/ex-beta.json"
expect_rc 0 "delta again: nothing new" -- "$BIN/symbi" exchanges --dir "$T/st-delta" --json
python3 "$CHECK" scan "$P" "$T/fetched" >"$T/scan.out" 2>&1 &&
	ok "once delta confirmed receipt, acme's item for it is nowhere in PARK (nor in a remembered answer)" ||
	bad "after delta fetched: $(cat "$T/scan.out")"
python3 "$CHECK" exchanges "$T/out" acme "$MARK" && ok "delta holds acme's item, details included" || bad "delta's exchanges: $(head -c 300 "$T/out")"
python3 "$CHECK" exchanges "$T/ex-beta.json" && ok "beta holds no exchange" || bad "beta's exchanges: $(head -c 300 "$T/ex-beta.json")"

# Before the round ends the coordinator holds acme's item for gamma and delta's
# for acme (nobody fetched them): record their bytes (with any item a logged
# consent carries, as version 1's did), and show the scan finds them.
: >"$T/left"
expect_rc 0 "log export (during the round)" -- "$BIN/symbiod" log export --dir "$P" --out "$T/export1"
python3 "$CHECK" carried "$T/export1" "$T/left" || bad "cannot read export1"
python3 "$CHECK" leftovers "$P/symbiod.db" "$C_GAMMA" "$C_DELTA" "$C_BETA" "$T/left" >"$T/lo.out" 2>&1 &&
	ok "the store holds exactly two unfetched envelopes, none for the declined candidate" || bad "leftovers: $(cat "$T/lo.out")"
python3 "$CHECK" scan "$P" "$T/left" --expect-found >"$T/scan.out" 2>&1 &&
	ok "  ... and a byte scan of PARK finds them (the scan works)" || bad "positive scan: $(cat "$T/scan.out")"

cat "$T/fetched" >>"$T/left"
expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
expect_rc 0 "log export (after the round)" -- "$BIN/symbiod" log export --dir "$P" --out "$T/export2"
python3 "$CHECK" scan "$P" "$T/left" >"$T/scan.out" 2>&1 &&
	ok "after round end no leftover envelope is anywhere in PARK (db, -wal, -shm, files)" || bad "after round end: $(cat "$T/scan.out")"
stop_daemon TERM && ok "daemon stops with exit 0" || bad "daemon exit $?"
python3 "$CHECK" scan "$P" "$T/left" >"$T/scan.out" 2>&1 &&
	ok "  ... nor once the daemon stopped" || bad "after stop: $(cat "$T/scan.out")"

# acme's details, as text, nowhere at the coordinator or in an export.
for where in "$P" "$T/export1" "$T/export2"; do
	if grep -rqa -- "$MARK" "$where"; then bad "acme's details found in $where: $(grep -rla -- "$MARK" "$where")"; else ok "acme's details are not in $(basename "$where")"; fi
done
# The decliner's view: the exports and its own STATE hold no envelope of acme's
# for the declined candidate, nor any sealed blob that its pair keys could try.
for x in "$T/export1" "$T/export2"; do
	python3 "$CHECK" decliner "$x" "$C_BETA" acme "$T/st-beta" >"$T/dec.out" 2>&1 &&
		ok "beta, with $(basename "$x") and its STATE, has no envelope of acme's to open" || bad "$(basename "$x"): $(cat "$T/dec.out")"
done
expect_rc 0 "symbi-audit verifies the export" -- "$BIN/symbi-audit" verify "$T/export2"
finish
