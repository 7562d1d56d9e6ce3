#!/usr/bin/env bash
# Reach end to end (REACH.md), through the real binaries on a regional park
# (examples/regional: sites up to 185 km apart). The round is opened with a
# largest reach of 150 km. Checked:
#   - a member sends no batch to a counterpart farther away than 150 km, and
#     the coordinator does not wait for one: every submission commits with
#     exactly one batch per member within reach;
#   - a member that sends a batch to a counterpart beyond reach, or leaves
#     out one within reach, is refused (symbi-rawsubmit plays it);
#   - the exported batches hold no line for a pair beyond reach, and
#     symbi-audit verify and replay agree with the coordinator;
#   - the candidates are exactly expected.json: distance decides (steam
#     44 km away and sludge 142 km away are not candidates, gypsum 120 km
#     away is), while the same park without its sites finds those too.
#
# usage: reach.sh BINDIR PARKDIR
set -u
BIN=$1
SC=$2
. "$(dirname "$0")/lib.sh"

P=$T/park
REACH_KM=150
park_of_folder "$P" "$SC" "Regional"
ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")

# The plaintext reference: who is within REACH_KM of whom, from sites.json.
within() { # within ID: the other ids within reach, space separated
	python3 - "$SC/sites.json" "$1" "$REACH_KM" <<'PY'
import json, math, sys
s = json.load(open(sys.argv[1])); me = sys.argv[2]; km = float(sys.argv[3])
def d(a, b):
    p1, p2 = math.radians(a[0]), math.radians(b[0]); dl = math.radians(b[1] - a[1])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))
print(" ".join(c for c in sorted(s) if c != me and d(s[me], s[c]) <= km))
PY
}

expect_rc 0 "round open --max-reach-km $REACH_KM" -- "$BIN/symbiod" round open --dir "$P" --max-reach-km $REACH_KM
expect_rc 64 "round open refuses --max-reach-km 0" -- "$BIN/symbiod" round open --dir "$P" --max-reach-km 0

# ---- a member that ignores reach is refused --------------------------------------------------
near=$(within ulsan-power)
all_others=$(for c in $ids; do [ "$c" != ulsan-power ] && echo "$c"; done | sort | tr '\n' ' ')
expect_rc 65 "a batch for a member beyond reach is refused" -- \
	"$BIN/symbi-rawsubmit" --dir "$T/st-ulsan-power" --offers 1024 --needs 512 $all_others
expect_grep "$T/err" "beyond the round's largest reach" "  ... naming the reason"
expect_rc 65 "a submission without a member within reach is refused" -- \
	"$BIN/symbi-rawsubmit" --dir "$T/st-ulsan-power" --offers 1024 --needs 512 ${near#* }
expect_grep "$T/err" "one batch for each of the $(echo $near | wc -w) other members within the round's reach" "  ... naming how many it needs"
expect_rc 0 "exactly the members within reach: taken (and replaced by the real submission below)" -- \
	"$BIN/symbi-rawsubmit" --dir "$T/st-ulsan-power" --offers 1024 --needs 512 $near

# ---- real submissions skip the far counterparts -------------------------------------------------
total=0
for c in $ids; do
	w=$(within "$c" | wc -w)
	n=$(echo $ids | wc -w)
	total=$((total + w))
	expect_rc 0 "$c submits" -- "$BIN/symbi" submit --dir "$T/st-$c" --json "$SC/$c.json"
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if (j["counterparts"], j["beyond_reach"]) == (int(sys.argv[2]), int(sys.argv[3])) else 1)' \
		"$T/out" "$w" "$((n - 1 - w))" &&
		ok "  ... batches for the $w members within $REACH_KM km, none for the $((n - 1 - w)) beyond" ||
		bad "  ... $(cat "$T/out") (wanted $w within, $((n - 1 - w)) beyond)"
done
expect_rc 0 "round status" -- "$BIN/symbiod" round status --dir "$P" --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["submitted"] == j["members"] == 8 and j["max_reach_m"] == 150000 else 1)' "$T/out" &&
	ok "  ... all eight submissions counted: the coordinator waited for no batch beyond reach" ||
	bad "  ... $(cat "$T/out")"

expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P"
expect_rc 0 "log export --with-batches" -- "$BIN/symbiod" log export --dir "$P" --out "$T/export" --with-batches
python3 - "$T/export" "$SC/sites.json" "$REACH_KM" "$total" <<'PY' && ok "  ... the batches: one per pair direction within reach, none beyond" || bad "  ... the exported batches"
import glob, json, math, sys
exp, s, km, total = sys.argv[1], json.load(open(sys.argv[2])), float(sys.argv[3]), int(sys.argv[4])
def d(a, b):
    p1, p2 = math.radians(a[0]), math.radians(b[0]); dl = math.radians(b[1] - a[1])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))
lines = [json.loads(l) for f in glob.glob(exp + "/batches/*.jsonl") for l in open(f)]
far = [(b["submitter"], b["counterpart"]) for b in lines if d(s[b["submitter"]], s[b["counterpart"]]) > km]
print("batches:", len(lines), "expected:", total, "beyond reach:", far)
sys.exit(0 if len(lines) == total and not far else 1)
PY
grep -q '"pairs":' "$T/export/entries.jsonl" && python3 - "$T/export/entries.jsonl" <<'PY' && ok "  ... round_closed counts the 22 pairs within reach, not 28" || bad "  ... round_closed pairs"
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("kind") == "round_closed":
        sys.exit(0 if e["pairs"] == 22 else 1)
