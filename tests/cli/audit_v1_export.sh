#!/usr/bin/env bash
# Today's symbi-audit on a real export of format version 1
# (tests/fixtures/export-v1, written by the daemon of commit afb0fe3): verify,
# replay and graph pass and say they read version 1; tampered copies fail
# and name the rule. A byte changed in the log breaks the signed checkpoint;
# the other tamperings are re-signed with the fixture park's coordinator key
# (symbi-forge resign: a coordinator rewriting its own log), so that only the
# version 1 rules can catch them.
#
# usage: audit_v1_export.sh BINDIR
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 BINDIR" >&2
	exit 64
fi
AUDIT=$1/symbi-audit
FORGE=$1/symbi-forge
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
E=$FIX/export-v1

. "$(dirname "$0")/../e2e/lib.sh"
X=$T/export

# The forger's park: only its coordinator key, with the modes keyfiles need.
mkdir -m 700 "$T/park" "$T/park/keys"
install -m 600 "$FIX/export-v1.coordinator.key" "$T/park/keys/coordinator.key"

# tamper [--resign] PYTHON: a fresh copy of the export, its entries (list L of
# lines, 0-based like entry indices) rewritten by PYTHON, optionally re-signed.
tamper() {
	local resign=0
	[ "$1" = --resign ] && { resign=1; shift; }
	rm -rf "$X"
	cp -a "$E" "$X"
	python3 - "$X/entries.jsonl" "$1" <<'EOF' || bad "tampering script failed: $1"
import base64, json, sys
path, code = sys.argv[1], sys.argv[2]
L = open(path, "rb").read().decode().split("\n")[:-1]
def entry(i): return json.loads(L[i])
def put(i, obj): L[i] = json.dumps(obj, separators=(",", ":"), sort_keys=True)
exec(code)
open(path, "w").write("".join(l + "\n" for l in L))
EOF
	if [ $resign -eq 1 ]; then
		"$FORGE" resign --park "$T/park" --export "$X" 2>"$T/err" || bad "symbi-forge resign: $(cat "$T/err")"
	fi
}

# expect_problem RULE DESCRIPTION [COMMAND]: symbi-audit COMMAND (verify) on
# the tampered copy exits 65, its first problem line naming RULE.
expect_problem() {
	local rule=$1 what=$2 cmd=${3:-verify} got
	"$AUDIT" "$cmd" "$X" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq 65 ] && grep -qE "^(entry [0-9]+|checkpoint|round [0-9a-f]{32}): $rule: " "$T/err"; then
		ok "$what: $(head -n 1 "$T/err" | head -c 160)"
	else
		bad "$what: exit $got (wanted 65 naming $rule); stderr: $(head -c 400 "$T/err")"
	fi
}

# ---- the export as the version 1 daemon wrote it ------------------------------
[ ! -e "$E/format-version" ] && ok "the fixture has no format-version file" ||
	bad "the fixture must be a version 1 export"
grep -q '"kind":"consent".*"request":' "$E/entries.jsonl" && ! grep -q '"kind":"deposit"' "$E/entries.jsonl" &&
	ok "its consents hold their signed requests; it has no deposit entries" ||
	bad "the fixture's entries are not of version 1"
for cmd in verify replay; do
	expect_rc 0 "symbi-audit $cmd" -- "$AUDIT" "$cmd" "$E"
	expect_grep "$T/out" "^  export format version 1 " "  ... says it read export format version 1"
done
expect_grep "$T/out" "replay: every replayed round's join matches the log" "  ... the replay matches the log"
expect_rc 0 "symbi-audit verify --json" -- "$AUDIT" verify --json "$E"
expect_grep "$T/out" '"format_version": 1,' "  ... \"format_version\": 1"
expect_rc 0 "symbi-audit graph" -- "$AUDIT" graph "$E"
# The two releases of the fixture's round: asnaes <-> refinery, both ways.
[ "$(grep -c -- ' -> ' "$T/out")" -eq 2 ] && grep -q '"asnaes" -> "refinery";' "$T/out" &&
	grep -q '"refinery" -> "asnaes";' "$T/out" && ok "  ... draws the two released exchanges" ||
	bad "graph: $(cat "$T/out")"

# ---- tampering ---------------------------------------------------------------
# The fixture's entries: 12 asnaes accepts a candidate that refinery accepts
# at 15 and that is released at 16; 17 refinery accepts the candidate that
# gyproc declines at 20; 21 round_ended.
FLIP='
e = entry(12); assert e["kind"] == "consent" and e["accept"]
req = bytearray(base64.b64decode(e["request"])); req[-10] ^= 1
e["request"] = base64.b64encode(bytes(req)).decode(); put(12, e)'

tamper "$FLIP"
expect_problem tree-root "a byte flipped in a consent's request breaks the checkpoint"
tamper 'del L[12]'
expect_problem tree-size "an entry removed breaks the checkpoint"

tamper --resign "$FLIP"
expect_problem consent-signature "re-signed: a byte flipped in a consent's request"
tamper --resign 'e = entry(20); assert not e["accept"]; e["accept"] = True; put(20, e)'
expect_problem consent-signature "re-signed: a decline logged as an accept"
tamper --resign '
e = entry(17); req = base64.b64decode(entry(15)["request"]); e["request"] = base64.b64encode(req).decode(); put(17, e)'
expect_problem consent-signature "re-signed: another candidate's signed accept"
tamper --resign 'assert entry(12)["kind"] == "consent"; del L[12]'
expect_problem release-without-accepts "re-signed: a released candidate's accept removed"
tamper --resign '
e = entry(16); assert e["kind"] == "release"; e["supplier_consent"] = "00" * 32; put(16, e)'
expect_problem release-hashes "re-signed: a release naming another consent hash"
tamper --resign '
e = entry(16); e["supplier_envelope"], e["consumer_envelope"] = e["consumer_envelope"], e["supplier_envelope"]; put(16, e)'
expect_problem release-hashes "re-signed: a release naming the envelopes swapped"
tamper --resign '
e = entry(16); L.insert(16, json.dumps({"at_ms": e["at_ms"], "candidate": e["candidate"], "envelope": e["supplier_envelope"],
    "kind": "deposit", "member": "asnaes", "round": e["round"], "v": 1}, separators=(",", ":"), sort_keys=True))'
expect_problem malformed-entry "re-signed: a deposit entry, which version 1 did not have"
# Version 1 always exported the token batches: they are checked as today's.
tamper ''
sed -i 1d "$X"/batches/*.jsonl
expect_problem batches "a committed token batch removed from batches/"
expect_problem replay "  ... and replayed" replay
# Read as version 2, the same log fails: its requests are not bound to the park.
tamper ''
echo 2 >"$X/format-version"
expect_problem submission-signature "the same log with format-version 2"

finish
