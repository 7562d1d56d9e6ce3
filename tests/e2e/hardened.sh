#!/usr/bin/env bash
# A hardened round (HARDENED.md) on a scenario park through the real CLI and
# a real daemon on loopback: key commitments, query batches, answers with
# DLEQ proofs, then the standard submission; exactly the expected candidates,
# released items that check as exact, one token batch size per member (reach
# leaves items out per counterpart, REACH.md), and an audit export that verifies.
# usage: hardened.sh BINDIR SCENARIO_DIR [--token-encoding 1]
#   (protocol 1.1's blocks, for a park whose members upgrade: the same
#   candidates, and the round records say so)
BIN=$1
SC=$2
ENC=2
[ "${3:-}" = --token-encoding ] && ENC=$4
. "$(dirname "$0")/lib.sh"

P=$T/park
park_of_folder "$P" "$SC" "Hardened $(basename "$SC")"
ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")
first=$(echo "$ids" | cut -d' ' -f1)


expect_rc 0 "round open --mode hardened (token encoding $ENC)" -- "$BIN/symbiod" round open --dir "$P" --mode hardened --token-encoding "$ENC"
wait_phase "$P" query && ok "  ... the round is in its query phase" || bad "phase: $(cat "$T/status.json")"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["mode"]=="hardened" and sorted(s["silent"])==sorted(sys.argv[2].split())' "$T/status.json" "$ids" && ok "  ... every member silent so far" || bad "status: $(cat "$T/status.json")"

for c in $ids; do
	expect_rc 0 "submit $c (records the flows, commits its key, sends its query batch)" -- "$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json"
done
wait_phase "$P" evaluate && ok "every member queried: the daemon moved to evaluate" || bad "phase: $(cat "$T/status.json")"
expect_rc 75 "a standard submission in the evaluate phase is refused" -- "$BIN/symbi" submit --dir "$T/st-$first" "$SC/$first.json"

for c in $ids; do
	expect_rc 0 "sync $c answers the batches addressed to it" -- "$BIN/symbi" sync --dir "$T/st-$c"
done
wait_phase "$P" submit && ok "every member answered: the daemon moved to submit" || bad "phase: $(cat "$T/status.json")"
expect_rc 0 "sync again in submit is idempotent for a member that already answered" -- "$BIN/symbi" sync --dir "$T/st-$first"
for c in $ids; do
	expect_rc 0 "sync $c verifies the proofs and submits" -- "$BIN/symbi" sync --dir "$T/st-$c"
done
wait_phase "$P" consent && ok "every member submitted: the daemon closed the round (matching done)" || bad "phase: $(cat "$T/status.json")"

for c in $ids; do
	"$BIN/symbi" candidates --dir "$T/st-$c" --json >"$T/cand-$c.json" 2>"$T/err" || bad "candidates $c: $(cat "$T/err")"
done
python3 "$(dirname "$0")/round_check.py" candidates "$SC" "$T" && ok "hardened: candidates are exactly the expected ones, on both sides" || bad "candidates differ"
ROUND=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["round"])' "$T/status.json")
python3 "$(dirname "$0")/round_check.py" records "$SC" "$T" "$ROUND" "$ENC" &&
	ok "  ... and each round record keeps the round's token encoding ($ENC)" || bad "round records"

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

# With batches (for a non-member auditor): every answer's proof against the committed key.
expect_rc 0 "log export --with-batches before the round ends" -- "$BIN/symbiod" log export --dir "$P" --out "$T/xb" --with-batches
ls "$T/xb/batches/"*.hard.jsonl >/dev/null 2>&1 && ok "  ... holds the hardened batches" || bad "no hardened batch file: $(ls "$T/xb/batches")"
# Reach leaves items out per counterpart (REACH.md); the sizes must not show which.
python3 - "$T/xb/batches" <<'PY' && ok "  ... each member's token batches all have one size, whatever reach left out" || bad "batch sizes differ per counterpart"
import glob, json, sys
sizes = {}
for f in glob.glob(sys.argv[1] + "/*.jsonl"):
    if f.endswith(".hard.jsonl"):
        continue
    for l in open(f):
        b = json.loads(l)
        sizes.setdefault(b["submitter"], set()).add((len(b["offers"]), len(b["needs"])))
print(sizes)
sys.exit(0 if sizes and all(len(v) == 1 for v in sizes.values()) else 1)
PY
expect_rc 0 "symbi-audit verify checks every answer's proof" -- "$BIN/symbi-audit" verify "$T/xb"
expect_grep "$T/out" "hardened answers: [0-9]+ proofs hold" "  ... and says how many"
expect_rc 0 "symbi-audit replay recomputes the hardened round's join from its token batches" -- "$BIN/symbi-audit" replay "$T/xb"
# An answer replaced by other elements (the log's digest no longer matches) is caught.
python3 - "$T/xb/batches" <<'PY'
import base64, glob, json, sys
f = glob.glob(sys.argv[1] + "/*.hard.jsonl")[0]
lines = open(f).read().splitlines()
for i, l in enumerate(lines):
    j = json.loads(l)
    if "answerer" in j:
        e = bytearray(base64.b64decode(j["elements"]))
        e[0:32], e[32:64] = e[32:64], e[0:32]
        j["elements"] = base64.b64encode(bytes(e)).decode()
        lines[i] = json.dumps(j, separators=(",", ":"), sort_keys=True)
        break
