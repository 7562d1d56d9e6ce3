#!/usr/bin/env bash
# Quick start, step 1: install the dependencies, build, and run the demo park.
#
# A whole matching round on loopback, through the real command line: the
# coordinator daemon and every company of examples/kalundborg as separate
# processes. Companies enrol, submit blinded tokens, the operator closes the
# round (the coordinator matches tokens it cannot read), companies accept or
# decline their candidates, and the agreed exchanges are revealed.
set -euo pipefail
cd "$(dirname "$0")/.."
park_src=${1:-examples/kalundborg}

bash deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
B=$PWD/build/bin

run=$(mktemp -d /tmp/symbiod-demo.XXXXXX)
daemon=
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$park_src/companies.json")
say() { printf '\n== %s\n' "$*"; }

say "Park operator: create the park (CA, coordinator keys, store) in $run/park"
"$B/symbiod" init --dir "$run/park" --name "Kalundborg demo park" --endpoint "tcp://127.0.0.1:$port"

say "Companies: create keys, get certificates from the park CA"
for c in $ids; do
	name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$park_src/companies.json" "$c")
	site=$(python3 -c 'import json,sys; print("%.2f,%.2f" % tuple(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$park_src/sites.json" "$c" 2>/dev/null)
	"$B/symbi" init --dir "$run/$c" --park "$run/park/park.json" --id "$c" --name "$name" ${site:+--site "$site"} 2>/dev/null
	"$B/symbiod" enroll --dir "$run/park" --csr "$run/$c/request.csr" --out "$run/$c.crt" 2>/dev/null
	"$B/symbi" enroll --dir "$run/$c" --cert "$run/$c.crt"
done

say "Park operator: start the coordinator daemon"
"$B/symbiod" run --dir "$run/park" 2>"$run/daemon.log" &
daemon=$!
for _ in $(seq 1 50); do grep -q "symbiod: ready" "$run/daemon.log" && break; sleep 0.1; done
"$B/symbiod" round open --dir "$run/park" >/dev/null

say "Companies: check and submit their flows as blinded tokens"
for c in $ids; do
	"$B/symbi" check "$park_src/$c.json" 2>/dev/null
	"$B/symbi" submit --dir "$run/$c" "$park_src/$c.json"
done

say "Park operator: close the round; the coordinator matches tokens it cannot read"
"$B/symbiod" round close --dir "$run/park"

say "Companies: review candidates (each sees only its own), decline or accept"
python3 - "$park_src" "$run" "$B" <<'PY'
import json, subprocess, sys
src, run, b = sys.argv[1:4]
for company, flow, cp in json.load(open(src + "/expected.json")).get("declines", []):
    out = subprocess.run([b + "/symbi", "candidates", "--dir", run + "/" + company, "--json"],
                         capture_output=True, text=True, check=True).stdout
    for c in json.loads(out):
        if c["flow"] == flow and c["counterpart"] == cp and c["state"] == "pending":
            subprocess.run([b + "/symbi", "decline", "--dir", run + "/" + company, c["id"]], check=True)
PY
# Every company here also agrees that its exchanges' classes (two taxonomy
# levels, e.g. material.mineral) may appear in the park's diagram.
for c in $ids; do "$B/symbi" accept --dir "$run/$c" --all --yes --publish >/dev/null; done
"$B/symbiod" round status --dir "$run/park"

say "Agreed exchanges, as each supplier sees them (details released only to agreed partners)"

# An item leaves its company only once both sides accepted: the first pass
# deposits each company's sealed items, the second collects the partners'.
for pass in 1 2; do
	for c in $ids; do
		"$B/symbi" exchanges --dir "$run/$c" --json >"$run/$c.exchanges.json"
	done
done
python3 - "$run" $ids <<'PY'
import json, sys
run, ids = sys.argv[1], sys.argv[2:]
rows = {}
for c in ids:
    for x in json.load(open("%s/%s.exchanges.json" % (run, c))):
        rows[x["candidate"]] = x
print("%-10s %-22s    %-11s %-16s %s" % ("SUPPLIER", "OFFER", "CONSUMER", "NEED", "SUPPLIER'S CONTACT -> CONSUMER'S CONTACT"))
for x in sorted(rows.values(), key=lambda x: (x["supplier"], x["offer"]["id"], x["consumer"])):
    print("%-10s %-22s -> %-11s %-16s %s -> %s" % (x["supplier"], x["offer"]["id"], x["consumer"], x["need"]["id"],
          x["offer"].get("details", {}).get("contact", "-"), x["need"].get("details", {}).get("contact", "-")))
print("\n%d agreed exchanges" % len(rows))
PY
say "Park operator: before the round ends, the token batches go to the park's independent auditor"
# The confidential part of the export: a member holding these could test
# guesses against the offers sent to it, so only a non-member auditor gets them.
"$B/symbiod" log export --dir "$run/park" --out "$run/auditor" --with-batches
"$B/symbiod" round end --dir "$run/park" >/dev/null

say "Companies: their park indicators by secure aggregation (the coordinator learns only the sums)"
# Each pass of `symbi sync` does this company's next stage: masked vector with
# sealed shares, confirmation of the included set, unmasking answer.
state=
for pass in 1 2 3 4 5; do
	for c in $ids; do "$B/symbi" sync --dir "$run/$c" >/dev/null 2>&1 || true; done
	state=$("$B/symbiod" round status --dir "$run/park" --json |
		python3 -c 'import json, sys; print(json.load(sys.stdin).get("indicators", ""))')
	[ "$state" = collecting ] || break
done
echo "  park indicators: $state after $pass passes"
"$B/symbiod" indicators --dir "$run/park" >"$run/indicators.txt"
head -n 8 "$run/indicators.txt" # the first cells (the sums before disclosure control)
printf '\nThe coordinator'"'"'s directory (%s) holds no category, quantity or detail\n(only the two-level classes the companies chose to publish):\n' "$run/park"
# Every category deeper than its class, and every contact, is looked for.
python3 - "$park_src" $ids >"$run/secrets" <<'PY'
import json, sys
for c in sys.argv[2:]:
    for f in json.load(open("%s/%s.json" % (sys.argv[1], c)))["flows"]:
        if f["category"].count(".") >= 2:
            print(f["category"])
        contact = f.get("details", {}).get("contact")
        if contact:
            print(contact)
PY
if grep -rqaF -f "$run/secrets" "$run/park"; then echo "  LEAK FOUND"; exit 1; else echo "  checked: none found"; fi

say "Reviewer: export the signed audit log (public part) and check it without trusting the operator"
"$B/symbiod" log export --dir "$run/park" --out "$run/audit"
"$B/symbi-audit" verify "$run/audit"
say "Auditor: replay the matching from the token batches it was given"
"$B/symbi-audit" replay "$run/auditor"
echo "The agreed-exchange network (Graphviz DOT, company ids only):"
"$B/symbi-audit" graph "$run/audit"

say "Park operator: the dashboard for members and funders (symbiod report)"
# The park totals come from the round's secure sum above; a figure of fewer
# than three companies is not published.
"$B/symbiod" report --dir "$run/park" --out "$PWD/build/demo-dashboard"
kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=
# SYMBI_DEMO_KEEP=1 keeps the park and the companies' directories (for docs/dashboard.png).
[ -n "${SYMBI_DEMO_KEEP:-}" ] && echo "kept: $run (the park is $run/park)" || rm -rf "$run"
printf '\nThe dashboard is in %s: open %s in a browser.\n' "$PWD/build/demo-dashboard" "$PWD/build/demo-dashboard/index.html"
