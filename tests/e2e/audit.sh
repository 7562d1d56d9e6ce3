#!/usr/bin/env bash
# The audit log end to end: a whole round on a scenario park against a real
# daemon, the log exported (symbiod log export), then symbi-audit verify,
# replay and graph on it; then every tampering on a fresh copy of the
# export must fail and name its rule. Byte-level tamperings break the
# signed checkpoint; the others are re-signed with symbi-forge (a coordinator
# rewriting its own log), so that only the rules or the replay can catch them.
# usage: audit.sh BINDIR SCENARIO_DIR
#        audit.sh BINDIR --fake   (no daemon: an export made by symbi-forge fake)
BIN=$1
SC=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

AUDIT=$BIN/symbi-audit
FORGE=$BIN/symbi-forge
TAMPER=$HERE/audit_tamper.py
P=$T/park
E=$T/export
X=$T/tampered

# A round through the real CLI, as round.sh drives it, and the log's export.
run_round() {
	local ids c name first company cand
	new_park "$P" "Audit $(basename "$SC")" || { echo "cannot create park"; exit 1; }
	ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")
	for c in $ids; do
		name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SC/companies.json" "$c")
		join "$P" "$T/st-$c" "$c" "$name" "$(site_of "$SC" "$c")" || { echo "cannot enroll $c"; exit 1; }
	done
	first=$(echo "$ids" | cut -d' ' -f1)
	start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }
	# --keep-batches and --with-batches: replay needs the batches after the round ended.
	expect_rc 0 "round open" -- "$BIN/symbiod" round open --dir "$P" --keep-batches
	# A replaced submission belongs in the log too: an empty one first.
	echo '{"flows": []}' >"$T/empty.json"
	expect_rc 0 "first submit of $first (no flows)" -- "$BIN/symbi" submit --dir "$T/st-$first" "$T/empty.json"
	for c in $ids; do
		expect_rc 0 "submit $c" -- "$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json"
	done
	expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P"
	for c in $ids; do
		"$BIN/symbi" candidates --dir "$T/st-$c" --json >"$T/cand-$c.json" 2>"$T/err" || bad "candidates $c: $(cat "$T/err")"
	done
	python3 "$HERE/round_check.py" declines "$SC" "$T" >"$T/declines.txt" || bad "cannot resolve declines"
	while read -r company cand; do
		expect_rc 0 "$company declines $cand" -- "$BIN/symbi" decline --dir "$T/st-$company" "$cand"
	done <"$T/declines.txt"
	for c in $ids; do
		expect_rc 0 "$c accepts the rest" -- "$BIN/symbi" accept --dir "$T/st-$c" --all --yes
	done
	# Twice: the first pass deposits (protocol 1.1), the second collects the rest.
	for pass in 1 2; do
		for c in $ids; do
			"$BIN/symbi" exchanges --dir "$T/st-$c" --json >"$T/ex-$c.json" 2>"$T/err" || bad "exchanges $c: $(cat "$T/err")"
		done
	done
	expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
	expect_rc 0 "symbiod log export" -- "$BIN/symbiod" log export --dir "$P" --out "$E" --with-batches
	stop_daemon TERM || bad "daemon exit $?"
	[ -d "$E" ] || { echo "no export to audit"; finish; exit 1; }
}

# expect_problem RC RULES DESCRIPTION -- command...: exit RC and a first problem line naming one of RULES.
expect_problem() {
	local want=$1 rules=$2 what=$3 got
	shift 4
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ] && grep -qE "^(entry [0-9]+|checkpoint): ($rules): " "$T/err"; then
		ok "$what: $(head -c 160 "$T/err")"
	else
		bad "$what: exit $got (wanted $want naming $rules); stderr: $(head -c 400 "$T/err")"
	fi
}

fresh() {
	rm -rf "$X"
	cp -a "$E" "$X"
}

resign() {
	"$FORGE" resign --park "$P" --export "$X" "$@" 2>"$T/err" || bad "symbi-forge resign: $(cat "$T/err")"
}

# tamper MODE: apply one tampering of audit_tamper.py to a fresh copy of the export.
tamper() {
	fresh
	python3 "$TAMPER" "$1" "$X" >"$T/tamper.out" 2>"$T/err" || bad "audit_tamper.py $1: $(cat "$T/err")"
}

