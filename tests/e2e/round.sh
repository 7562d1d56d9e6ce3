#!/usr/bin/env bash
# A whole matching round on a scenario park, through the real CLI, against a
# real daemon on loopback: exact candidates, declines honoured, details
# released only to agreed partners, nothing confidential at the coordinator.
# usage: round.sh BINDIR SCENARIO_DIR [--expire] [--token-encoding N]
#   --expire: leave one agreed-to-be candidate unanswered by its consumer and
#             check that `round end` expires it and releases nothing.
#   --token-encoding 1: the round takes protocol 1.1's tokens, as a park
#             opens rounds while its members upgrade (PROTOCOL.md 3.1): the
#             same candidates, a 1.1 client's submission taken, a 1.2 one
#             refused, a round record without the encoding read as 1.1's.
BIN=$1
SC=$2
shift 2
EXPIRE=
ENC=2
while [ $# -gt 0 ]; do
	case $1 in
	--expire) EXPIRE=--expire ;;
	--token-encoding) ENC=$2; shift ;;
	*) echo "round.sh: unknown option $1"; exit 2 ;;
	esac
	shift
done
. "$(dirname "$0")/lib.sh"
others() { for o in $ids; do [ "$o" != "$1" ] && printf '%s ' "$o"; done; }

P=$T/park
new_park "$P" "Scenario $(basename "$SC")" || { echo "cannot create park"; exit 1; }
ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")
for c in $ids; do
	name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SC/companies.json" "$c")
	join "$P" "$T/st-$c" "$c" "$name" "$(site_of "$SC" "$c")" || { echo "cannot enroll $c"; exit 1; }
done
"$BIN/symbi" init --dir "$T/stranger" --park "$P/park.json" --id stranger --name "Stranger" 2>/dev/null
first=$(echo "$ids" | cut -d' ' -f1)
start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }

# Before any round: refused clearly, nothing sent.
expect_rc 75 "submit with no open round is refused" -- "$BIN/symbi" submit --dir "$T/st-$first" "$SC/$first.json"
expect_grep "$T/err" "no round has been opened|no round is open" "  ... with a clear reason"

expect_rc 0 "round open (token encoding $ENC)" -- "$BIN/symbiod" round open --dir "$P" --token-encoding "$ENC"
ROUND=$(cat "$T/out")
[[ "$ROUND" =~ ^[0-9a-f]{32}$ ]] && ok "  ... prints the round id" || bad "round id: $ROUND"
"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json"
python3 - "$T/status.json" "$ENC" <<'PY' && ok "  ... status shows the encoding and its default sizes" || bad "status: $(cat "$T/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))
enc = int(sys.argv[2])
assert s["token_encoding"] == enc, s
want = {1: (2048, 256, 131072, 4096), 2: (1024, 512, 8192, 65536)}[enc]
z = s["sizes"]
assert (z["offer_floor"], z["need_floor"], z["max_offer"], z["max_need"]) == want, z
PY

# Bad input sends nothing.
echo '{"flows": [{"id": "x", "direction": "offer", "category": "energy.steam", "quantity": {"value": 1, "unit": "furlongs/fortnight"}}]}' >"$T/bad.json"
expect_rc 65 "submit of a flows file that fails check" -- "$BIN/symbi" submit --dir "$T/st-$first" "$T/bad.json"
expect_grep "$T/err" 'unknown unit "furlongs/fortnight"' "  ... names the error"
expect_rc 77 "a stranger (not enrolled) cannot submit" -- "$BIN/symbi" submit --dir "$T/stranger" "$SC/$first.json"
"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["submitted"]==0' "$T/status.json" && ok "  ... and nothing was stored" || bad "refused submissions were stored: $(cat "$T/status.json")"

