#!/usr/bin/env bash
# `symbi sync` after the round's end, through real processes (tests/parks/ulsan).
#
#   power, plasterboard, farms, cement, smelter and paper submit; the operator
#   closes; all but cement accept, cement declines. farms syncs (deposits),
#   then power (deposits both, fetches farms' item); plasterboard never syncs
#   in the consent window. smelter's sync sees the consent window, but the
#   round ends (under gdb, between its status call and its deposit) before
#   its deposit arrives: the coordinator refuses it, and smelter records the
#   exchange as expired, exit 0 (skipped without gdb: the round just ends).
#   After the end, a sync runs the exchanges step only when the company's own
#   record leaves something to deposit or fetch: plasterboard (accepted,
#   agreed, never deposited) tries no deposit, is told the consent window
#   ended before it deposited, records the exchange as expired (exit 0) and
#   sends its indicator vector; its next sync skips the step. farms
#   (deposited, power's item wiped at the end unfetched) and power (one
#   candidate accepted, declined by cement) run it once, find nothing and
#   record the round settled; their next syncs skip it. cement (declined
#   only) skips it. paper, whose agent starts
#   only after the end, does the same as plasterboard through `symbi agent`.
#   A sync whose step quantizes flows still refuses another taxonomy than the
#   park's (the taxonomy is loaded by the steps that need it).
# usage: sync_ended.sh BINDIR PARKDIR
BIN=$1
PARKS=$2
. "$(dirname "$0")/lib.sh"

APID=
cleanup_agent() {
	[ -n "$APID" ] && kill -9 "$APID" 2>/dev/null
	cleanup
}
trap cleanup_agent EXIT

P=$T/park
new_park "$P" "Ulsan sync after the end" || { echo "cannot create park"; exit 1; }
for c in power plasterboard farms cement smelter paper; do
	join "$P" "$T/st-$c" "$c" "Company $c" || { echo "cannot enroll $c"; exit 1; }
done
start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }

expect_rc 0 "round open" -- "$BIN/symbiod" round open --dir "$P"
for c in power plasterboard farms cement smelter paper; do
	expect_rc 0 "$c submits" -- "$BIN/symbi" submit --dir "$T/st-$c" "$PARKS/$c.json"
done
expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P"
for c in power plasterboard farms smelter paper; do
	expect_rc 0 "$c accepts all its candidates" -- "$BIN/symbi" accept --dir "$T/st-$c" --all --yes
done
expect_rc 0 "cement declines all its candidates" -- "$BIN/symbi" decline --dir "$T/st-cement" --all

# settled COMPANY: the settled mark of the company's own record of the round (True/False).
settled() {
	python3 - "$T/st-$1/rounds" <<'PY'
import glob, json, os, sys
f = [g for g in glob.glob(sys.argv[1] + "/*.json") if os.path.basename(g).count(".") == 1][0]
print(json.load(open(f)).get("settled", False))
PY
}

# field NAME: a field of the last sync's JSON answer ($T/out).
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/out" "$1"; }

# Another taxonomy than the park's: a step that quantizes still refuses to run.
mkdir -p "$T/otherdata"
python3 - "$SYMBIOD_DATA_DIR/taxonomy.json" "$T/otherdata/taxonomy.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
next(c for c in t["categories"] if "quantity" in c)["quantity"]["bits"] -= 1
json.dump(t, open(sys.argv[2], "w"))
PY
SYMBIOD_DATA_DIR=$T/otherdata expect_rc 78 "farms: sync with another taxonomy than the park's" -- \
	"$BIN/symbi" sync --dir "$T/st-farms" --json
expect_grep "$T/err" "taxonomy .* is not the park's" "  ... refused, naming both taxonomies"

# consents COMPANY [FROM TO]: the answers in the company's own record of the round, sorted;
# with FROM and TO, each FROM is first rewritten to TO.
consents() {
	python3 - "$T/st-$1/rounds" "${2:-}" "${3:-}" <<'PY'
import glob, json, os, sys
f = [g for g in glob.glob(sys.argv[1] + "/*.json") if os.path.basename(g).count(".") == 1][0]
rec = json.load(open(f))
if sys.argv[2]:
    rec["consents"] = {k: sys.argv[3] if v == sys.argv[2] else v for k, v in rec["consents"].items()}
    json.dump(rec, open(f, "w"))
print(" ".join(sorted(rec["consents"].values())))
PY
}

expect_rc 0 "farms: sync in the consent window deposits" -- "$BIN/symbi" sync --dir "$T/st-farms" --json
[ "$(field deposited)" = 1 ] && [ "$(field received)" = 0 ] &&
	ok "  ... deposited 1, nothing to fetch yet" || bad "  ... $(cat "$T/out")"
# Any other refusal of a deposit still fails: farms' record loses its deposit (as after a crash
# before writing it); the item sealed again is another envelope, refused in the consent window.
consents farms deposited accepted >/dev/null
expect_rc 77 "farms: a deposit refused for another reason than the window's end still fails" -- \
	"$BIN/symbi" sync --dir "$T/st-farms" --json