# The agreed exchanges the DOT text draws, "supplier consumer count" sorted.
dot_edges() {
	python3 -c '
import re, sys
edges = []
for line in open(sys.argv[1]):
    m = re.match(r"\s*\"([a-z0-9-]+)\" -> \"([a-z0-9-]+)\"(?: \[label=\"(\d+)\"\])?;$", line)
    if m:
        edges.append("%s %s %s" % (m.group(1), m.group(2), m.group(3) or 1))
print("\n".join(sorted(edges)))' "$1"
}

# The agreed exchanges expected.json implies: its candidates minus the declined ones.
expected_edges() {
	python3 -c '
import json, os, sys
ex = json.load(open(os.path.join(sys.argv[1], "expected.json")))
def declined(c):
    s, o, k, n = c
    return any((co, fid, cp) in ((s, o, k), (k, n, s)) for co, fid, cp in ex["declines"])
count = {}
for c in ex["candidates"]:
    if not declined(c):
        count[(c[0], c[2])] = count.get((c[0], c[2]), 0) + 1
print("\n".join(sorted("%s %s %d" % (s, k, n) for (s, k), n in count.items())))' "$1"
}

if [ "$SC" = --fake ]; then
	"$FORGE" fake --out "$E" --park "$P" >/dev/null 2>"$T/err" || { echo "symbi-forge fake: $(cat "$T/err")"; exit 1; }
else
	run_round
fi

# ---- the export as it is -----------------------------------------------------
expect_rc 0 "symbi-audit verify" -- "$AUDIT" verify "$E"
expect_grep "$T/out" "the log verifies" "  ... says so on stdout"
expect_grep "$T/out" "^  export format version 2$" "  ... and that it read a version 2 export"
expect_rc 0 "symbi-audit replay" -- "$AUDIT" replay "$E"
expect_rc 0 "symbi-audit graph" -- "$AUDIT" graph "$E"
cp "$T/out" "$T/graph.dot"
[ "$(head -n 1 "$T/graph.dot")" = "digraph exchanges {" ] && ok "  ... prints a digraph" || bad "graph: $(head -c 200 "$T/graph.dot")"
python3 "$TAMPER" edges "$E" >"$T/edges.log"
dot_edges "$T/graph.dot" >"$T/edges.dot"
if [ -s "$T/edges.dot" ] && cmp -s "$T/edges.dot" "$T/edges.log"; then
	ok "  ... one edge per agreed supplier -> consumer, as the release entries say"
else
	bad "graph edges $(tr '\n' ',' <"$T/edges.dot") differ from the log's releases $(tr '\n' ',' <"$T/edges.log")"
fi
if [ "$SC" != --fake ]; then
	expected_edges "$SC" >"$T/edges.want"
	cmp -s "$T/edges.dot" "$T/edges.want" && ok "  ... which are the scenario's agreed exchanges" ||
		bad "graph edges $(tr '\n' ',' <"$T/edges.dot") are not the scenario's $(tr '\n' ',' <"$T/edges.want")"
fi

"$AUDIT" verify "$E" --json >"$T/verify.json" 2>"$T/err"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["error"] is None, d
assert d["entries"] == d["tree_size"] > 0 and len(d["root"]) == 64, d
assert d["rounds"] >= 1 and d["members"] >= 2, d' "$T/verify.json" && ok "verify --json parses and says ok" || bad "verify --json: $(head -c 400 "$T/verify.json")"
"$AUDIT" replay "$E" --json >"$T/replay.json" 2>"$T/err"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["error"] is None and d["pairs"] > 0 and d["candidates"] >= d["pairs"], d' "$T/replay.json" && ok "replay --json parses, with pairs and candidates" || bad "replay --json: $(head -c 400 "$T/replay.json")"
"$AUDIT" graph "$E" --json >"$T/graph.json" 2>"$T/err"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
edges = sorted("%s %s %d" % (e["supplier"], e["consumer"], e["exchanges"]) for e in d["edges"])
assert edges == open(sys.argv[2]).read().split("\n")[:-1], (edges,)
assert all(e["supplier"] in d["nodes"] and e["consumer"] in d["nodes"] for e in d["edges"]), d' "$T/graph.json" "$T/edges.log" && ok "graph --json parses, the same edges" || bad "graph --json: $(head -c 400 "$T/graph.json")"

