#!/usr/bin/env bash
# The operator's dashboard on a real park: a round through the real CLI and
# daemon (some companies accept with --publish), the round's sums written by
# a test-only tool (tests/tools/fillsums.c: what the secure sum will write),
# `symbiod report`, and the page in a real headless Chromium: it renders, the
# screenshot is not blank, the figures in the DOM equal report.json, and
# nothing overflows at a phone's width.
# usage: dashboard.sh BINDIR PARKDIR   (exit 77: skipped, no chromium)
BIN=$1
SC=$2
. "$(dirname "$0")/lib.sh"
CHECK="python3 $(dirname "$0")/dashboard_check.py"
# SYMBI_CHROMIUM names the browser; set and empty, the browser checks are skipped.
CHROMIUM=${SYMBI_CHROMIUM-$(command -v chromium || command -v chromium-browser || true)}

# The park, with one company whose certificate name carries markup.
P=$T/park
EVIL='Greenhouse <script>alert(1)</script> & "Co"'
new_park "$P" "Ulsan <b>Mipo</b> park" || { echo "cannot create park"; exit 1; }
ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")
for c in $ids; do
	name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SC/companies.json" "$c")
	[ "$c" = farms ] && name=$EVIL
	join "$P" "$T/st-$c" "$c" "$name" || { echo "cannot enroll $c"; exit 1; }
done
start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }

expect_rc 0 "round open" -- "$BIN/symbiod" round open --dir "$P"
for c in $ids; do
	"$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json" >/dev/null 2>"$T/err" || bad "submit $c: $(cat "$T/err")"
done
expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P"
for c in $ids; do "$BIN/symbi" candidates --dir "$T/st-$c" --json >"$T/cand-$c.json" 2>/dev/null; done
python3 "$(dirname "$0")/round_check.py" declines "$SC" "$T" >"$T/declines.txt" || bad "cannot resolve declines"
while read -r company cand; do
	"$BIN/symbi" decline --dir "$T/st-$company" "$cand" >/dev/null 2>&1 || bad "decline $cand"
done <"$T/declines.txt"
# A member that breaks the rules of --publish is refused and nothing is stored:
# a class with a decline, a class finer than two levels, markup as a class.
ROUND=$("$BIN/symbiod" round status --dir "$P" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["round"])')
CAND=$(python3 -c 'import json,sys; print([c["id"] for c in json.load(open(sys.argv[1])) if c["counterpart"]=="smelter"][0])' "$T/cand-paper.json")
probe() {
	local want=$1 what=$2 mode=$3 cls=$4 got
	got=$("$BIN/symbi-probe" "$mode" --dir "$T/st-paper" --round "$ROUND" --candidate "$CAND" --class "$cls" 2>&1 |
		python3 -c 'import json,sys; print(" ".join(str(json.loads(l).get("status","?")) for l in sys.stdin if l.strip()))')
	[ "$got" = "$want" ] && ok "$what (status $got)" || bad "$what: status $got, wanted $want"
}
probe 400 "a decline that publishes a class is refused" publish-decline energy.steam
probe 400 "a published class finer than two levels is refused" publish material.ash.fly_ash
probe 400 "markup as a published class is refused" publish '<b>x</b>.y'
"$BIN/symbi" candidates --dir "$T/st-paper" --json >"$T/cand-paper2.json" 2>/dev/null
python3 -c 'import json,sys; assert [c["state"] for c in json.load(open(sys.argv[1])) if c["id"]==sys.argv[2]]==["pending"]' "$T/cand-paper2.json" "$CAND" &&
	ok "  ... and the candidate is still unanswered" || bad "a refused consent changed the candidate"