expect_grep "$T/err" "deposit: .*already deposited another item" "  ... naming the coordinator's reason"
[ "$(field expired)" = 0 ] && [ "$(consents farms)" = accepted ] && ! grep -q "expired" "$T/err" &&
	ok "  ... not taken for an expiry" || bad "  ... $(cat "$T/out") $(cat "$T/err")"
consents farms accepted deposited >/dev/null
expect_rc 0 "power: sync in the consent window" -- "$BIN/symbi" sync --dir "$T/st-power" --json
[ "$(field deposited)" = 2 ] && [ "$(field received)" = 1 ] &&
	ok "  ... power deposited both items and fetched farms'" || bad "  ... $(cat "$T/out")"

# The race: smelter's sync asked for the phase (consent); the round ends before its deposit
# arrives. gdb stops it at deposit_send and ends the round meanwhile.
# gdb must exist, see symbi's symbols and be allowed to trace (a container may forbid ptrace).
# LeakSanitizer cannot run under a tracer: the sanitizer build's leak check is off in gdb only.
GDB="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 gdb"
if command -v gdb >/dev/null && gdb -q -batch -ex 'info address deposit_send' "$BIN/symbi" 2>&1 | grep -q "is a function" &&
	$GDB -q -batch -ex run -ex 'quit $_exitcode' --args "$BIN/symbi" --version >/dev/null 2>&1; then
	expect_rc 0 "smelter: sync in the consent window, the round ends before its deposit" -- \
		$GDB -q -batch -ex 'break deposit_send' \
		-ex "run sync --dir $T/st-smelter --json >$T/smelter.out 2>$T/smelter.err" \
		-ex "shell $BIN/symbiod round end --dir $P >$T/end.out 2>&1" -ex continue \
		-ex 'quit $_exitcode' "$BIN/symbi"
	grep -q "Breakpoint 1, deposit_send" "$T/out" && grep -q "ended" "$T/end.out" &&
		ok "  ... stopped before its deposit; the round ended meanwhile" ||
		bad "  ... $(cat "$T/out" "$T/end.out")"
	expect_grep "$T/daemon.log" "from smelter refused: .*consent window" "  ... the coordinator refused the deposit"
	cp "$T/smelter.out" "$T/out"
	[ "$(field phase)" = consent ] && [ "$(field expired)" = 1 ] && [ "$(field deposited)" = 0 ] &&
		[ "$(field exit)" = 0 ] && ok "  ... the refusal taken as the window's end: expired 1, exit 0" ||
		bad "  ... $(cat "$T/smelter.out" "$T/smelter.err")"
	expect_grep "$T/smelter.err" "agreed with paper, but the consent window ended before this company deposited" \
		"  ... and said, naming the counterpart"
	[ "$(consents smelter)" = expired ] && ok "  ... recorded as expired" || bad "  ... record: $(consents smelter)"
else
	echo "SKIP: gdb, the symbols of symbi or ptrace are missing; the race of a deposit with the round's end did not run"
	expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
fi

# Accepted and agreed, never deposited: no deposit is tried after the end; the exchange expired.
expect_rc 0 "plasterboard: sync after the end" -- "$BIN/symbi" sync --dir "$T/st-plasterboard" --json
expect_grep "$T/err" "agreed with power, but the consent window ended before this company deposited its item" \
	"  ... is told the consent window ended before its deposit, naming the counterpart"
grep -q "from plasterboard refused" "$T/daemon.log" && bad "  ... a deposit was tried: $(grep "from plasterboard refused" "$T/daemon.log")" ||
	ok "  ... no deposit was tried"
[ "$(field expired)" = 1 ] && [ "$(field deposited)" = 0 ] && [ "$(field indicators)" = collecting ] &&
	[ "$(field indicator_bytes)" -gt 0 ] &&
	ok "  ... expired 1; its indicator vector went out ($(field indicator_bytes) bytes)" ||
	bad "  ... $(cat "$T/out") $(cat "$T/err")"
[ "$(consents plasterboard)" = expired ] && ok "  ... recorded as expired" || bad "  ... record: $(consents plasterboard)"
expect_grep "$T/daemon.log" "plasterboard sent its masked vector" "  ... the coordinator holds its vector"
# The record now leaves nothing: the next sync skips the exchanges step. Run with another
# taxonomy than the park's, which the step would load and refuse (exit 78), as farms' did.
SYMBIOD_DATA_DIR=$T/otherdata expect_rc 0 "plasterboard: sync again skips the exchanges step" -- \
	"$BIN/symbi" sync --dir "$T/st-plasterboard" --json
[ "$(field expired)" = 0 ] && [ "$(field deposited)" = 0 ] && ! grep -q "expired" "$T/err" &&
	grep -q "nothing to do" "$T/err" && [ "$(field indicator_bytes)" -gt 0 ] &&
	ok "  ... nothing expires twice, the indicator state asked again" ||
	bad "  ... $(cat "$T/out") $(cat "$T/err")"
