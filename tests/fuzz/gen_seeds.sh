#!/bin/sh
# Regenerate the seed corpora: usage  gen_seeds.sh BUILD_DIR
# BUILD_DIR is a normal (non-fuzz) build that has built fuzz_gen_seeds and
# symbi-forge. Writes into tests/fuzz/corpus/ (replacing generated seeds;
# crash-* regression files are kept). The fixture export in fixtures/ is NOT
# regenerated here (its certificates and checkpoint must stay stable).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:?usage: gen_seeds.sh BUILD_DIR}
c=$here/corpus
# Extra parks beside the checkout, used only when present.
scen=${SYMBI_SCENARIOS_DIR:-$root/../shared/scenarios}

"$build/bin/fuzz_gen_seeds" "$c"

mkdir -p "$c/fuzz_flows" "$c/fuzz_taxonomy" "$c/fuzz_parkinfo" "$c/fuzz_audit_entry" \
	"$c/fuzz_audit_rules" "$c/fuzz_audit_verify" "$c/fuzz_cert"
for f in "$root"/tests/parks/ulsan/*.json; do cp "$f" "$c/fuzz_flows/ulsan-$(basename "$f")"; done
if [ -d "$scen/handelo" ]; then
	for f in "$scen"/handelo/*.json; do cp "$f" "$c/fuzz_flows/handelo-$(basename "$f")"; done
fi
cp "$here/fixtures/own-flows.json" "$c/fuzz_flows/own-flows.json"
for f in "$root"/tests/flows-bad/*.json; do cp "$f" "$c/fuzz_flows/bad-$(basename "$f")"; done
cp "$root/data/taxonomy.json" "$c/fuzz_taxonomy/taxonomy.json"
# A small taxonomy: the first categories of the shipped one.
python3 - "$root/data/taxonomy.json" "$c/fuzz_taxonomy/small.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["categories"] = t["categories"][:12]
json.dump(t, open(sys.argv[2], "w"))
PY
cp "$here/fixtures/park.json" "$c/fuzz_parkinfo/park.json"

# The audit corpora from the fixture export's log (one line per kind, the whole log).
ent=$here/fixtures/entries.jsonl
python3 - "$ent" "$c" <<'PY'
import base64, json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
c = sys.argv[2]
seen = {}
for i, l in enumerate(lines):
    k = json.loads(l)["kind"]
    seen[k] = seen.get(k, 0) + 1
    if seen[k] <= 2:
        open(f"{c}/fuzz_audit_entry/{i:02d}-{k}", "wb").write(l)
    if k == "member_enrolled" and seen[k] <= 2:
        der = base64.b64decode(json.loads(l)["certificate"])
        open(f"{c}/fuzz_cert/member-der-{i}", "wb").write(b"\x00" + der)
        open(f"{c}/fuzz_cert/member-der-oneshot-{i}", "wb").write(b"\x01" + der)
        pem = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
        open(f"{c}/fuzz_cert/member-pem-{i}", "wb").write(b"\x00" + pem)
        open(f"{c}/fuzz_cert/pem-{i}", "wb").write(b"\x03" + pem)
whole = b"\n".join(lines) + b"\n"
for t in ("fuzz_audit_rules", "fuzz_audit_verify"):
    open(f"{c}/{t}/export-full.jsonl", "wb").write(whole)
    open(f"{c}/{t}/export-first-20.jsonl", "wb").write(b"\n".join(lines[:20]) + b"\n")
PY
ca=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca_certificate"], end="")' "$here/fixtures/park.json")
printf '\000%s' "$ca" > "$c/fuzz_cert/ca-as-member"
echo "seeds in $c: $(find "$c" -type f | wc -l) files, $(du -sk "$c" | cut -f1) KiB"