# --svg: dot missing is said clearly; with a dot (a stand-in that copies its input), the file is written.
mkdir -p "$T/nodot" "$T/stubdot"
PATH=$T/nodot expect_rc 69 "graph --svg without Graphviz installed" -- "$AUDIT" graph "$E" --svg "$T/g.svg"
expect_grep "$T/err" "not installed" "  ... says dot is not installed"
printf '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done\nexec cat >"$out"\n' >"$T/stubdot/dot"
chmod +x "$T/stubdot/dot"
PATH=$T/stubdot:/usr/bin:/bin expect_rc 0 "graph --svg runs dot" -- "$AUDIT" graph "$E" --svg "$T/g.svg"
grep -q "digraph exchanges" "$T/g.svg" 2>/dev/null && ok "  ... and dot got the graph" || bad "dot's output file: $(head -c 200 "$T/g.svg" 2>/dev/null)"

expect_rc 0 "--version" -- "$AUDIT" --version
expect_grep "$T/out" "^symbi-audit [0-9]" "  ... prints the version"
expect_rc 0 "--help" -- "$AUDIT" --help
expect_rc 64 "no arguments is a usage error" -- "$AUDIT"
expect_rc 64 "an unknown option is a usage error" -- "$AUDIT" verify "$E" --frobnicate
expect_rc 66 "a missing export directory" -- "$AUDIT" verify "$T/nowhere"
fresh
rm "$X/checkpoint"
expect_rc 66 "an export without its checkpoint" -- "$AUDIT" verify "$X"

# ---- the token batches: verify checks each one against its committed digest ------
expect_rc 0 "symbi-audit verify (the batches)" -- "$AUDIT" verify "$E"
expect_grep "$T/out" "^  token batches: [0-9]+ in [0-9]+ files?, each as committed in the log$" "  ... says how many batches it checked"
grep -q "NOT CHECKED" "$T/out" && bad "  ... yet says some were not checked: $(cat "$T/out")" || ok "  ... and none left unchecked"
python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))["batches"]
assert b["files"] >= 1 and b["checked"] >= 2 and b["all_checked"] is True and b["absent_not_checked"] == [], b' "$T/verify.json" && ok "  ... also in --json" || bad "verify --json batches: $(head -c 400 "$T/verify.json")"
tamper alter-batch
read -r brnd bsub bcp <"$T/tamper.out"
expect_rc 65 "a token batch altered in the export: verify fails" -- "$AUDIT" verify "$X"
expect_grep "$T/err" "^round $brnd: batches: batches/$brnd\.jsonl line [0-9]+: the batch $bsub -> $bcp is not the one committed in entry [0-9]+ \(digest differs\)$" "  ... naming the round, member, counterpart and file"
"$AUDIT" verify "$X" --json >"$T/bad.json" 2>/dev/null
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["error"]["rule"] == "batches" and d["error"]["round"] == sys.argv[2], d
assert d["batches"] is None, d' "$T/bad.json" "$brnd" && ok "  ... also in --json" || bad "verify --json on an altered batch: $(head -c 400 "$T/bad.json")"
expect_rc 65 "  ... and replay fails too" -- "$AUDIT" replay "$X"
expect_grep "$T/err" "^round $brnd: replay: .*digest differs" "  ... on the same digest"
fresh
rm -r "$X/batches"
expect_rc 0 "an export without its batches: verify passes (the log itself holds)" -- "$AUDIT" verify "$X"
expect_grep "$T/out" "^  token batches NOT CHECKED for [0-9]+ rounds? \(no batch file in the export\): [0-9a-f]{32}" "  ... and says the batches were not checked"
"$AUDIT" verify "$X" --json >"$T/nob.json" 2>/dev/null
python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))["batches"]
assert b["files"] == 0 and b["all_checked"] is False and len(b["absent_not_checked"]) >= 1, b' "$T/nob.json" && ok "  ... also in --json" || bad "verify --json without batches: $(head -c 400 "$T/nob.json")"
fresh
echo '{}' >"$X/batches/notes.jsonl"
expect_rc 65 "a stray file in batches/: verify fails" -- "$AUDIT" verify "$X"
expect_grep "$T/err" "^batches/notes\.jsonl: batches: " "  ... and names it"