# Deposited, the counterpart's item not kept: the step runs once and finds it gone with the
# round; the record is then settled and later runs skip the step (with another taxonomy, which
# the step would load and refuse).
expect_rc 0 "farms: sync after the end" -- "$BIN/symbi" sync --dir "$T/st-farms" --json
[ "$(field phase)" = ended ] && [ "$(field received)" = 0 ] && [ "$(field indicators)" = collecting ] &&
	ok "  ... nothing left to fetch; its indicator vector went out" || bad "  ... $(cat "$T/out") $(cat "$T/err")"
[ "$(settled farms)" = True ] && [ "$(consents farms)" = deposited ] &&
	ok "  ... the record is settled, the deposit still recorded" || bad "  ... record: $(settled farms) $(consents farms)"
SYMBIOD_DATA_DIR=$T/otherdata expect_rc 0 "farms: sync again skips the exchanges step" -- \
	"$BIN/symbi" sync --dir "$T/st-farms" --json
# Accepted a candidate cement declined (never agreed) and deposited one whose counterpart
# (plasterboard) never deposited: the same, one step after the end, then none.
expect_rc 0 "power: sync after the end" -- "$BIN/symbi" sync --dir "$T/st-power" --json
[ "$(field received)" = 0 ] && [ "$(field expired)" = 0 ] && [ "$(settled power)" = True ] &&
	ok "  ... nothing to fetch or expire; settled" || bad "  ... $(cat "$T/out") $(settled power)"
[ "$(consents power)" = "accepted deposited deposited" ] && ok "  ... its answers kept as they were" ||
	bad "  ... record: $(consents power)"
SYMBIOD_DATA_DIR=$T/otherdata expect_rc 0 "power: sync again skips the exchanges step" -- \
	"$BIN/symbi" sync --dir "$T/st-power" --json
# A record whose settled mark is not a boolean is refused, naming the file.
python3 - "$T/st-power/rounds" <<'PY'
import glob, json, os, sys
f = [g for g in glob.glob(sys.argv[1] + "/*.json") if os.path.basename(g).count(".") == 1][0]
rec = json.load(open(f))
rec["settled"] = "yes"
json.dump(rec, open(f, "w"))
PY
expect_rc 65 "power: sync with a damaged settled mark" -- "$BIN/symbi" sync --dir "$T/st-power" --json
expect_grep "$T/err" "rounds/.*\.json: malformed" "  ... refused, naming the round file"
# Declined only: nothing to deposit or fetch, the indicator step alone.
expect_rc 0 "cement: sync after the end" -- "$BIN/symbi" sync --dir "$T/st-cement" --json
[ "$(field received)" = 0 ] && [ "$(field deposited)" = 0 ] && [ "$(field indicators)" = collecting ] &&
	ok "  ... its indicator vector went out" || bad "  ... $(cat "$T/out") $(cat "$T/err")"
[ "$(field indicator_bytes)" -gt 0 ] && ok "  ... $(field indicator_bytes) indicator bytes" || bad "  ... no indicator bytes"
expect_rc 0 "cement: sync again" -- "$BIN/symbi" sync --dir "$T/st-cement" --json
[ "$(field indicator_bytes)" -gt 0 ] && ok "  ... asks the indicator state again" || bad "  ... $(cat "$T/out")"

# After the race, smelter's record leaves nothing: straight to its indicator vector.
if [ "$(consents smelter)" = expired ]; then
	expect_rc 0 "smelter: sync after the end" -- "$BIN/symbi" sync --dir "$T/st-smelter" --json
	[ "$(field expired)" = 0 ] && [ "$(field indicators)" = collecting ] && ! grep -q "expired" "$T/err" &&
		ok "  ... nothing expires twice; its indicator vector went out" || bad "  ... $(cat "$T/out") $(cat "$T/err")"
fi

# paper's agent, started after the end: the same as plasterboard's sync, then it goes on.
"$BIN/symbi" agent --dir "$T/st-paper" --interval-s 1 >"$T/agent.out" 2>"$T/agent.log" &
APID=$!
for i in $(seq 1 100); do
	grep -q "paper sent its masked vector" "$T/daemon.log" && break
	sleep 0.1
done
expect_grep "$T/daemon.log" "paper sent its masked vector" "paper's agent: its indicator vector went out"
expect_grep "$T/agent.log" "agreed with smelter, but the consent window ended before this company deposited" \
	"  ... after saying the exchange expired, naming the counterpart"
expect_grep "$T/agent.log" "sync: 1 agreed exchange\\(s\\) expired undeposited" "  ... in its own log line"
sleep 2.5 # two more polls
[ "$(grep -c "expired undeposited" "$T/agent.log")" = 1 ] && ! grep -q "sync failed" "$T/agent.log" &&
	ok "  ... once; later polls neither fail nor expire it again" || bad "  ... $(cat "$T/agent.log")"
[ "$(consents paper)" = expired ] && ok "  ... recorded as expired" || bad "  ... record: $(consents paper)"
kill -TERM "$APID"
wait "$APID" && ok "  ... SIGTERM, exit 0" || bad "  ... SIGTERM: exit $?"
APID=
finish