if [ "$ENC" = 1 ]; then
	# A member still on 1.1 names no encoding: taken (replaced below by its real
	# submission). A member on 1.2 that ignored the announcement: refused.
	# shellcheck disable=SC2046
	expect_rc 0 "a 1.1 client's submission (no encoding named) is taken" -- \
		"$BIN/symbi-rawsubmit" --dir "$T/st-$first" --offers 2048 --needs 256 --encoding 0 $(others "$first")
	# shellcheck disable=SC2046
	expect_rc 65 "tokens of encoding 2 are refused in a round of encoding 1" -- \
		"$BIN/symbi-rawsubmit" --dir "$T/st-$first" --offers 2048 --needs 256 --encoding 2 $(others "$first")
	expect_grep "$T/err" "tokens of encoding 2; this round takes encoding 1" "  ... naming both"
fi
# A second submit replaces the first: submit an empty file first, then the real one.
echo '{"flows": []}' >"$T/empty.json"
expect_rc 0 "first submit of $first (no flows)" -- "$BIN/symbi" submit --dir "$T/st-$first" "$T/empty.json"
for c in $ids; do
	expect_rc 0 "submit $c" -- "$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json"
done
"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["submitted"]==len(sys.argv[2].split()) and s["phase"]=="open"' "$T/status.json" "$ids" && ok "every company counted once (the second submit replaced the first)" || bad "status: $(cat "$T/status.json")"

# A round id this company saw before, for another round, is refused before
# anything is sent (protocol 1.1): a copy of its STATE remembers this round's
# id with other terms.
cp -a "$T/st-$first" "$T/st-reuse"
sed -i 's/ [0-9a-f]*$/ '"$(printf '%064d' 0)"'/' "$T/st-reuse/rounds-seen"
expect_rc 76 "a reused round id is refused" -- "$BIN/symbi" submit --dir "$T/st-reuse" "$SC/$first.json"
expect_grep "$T/err" "reused round id is refused" "  ... and says so"

python3 "$(dirname "$0")/round_check.py" records "$SC" "$T" "$ROUND" "$ENC" &&
	ok "each round record keeps the round's token encoding ($ENC)" || bad "round records"
expect_rc 0 "round close (runs the matching)" -- "$BIN/symbiod" round close --dir "$P"
expect_rc 75 "submit after close is refused" -- "$BIN/symbi" submit --dir "$T/st-$first" "$SC/$first.json"

for c in $ids; do
	"$BIN/symbi" candidates --dir "$T/st-$c" --json >"$T/cand-$c.json" 2>"$T/err" || bad "candidates $c: $(cat "$T/err")"
done
python3 "$(dirname "$0")/round_check.py" candidates "$SC" "$T" && ok "candidates are exactly the expected ones, on both sides" || bad "candidates differ"
if [ "$ENC" = 1 ]; then
	# A record written by a 1.1 client names no encoding: read as 1.1's, its
	# candidates map back to the same flows.
	cp -a "$T/st-$first" "$T/st-old"
	python3 -c 'import json,sys; p=sys.argv[1]; r=json.load(open(p)); del r["token_encoding"]; json.dump(r, open(p, "w"))' "$T/st-old/rounds/$ROUND.json"
	"$BIN/symbi" candidates --dir "$T/st-old" --json >"$T/cand-old.json" 2>"$T/err" || bad "candidates from a 1.1 record: $(cat "$T/err")"
	cmp -s "$T/cand-old.json" "$T/cand-$first.json" && ok "a 1.1 client's round record maps the same candidates" || bad "candidates from a 1.1 record differ"
fi

# Declines, then everyone accepts the rest (one consumer holds back with --expire).
python3 "$(dirname "$0")/round_check.py" declines "$SC" "$T" >"$T/declines.txt" || bad "cannot resolve declines"
while read -r company cand; do
	expect_rc 0 "$company declines $cand" -- "$BIN/symbi" decline --dir "$T/st-$company" "$cand"