# ---- byte-level tamperings: the signed checkpoint no longer matches ---------------
tamper flip-byte
expect_problem 65 "tree-root" "a flipped byte inside an entry" -- "$AUDIT" verify "$X"
"$AUDIT" verify "$X" --json >"$T/bad.json" 2>/dev/null
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["error"]["rule"] == "tree-root" and d["error"]["entry"] is None, d' "$T/bad.json" && ok "  ... and --json names the rule" || bad "verify --json on a flipped byte: $(head -c 400 "$T/bad.json")"
tamper delete-entry
expect_problem 65 "tree-size|tree-root" "a deleted entry" -- "$AUDIT" verify "$X"
tamper swap
expect_problem 65 "tree-root" "two entries swapped" -- "$AUDIT" verify "$X"
tamper truncate
expect_problem 65 "malformed-entry|tree-size" "a truncated entries file" -- "$AUDIT" verify "$X"
fresh
resign --root "$(python3 -c 'import os; print(os.urandom(32).hex())')"
expect_problem 65 "tree-root" "a signed checkpoint with a wrong root" -- "$AUDIT" verify "$X"
tamper checkpoint-bad-sig
expect_problem 65 "checkpoint-signature" "a checkpoint with a bad signature" -- "$AUDIT" verify "$X"
expect_problem 65 "checkpoint-signature" "  ... replay refuses it the same way" -- "$AUDIT" replay "$X"

# ---- the coordinator rewrites its log and signs it: the rules must catch it ---------
fresh
resign
expect_rc 0 "an unchanged log re-signed by symbi-forge still verifies" -- "$AUDIT" verify "$X"
tamper consent-other-member
resign
expect_problem 65 "consent-signature|consent-member" "a consent whose signature belongs to the other side" -- "$AUDIT" verify "$X"
tamper release-one-accept
resign
expect_problem 65 "release-without-accepts" "a release without two accepts" -- "$AUDIT" verify "$X"
tamper release-one-deposit
resign
expect_problem 65 "release-without-deposits" "a release without two deposits" -- "$AUDIT" verify "$X"
tamper deposit-before-agreement
resign
expect_problem 65 "deposit-before-agreement" "an item deposited before both sides accepted" -- "$AUDIT" verify "$X"
tamper submission-after-close
resign
expect_problem 65 "submission-after-close|round-order" "a submission moved after round_closed" -- "$AUDIT" verify "$X"

# ---- ... and only the replay of the join can catch these --------------------------
tamper hide-candidate
cand=$(cat "$T/tamper.out")
resign
expect_rc 0 "a hidden candidate (entry and answers consistent): verify passes" -- "$AUDIT" verify "$X"
expect_rc 65 "  ... replay does not" -- "$AUDIT" replay "$X"
expect_grep "$T/err" "^round [0-9a-f]{32}: replay: candidate $cand \([a-z0-9-]+ -> [a-z0-9-]+\) found by the join but missing from the log$" "  ... and names the hidden candidate"
tamper invent-candidate
cand=$(cat "$T/tamper.out")
resign
expect_rc 0 "an invented candidate (id, count, hits_hash consistent): verify passes" -- "$AUDIT" verify "$X"
expect_rc 65 "  ... replay does not" -- "$AUDIT" replay "$X"
expect_grep "$T/err" "^round [0-9a-f]{32}: replay: candidate $cand \([a-z0-9-]+ -> [a-z0-9-]+\) in the log but not found by the join$" "  ... and names the invented candidate"
"$AUDIT" replay "$X" --json >"$T/bad.json" 2>/dev/null
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["error"]["rule"] == "replay" and len(d["error"]["round"]) == 32, d
assert sys.argv[2] in d["error"]["message"], d' "$T/bad.json" "$cand" && ok "  ... also in --json" || bad "replay --json: $(head -c 400 "$T/bad.json")"

finish