# Both sides publish: power -> plasterboard (gypsum), power -> farms (heat), biogas -> farms
# (digestate). Only the incinerator publishes its steam to petrochem: no class shown.
PUBLISH=" power plasterboard farms biogas incinerator "
for c in $ids; do
	if [[ "$PUBLISH" == *" $c "* ]]; then
		expect_rc 0 "$c accepts with --publish" -- "$BIN/symbi" accept --dir "$T/st-$c" --all --yes --publish
		[ "$c" = power ] && expect_grep "$T/out" "class published: material.mineral" "  ... naming the class of its own item"
	else
		expect_rc 0 "$c accepts" -- "$BIN/symbi" accept --dir "$T/st-$c" --all --yes
	fi
done
for c in $ids; do "$BIN/symbi" exchanges --dir "$T/st-$c" >/dev/null 2>&1; done
expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"

# The published classes are in the signed log, and the auditor checks them.
expect_rc 0 "log export" -- "$BIN/symbiod" log export --dir "$P" --out "$T/export"
grep -q '"publish":"material.mineral"' "$T/export"/*.jsonl 2>/dev/null || grep -rq '"publish":"material.mineral"' "$T/export" &&
	ok "  ... the consent entries carry the published class" || bad "no publish field in the exported log"
expect_rc 0 "symbi-audit verify accepts consents with a published class" -- "$BIN/symbi-audit" verify "$T/export"
# A coordinator that rewrites its log (and re-signs it) to make a member publish, publish
# something else, or publish with a decline, is caught: the class is part of what the member signed.
for m in publish-added publish-changed publish-on-decline; do
	rm -rf "$T/forged" && cp -a "$T/export" "$T/forged"
	python3 "$(dirname "$0")/audit_tamper.py" "$m" "$T/forged" >/dev/null || bad "audit_tamper.py $m"
	"$BIN/symbi-forge" resign --park "$P" --export "$T/forged" 2>"$T/err" || bad "symbi-forge resign: $(cat "$T/err")"
	"$BIN/symbi-audit" verify "$T/forged" >"$T/out" 2>&1
	rc=$?
	[ "$rc" -eq 65 ] && grep -qE "consent-signature|publish" "$T/out" && ok "symbi-audit catches a forged log: $m ($(grep -oE 'consent-signature|publish' "$T/out" | head -1))" ||
		bad "$m: exit $rc: $(head -c 300 "$T/out")"
done
grep -rq '<b>x</b>\|material.ash.fly_ash"' "$P/symbiod.db" "$T/export" && bad "a refused class reached the store or the log" || ok "  ... and no refused class reached the store or the log"

# Before any sum: a report still renders and says the totals are not available.
expect_rc 0 "report before the sums" -- "$BIN/symbiod" report --dir "$P" --out "$T/early"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["indicators"]=="collecting" and r["classes"]==[] and r["totals"]["material_t_per_yr"] is None' "$T/early/report.json" &&
	ok "  ... with no figures while the secure sum is still collecting" || bad "early report: $(head -c 400 "$T/early/report.json")"

# The sums a secure aggregation would give, computed here in the clear (TEST ONLY tool).
$CHECK sums "$SC" "$T/sums.json" || bad "cannot compute the plaintext sums"
expect_rc 0 "the test tool writes the round's sums into the store" -- "$BIN/symbi-fillsums" "$P" "$T/sums.json"

# Refusals, each with a clear message.
expect_rc 64 "--min-contributors 1 is refused" -- "$BIN/symbiod" report --dir "$P" --out "$T/d1" --min-contributors 1
expect_grep "$T/err" "2 or more" "  ... saying the least it may be"
echo '{"material.mineral": {"kg_co2e_per_unit": 120}}' >"$T/nosource.json"
expect_rc 65 "a factor without a source is refused" -- "$BIN/symbiod" report --dir "$P" --out "$T/d2" --factors "$T/nosource.json"
expect_grep "$T/err" "material.mineral names no source" "  ... naming the class"
[ ! -e "$T/d2" ] && ok "  ... and nothing is written" || bad "a refused report wrote $T/d2"
: >"$T/afile"
expect_rc 73 "a report into a file that is not a directory is refused" -- "$BIN/symbiod" report --dir "$P" --out "$T/afile"
expect_grep "$T/err" "not a directory" "  ... saying so"

# The report, with factors that name their sources.
cat >"$T/factors.json" <<'EOF'
{ "material.mineral": { "kg_co2e_per_unit": 120, "unit": "t/yr", "source": "Test factor <i>one</i>, not a real source" },
  "material": { "kg_co2e_per_unit": 10, "source": "Test factor two" } }
EOF
D=$T/dash
(umask 077 && "$BIN/symbiod" report --dir "$P" --out "$D" --factors "$T/factors.json") >"$T/out" 2>"$T/err" &&
	ok "symbiod report (exit 0)" || bad "symbiod report: $(cat "$T/err")"
[ "$(stat -c %a "$D")" = 755 ] && [ "$(stat -c %a "$D/index.html")" = 644 ] && [ "$(stat -c %a "$D/report.json")" = 644 ] &&
	[ "$(stat -c %a "$D/network.svg")" = 644 ] && ok "  ... directory 0755, files 0644 whatever the umask" ||
	bad "modes: $(stat -c '%a %n' "$D" "$D"/*)"
$CHECK json "$SC" "$D/report.json" 3 && ok "report.json equals the plaintext sums, figures of fewer than 3 companies null" ||
	bad "report.json differs from the plaintext sums"
python3 - "$D/report.json" <<'EOF' && ok "network: a class only where both sides published the same one" || bad "network classes: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["network"]["edges"])' "$D/report.json")"
import json, sys
r = json.load(open(sys.argv[1]))
cls = {(e["supplier"], e["consumer"]): e["classes"] for e in r["network"]["edges"]}
want = {("power", "plasterboard"): ["material.mineral"], ("power", "farms"): ["energy.heat"],
        ("biogas", "farms"): ["material.nutrient"], ("incinerator", "petrochem"): [],
        ("petrochem", "gas-co"): [], ("smelter", "paper"): []}
assert cls == want, cls
EOF
python3 -c 'import json,sys; c={x["class"]:x for x in json.load(open(sys.argv[1]))["classes"]}; m=c["material"]; assert m["co2e_factor"]["source"]=="Test factor two" and m["co2e_avoided_t_per_yr"]==m["exchanged_supplied"]*10/1000' "$D/report.json" &&
	ok "--factors: CO2e avoided = published figure x factor, with its source" || bad "co2e figures"
H=$D/index.html
grep -q '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;' "$H" && ! grep -q '<script' "$H" &&
	ok "a company name with <script> is escaped, the page has no script" || bad "escaping: $(grep -o '.\{40\}alert.\{40\}' "$H" | head -3)"
grep -q 'Ulsan &lt;b&gt;Mipo&lt;/b&gt; park' "$H" && grep -q '&lt;i&gt;one&lt;/i&gt;' "$H" &&
	ok "  ... and so are the park's name and a factor's source" || bad "park name or source not escaped"
grep -q 'Greenhouse &lt;script&gt;' "$D/network.svg" && ! grep -q '<script' "$D/network.svg" &&
	ok "  ... in network.svg too" || bad "network.svg escaping"
! grep -Eo '(src|href)="[^#][^"]*"|url\((https?:|//)[^)]*\)|@import' "$H" >"$T/ext" && ok "no request to any other resource in the page" || bad "external references: $(cat "$T/ext")"
grep -q 'fewer than 3 companies' "$H" && ok "suppressed cells are marked \"fewer than 3 companies\"" || bad "no suppressed cell marked"
python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' "$D/network.svg" && ok "network.svg is well-formed XML" || bad "network.svg is not XML"

# Supplier and consumer sides that differ are reported.
python3 - "$T/sums.json" "$T/sums-bad.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); d["cells"]["material"]["exchanged_received"] += 1000
json.dump(d, open(sys.argv[2], "w"))
EOF
cp -a "$P" "$T/park2"
"$BIN/symbi-fillsums" "$T/park2" "$T/sums-bad.json" 2>/dev/null
"$BIN/symbiod" report --dir "$T/park2" --out "$T/dash2" 2>/dev/null
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["consistent"] is False' "$T/dash2/report.json" &&
	grep -q 'totals of the exchanged quantities DIFFER' "$T/dash2/index.html" &&
	ok "supplier and consumer totals that differ: consistent false, and the page says so" || bad "a mismatch was not reported"
# A member that names another class than its counterpart gets no class on the edge.
python3 - "$T/park2/symbiod.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE candidates SET consumer_publish = 'material.ash' WHERE supplier = 'power' AND consumer = 'plasterboard'")
db.commit()
EOF
"$BIN/symbiod" report --dir "$T/park2" --out "$T/dash3" 2>/dev/null
python3 -c 'import json,sys; e=[x for x in json.load(open(sys.argv[1]))["network"]["edges"] if x["consumer"]=="plasterboard"]; assert e and e[0]["classes"] == []' "$T/dash3/report.json" &&
	ok "two sides naming different classes: the edge shows none" || bad "an edge shows a class its sides disagree on"
stop_daemon

# The page in a real headless browser.
if [ -z "$CHROMIUM" ]; then
	echo "SKIP: chromium is not installed (deploy/install-deps.sh installs it); the browser checks did not run"
	finish || exit 1
	exit 77
fi
chrome() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
		--user-data-dir="$T/chrome-profile" --disable-dev-shm-usage "$@" 2>>"$T/chrome.log"
}
chrome --window-size=1280,2200 --screenshot="$T/wide.png" "file://$H" >/dev/null
[ -s "$T/wide.png" ] && $CHECK png "$T/wide.png" && ok "Chromium renders the page at 1280 px; the screenshot is not blank" ||
	bad "screenshot at 1280 px: $(tail -3 "$T/chrome.log")"
chrome --window-size=375,2400 --screenshot="$T/phone.png" "file://$H" >/dev/null
[ -s "$T/phone.png" ] && $CHECK png "$T/phone.png" && ok "  ... and at 375 px" || bad "screenshot at 375 px"
chrome --window-size=1280,2200 --virtual-time-budget=2000 --dump-dom "file://$H" >"$T/dom.html"
$CHECK dom "$D/report.json" "$T/dom.html" && ok "the figures in the rendered DOM equal report.json" || bad "DOM and report.json differ"
# Width: headless Chromium makes no window narrower than 500 px, so a
# test-only wrapper holds the page, unchanged, in an iframe of each width and
# measures it; served from loopback so that the wrapper may look inside.
cat >"$D/measure.html" <<'EOF'
<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="index.html" style="border:0;height:900px"></iframe>
<script>
var f = document.getElementById("f"); f.style.width = location.hash.slice(1) + "px";
f.onload = function () { var d = f.contentDocument.documentElement, m = document.createElement("p");
  m.id = "measure"; m.setAttribute("data-scroll-width", d.scrollWidth);
  m.setAttribute("data-inner-width", f.contentWindow.innerWidth); document.body.appendChild(m); };
</script></body></html>
EOF
PORT=$(free_port)
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$D" >/dev/null 2>&1 &
HTTP_PID=$!
for i in $(seq 1 50); do python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$PORT" 2>/dev/null && break; sleep 0.1; done
for w in 375 1280; do
	chrome --window-size=1300,1000 --virtual-time-budget=3000 --dump-dom "http://127.0.0.1:$PORT/measure.html#$w" >"$T/measure-$w.html"
	$CHECK overflow "$T/measure-$w.html" "$w" && ok "nothing overflows at $w px" || bad "the page overflows at $w px"
done
kill "$HTTP_PID" 2>/dev/null
wait "$HTTP_PID" 2>/dev/null
rm -f "$D/measure.html"
[ -n "${DASHBOARD_SHOTS:-}" ] && cp "$T/wide.png" "$T/phone.png" "$DASHBOARD_SHOTS/" 2>/dev/null
finish