open(f, "w").write("\n".join(lines) + "\n")
PY
expect_rc 65 "a swapped answer in the batch file fails verify" -- "$BIN/symbi-audit" verify "$T/xb"
expect_grep "$T/err" "hardened-batches" "  ... naming the hardened batch file"
expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
python3 - "$P" "$T/xb/batches" <<'PY' && ok "round end deleted the query and answer batches: no element of them is left in PARK (database, WAL)" || bad "hardened batches survive in PARK"
import base64, glob, json, os, sys
park, xb = sys.argv[1], sys.argv[2]
needles = []
for l in open(glob.glob(xb + "/*.hard.jsonl")[0]):
    e = base64.b64decode(json.loads(l)["elements"])
    needles += [e[k:k + 32] for k in range(0, len(e), 32 * 97)]
for root, _, files in os.walk(park):
    for f in files:
        if not os.path.isfile(os.path.join(root, f)):
            continue  # the control socket
        data = open(os.path.join(root, f), "rb").read()
        assert not any(n in data for n in needles), f
PY
expect_rc 0 "log export" -- "$BIN/symbiod" log export --dir "$P" --out "$T/export"
expect_rc 0 "symbi-audit verify passes on the hardened round's export" -- "$BIN/symbi-audit" verify "$T/export"
grep -q '"kind":"hardened_answer"' "$T/export/entries.jsonl" && ! grep -q '"blinded"\|"evaluated"' "$T/export/entries.jsonl" && ok "  ... whose hardened entries hold digests, not elements" || bad "hardened entries in the export"

# A coordinator that rewrites a hardened entry and re-signs its log is caught by the rules.
# tamper_hard KIND FIELD VALUE RULE: set FIELD of the first KIND entry, re-sign, verify.
tamper_hard() {
	rm -rf "$T/x" && cp -a "$T/export" "$T/x"
	python3 - "$T/x/entries.jsonl" "$1" "$2" "$3" <<'PY'
import json, sys
path, kind, field, value = sys.argv[1:]
lines = open(path).read().splitlines()
for i, l in enumerate(lines):
    e = json.loads(l)
    if e["kind"] == kind:
        e[field] = json.loads(value)
        lines[i] = json.dumps(e, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        break
open(path, "w").write("\n".join(lines) + "\n")
PY
	"$BIN/symbi-forge" resign --park "$P" --export "$T/x" 2>"$T/err" || bad "resign: $(cat "$T/err")"
	expect_rc 65 "a re-signed log with a $1 whose $2 changed fails verify" -- "$BIN/symbi-audit" verify "$T/x"
	expect_grep "$T/err" "$4" "  ... on the rule $4"
}
tamper_hard hardened_answer count 257 hardened-budget
tamper_hard hardened_query count 255 hardened-budget
last=$(echo "$ids" | tr ' ' '\n' | tail -1)
tamper_hard hardened_key member "\"$last\"" "hardened-key|hardened-signature"
tamper_hard hardened_answer digest "\"$(printf '%064d' 0)\"" hardened-signature

# A member that never answers: the round still completes, and only the pairs
# it supplies are missing (its queriers never got its evaluations).
SILENT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["candidates"][0][0])' "$SC/expected.json")
expect_rc 0 "a second hardened round" -- "$BIN/symbiod" round open --dir "$P" --mode hardened
for c in $ids; do
	"$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json" 2>"$T/err" || bad "submit $c: $(cat "$T/err")"
done
wait_phase "$P" evaluate || bad "phase: $(cat "$T/status.json")"
for c in $ids; do
	[ "$c" = "$SILENT" ] || "$BIN/symbi" sync --dir "$T/st-$c" 2>"$T/err" || bad "sync $c: $(cat "$T/err")"
done
"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["phase"]=="evaluate" and s["silent"]==[sys.argv[2]], s' "$T/status.json" "$SILENT" && ok "round status names the silent member" || bad "status: $(cat "$T/status.json")"
expect_rc 0 "round advance past the silent member" -- "$BIN/symbiod" round advance --dir "$P"
for c in $ids; do
	"$BIN/symbi" sync --dir "$T/st-$c" 2>"$T/err" || bad "sync $c: $(cat "$T/err")"
done
wait_phase "$P" consent && ok "the round still completes" || bad "phase: $(cat "$T/status.json")"
for c in $ids; do
	"$BIN/symbi" candidates --dir "$T/st-$c" --json >"$T/cand-$c.json" 2>/dev/null
done
python3 - "$SC" "$T" "$SILENT" $ids <<'PY' && ok "exactly the expected candidates but those $SILENT supplies" || bad "candidates with a silent member"
import json, sys
sc, t, silent, ids = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
want = sorted(tuple(c) for c in json.load(open(sc + "/expected.json"))["candidates"] if c[0] != silent)
got = []
for c in ids:
    for x in json.load(open("%s/cand-%s.json" % (t, c))):
        if x["role"] == "supplier":
            got.append((c, x["flow"], x["counterpart"]))
want3 = sorted((s, o, n) for s, o, n, _ in want)
assert sorted(got) == want3, (sorted(got), want3)
PY
expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
expect_rc 0 "log export" -- "$BIN/symbiod" log export --dir "$P" --out "$T/export2"
expect_rc 0 "symbi-audit verify passes with the silent member" -- "$BIN/symbi-audit" verify "$T/export2"
stop_daemon TERM && ok "daemon stops with exit 0" || bad "daemon exit $?"
finish