sys.exit(1)
PY
expect_rc 0 "symbi-audit verify" -- "$BIN/symbi-audit" verify "$T/export"
expect_rc 0 "symbi-audit replay" -- "$BIN/symbi-audit" replay "$T/export"

# A coordinator that rewrites its log and signs it again is caught by the reach rules.
rewrite() { # rewrite NAME PYTHON: apply PYTHON to each entry e of a copy of the export, re-sign
	rm -rf "$T/x-$1" && cp -a "$T/export" "$T/x-$1" && python3 - "$T/x-$1/entries.jsonl" "$2" <<'PY'
import json, sys
out = []
for l in open(sys.argv[1]):
    e = json.loads(l); exec(sys.argv[2]); out.append(json.dumps(e, separators=(",", ":")))
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
	"$BIN/symbi-forge" resign --park "$P" --export "$T/x-$1" 2>"$T/err" || bad "resign: $(cat "$T/err")"
}
rewrite pairs 'e["pairs"] = 28 if e.get("kind") == "round_closed" else e.get("pairs")
if e.get("pairs") is None: e.pop("pairs")'
expect_rc 65 "a round_closed that counts the far pairs: verify fails" -- "$BIN/symbi-audit" verify "$T/x-pairs"
expect_grep "$T/err" "round-closed.*pairs within reach" "  ... naming the rule"
rewrite site 'e["site"] = "35.47,127.70" if e.get("kind") == "member_enrolled" and e.get("id") == "ulsan-power" else e.get("site")
if e.get("site") is None: e.pop("site")'
expect_rc 65 "a member_enrolled entry with another site than its certificate: verify fails" -- "$BIN/symbi-audit" verify "$T/x-site"
expect_grep "$T/err" "site: the entry names the site 35.47,127.70; the certificate of \"ulsan-power\" binds 35.47,129.38" "  ... naming both sites"

# ---- distance decides the candidates ---------------------------------------------------------
: >"$T/cands"
for c in $ids; do
	"$BIN/symbi" candidates --dir "$T/st-$c" --json >"$T/c-$c.json" 2>"$T/err" || bad "candidates of $c: $(cat "$T/err")"
	echo "$c $T/c-$c.json" >>"$T/cands"
done
python3 - "$T/cands" "$SC/expected.json" <<'PY' && ok "the candidates are exactly expected.json" || bad "the candidates differ from expected.json"
import json, sys
sup, con = {}, {}
for line in open(sys.argv[1]):
    me, path = line.split()
    for c in json.load(open(path)):
        (sup if c["role"] == "supplier" else con)[c["id"]] = (me, c["flow"], c["counterpart"])
got = sorted([s[0], s[1], s[2], con[i][1]] for i, s in sup.items() if i in con and con[i][2] == s[0])
want = sorted(json.load(open(sys.argv[2]))["candidates"])
print("got ", got); print("want", want)
sys.exit(0 if got == want and len(sup) == len(con) == len(want) else 1)
PY
mkdir -p "$T/nosites" && cp "$SC"/*.json "$T/nosites/" && rm "$T/nosites/sites.json"
expect_rc 0 "the same park without sites (offline-match)" -- "$BIN/symbi-bench" offline-match --json "$T/nosites"
python3 - "$T/out" <<'PY' && ok "  ... finds the far steam, fly ash and sludge too: only distance left them out" || bad "  ... $(cat "$T/out")"
import json, sys
got = {(c["supplier"], c["offer"], c["consumer"], c["need"]) for c in json.load(open(sys.argv[1]))}
far = {("ulsan-power", "steam-out", "gyeongju-paper", "steam-in"),
       ("ulsan-power", "fly-ash", "gwangyang-cement", "fly-ash-in"),
       ("busan-wwtp", "sludge-out", "suncheon-farm", "sludge-in")}
sys.exit(0 if far <= got and len(got) == 6 else 1)
PY
# ---- a round in which nobody is within reach of anybody ---------------------------------------
expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
expect_rc 0 "round open --max-reach-km 1" -- "$BIN/symbiod" round open --dir "$P" --max-reach-km 1
for c in $ids; do
	expect_rc 0 "$c submits with no member within 1 km" -- "$BIN/symbi" submit --dir "$T/st-$c" --json "$SC/$c.json"
	expect_grep "$T/out" '"counterparts": 0' "  ... no batch at all (one empty chunk)"
done
expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P" --json
expect_grep "$T/out" '"pairs": 0' "  ... no pair to join"
expect_rc 0 "log export --with-batches" -- "$BIN/symbiod" log export --dir "$P" --out "$T/export2" --with-batches
expect_rc 0 "symbi-audit verify" -- "$BIN/symbi-audit" verify "$T/export2"
expect_rc 0 "symbi-audit replay" -- "$BIN/symbi-audit" replay "$T/export2"
stop_daemon
finish
