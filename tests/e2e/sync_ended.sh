#!/usr/bin/env bash
# `symbi sync` after the round's end, through real processes (tests/parks/ulsan).
#
#   power, plasterboard, farms and cement submit; the operator closes; power,
#   plasterboard and farms accept, cement declines. farms syncs (deposits),
#   then power (deposits both, fetches farms' item); plasterboard never syncs
#   in the consent window. After the end, a sync skips the exchanges step
#   only when the company's own record leaves nothing to deposit or fetch:
#   plasterboard (accepted, agreed, never deposited) still runs it and is
#   told its deposit came too late (exit 77, the window is over); farms
#   (deposited, power's item wiped at the end unfetched) still runs it and
#   finds nothing; cement (declined only) skips it. Each exits as before and
#   the indicator step runs after it. A sync whose step quantizes flows still
#   refuses another taxonomy than the park's (the taxonomy is loaded by the
#   steps that need it).
# usage: sync_ended.sh BINDIR PARKDIR
BIN=$1
PARKS=$2
. "$(dirname "$0")/lib.sh"

P=$T/park
new_park "$P" "Ulsan sync after the end" || { echo "cannot create park"; exit 1; }
for c in power plasterboard farms cement; do
	join "$P" "$T/st-$c" "$c" "Company $c" || { echo "cannot enroll $c"; exit 1; }
done
start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }

expect_rc 0 "round open" -- "$BIN/symbiod" round open --dir "$P"
for c in power plasterboard farms cement; do
	expect_rc 0 "$c submits" -- "$BIN/symbi" submit --dir "$T/st-$c" "$PARKS/$c.json"
done
expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P"
for c in power plasterboard farms; do
	expect_rc 0 "$c accepts all its candidates" -- "$BIN/symbi" accept --dir "$T/st-$c" --all --yes
done
expect_rc 0 "cement declines all its candidates" -- "$BIN/symbi" decline --dir "$T/st-cement" --all

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

expect_rc 0 "farms: sync in the consent window deposits" -- "$BIN/symbi" sync --dir "$T/st-farms" --json
[ "$(field deposited)" = 1 ] && [ "$(field received)" = 0 ] &&
	ok "  ... deposited 1, nothing to fetch yet" || bad "  ... $(cat "$T/out")"
expect_rc 0 "power: sync in the consent window" -- "$BIN/symbi" sync --dir "$T/st-power" --json
[ "$(field deposited)" = 2 ] && [ "$(field received)" = 1 ] &&
	ok "  ... power deposited both items and fetched farms'" || bad "  ... $(cat "$T/out")"

expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"

# Accepted and agreed, never deposited: the record says a deposit is left, so the step runs.
expect_rc 77 "plasterboard: sync after the end still tries its deposit" -- \
	"$BIN/symbi" sync --dir "$T/st-plasterboard" --json
expect_grep "$T/err" "deposit.*consent window" "  ... and is told the consent window is over"
# Deposited, the counterpart's item not kept: the step runs and finds it gone with the round.
expect_rc 0 "farms: sync after the end" -- "$BIN/symbi" sync --dir "$T/st-farms" --json
[ "$(field phase)" = ended ] && [ "$(field received)" = 0 ] && [ "$(field indicators)" = collecting ] &&
	ok "  ... nothing left to fetch; its indicator vector went out" || bad "  ... $(cat "$T/out") $(cat "$T/err")"
# Declined only: nothing to deposit or fetch, the indicator step alone.
expect_rc 0 "cement: sync after the end" -- "$BIN/symbi" sync --dir "$T/st-cement" --json
[ "$(field received)" = 0 ] && [ "$(field deposited)" = 0 ] && [ "$(field indicators)" = collecting ] &&
	ok "  ... its indicator vector went out" || bad "  ... $(cat "$T/out") $(cat "$T/err")"
[ "$(field indicator_bytes)" -gt 0 ] && ok "  ... $(field indicator_bytes) indicator bytes" || bad "  ... no indicator bytes"
expect_rc 0 "cement: sync again" -- "$BIN/symbi" sync --dir "$T/st-cement" --json
[ "$(field indicator_bytes)" -gt 0 ] && ok "  ... asks the indicator state again" || bad "  ... $(cat "$T/out")"
finish