done <"$T/declines.txt"
# accept --all answers for candidates nobody looked at: off a terminal it needs --yes.
expect_rc 64 "accept --all without --yes and without a terminal is refused" -- "$BIN/symbi" accept --dir "$T/st-$first" --all </dev/null
expect_grep "$T/err" "add --yes" "  ... saying to add --yes"
"$BIN/symbi" candidates --dir "$T/st-$first" --json >"$T/cand-$first.json" 2>/dev/null
python3 -c 'import json,sys; assert not [x for x in json.load(open(sys.argv[1])) if x["state"] in ("accepted","agreed")]' "$T/cand-$first.json" && ok "  ... and accepts nothing" || bad "accept --all without --yes accepted: $(cat "$T/cand-$first.json")"
HOLD=
HOLD_CAND=
if [ "$EXPIRE" = --expire ]; then
	read -r HOLD HOLD_CAND < <(python3 "$(dirname "$0")/round_check.py" holdout "$SC" "$T")
	echo "holding back: $HOLD on $HOLD_CAND"
fi
for c in $ids; do
	if [ "$c" = "$HOLD" ]; then
		"$BIN/symbi" candidates --dir "$T/st-$c" --json >"$T/cand-$c.json" 2>/dev/null
		others=$(python3 -c 'import json,sys; print(" ".join(x["id"] for x in json.load(open(sys.argv[1])) if x["state"]=="pending" and x["id"]!=sys.argv[2]))' "$T/cand-$c.json" "$HOLD_CAND")
		[ -z "$others" ] || expect_rc 0 "$c accepts all but one" -- "$BIN/symbi" accept --dir "$T/st-$c" $others
	else
		expect_rc 0 "$c accepts the rest" -- "$BIN/symbi" accept --dir "$T/st-$c" --all --yes
	fi
done
# A declined candidate cannot be accepted afterwards.
if [ -s "$T/declines.txt" ]; then
	read -r company cand <"$T/declines.txt"
	expect_rc 75 "accepting a declined candidate is refused" -- "$BIN/symbi" accept --dir "$T/st-$company" "$cand"
fi

# Protocol 1.1: an item leaves its company only once both sides accepted.
# The first pass deposits each company's items (and fetches what earlier
# companies deposited), the second collects the rest.
for pass in 1 2; do
	for c in $ids; do
		"$BIN/symbi" exchanges --dir "$T/st-$c" --json >"$T/ex-$c.json" 2>"$T/err" || bad "exchanges $c (pass $pass): $(cat "$T/err")"
	done
	# Between the passes the coordinator holds the items deposited for
	# companies that fetched before them: sealed, and padded.
	[ "$pass" = 1 ] && { python3 "$(dirname "$0")/round_check.py" envelopes "$SC" "$T" "$P/symbiod.db" >"$T/envelopes" &&
		ok "the sealed items held by the coordinator are padded: $(cat "$T/envelopes")" || bad "$(cat "$T/envelopes")"; }
done
if [ -n "$HOLD" ]; then
	expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
	expect_grep "$T/out" "1 unanswered candidates expired" "  ... expires the unanswered candidate"
fi
for c in $ids; do
	"$BIN/symbi" candidates --dir "$T/st-$c" --json >"$T/cand-$c.json" 2>/dev/null
done
python3 "$(dirname "$0")/round_check.py" exchanges "$SC" "$T" "$HOLD_CAND" && ok "agreed exchanges show the counterpart's details on both sides; declined and expired ones release nothing" || bad "exchanges differ"

expect_rc 0 "round status" -- "$BIN/symbiod" round status --dir "$P" --json
if [ "$ENC" = 1 ]; then
	# The reviewer checks a round of encoding 1 as any other.
	expect_rc 0 "log export" -- "$BIN/symbiod" log export --dir "$P" --out "$T/export"
	expect_rc 0 "symbi-audit verify: the round of encoding 1" -- "$BIN/symbi-audit" verify "$T/export"
fi
stop_daemon TERM && ok "daemon stops with exit 0" || bad "daemon exit $?"

# Privacy: the coordinator's whole directory (database, WAL, logs) holds no marker;
# each company's STATE holds only its own and its agreed partners'.
cp "$T/daemon.log" "$P/daemon.log"
python3 "$(dirname "$0")/round_check.py" privacy "$SC" "$T" "$P" "$HOLD_CAND" && ok "no SECRET- marker at the coordinator; each STATE holds only its own and agreed partners' markers" || bad "privacy scan"

finish
