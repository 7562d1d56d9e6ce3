#!/bin/sh
# Regenerate the seed corpora: usage  gen_seeds.sh BUILD_DIR
# BUILD_DIR is a normal (non-fuzz) build that has built fuzz_gen_seeds and
# symbi-forge. Writes into tests/fuzz/corpus/ (replacing generated seeds;
# crash-* regression files are kept). The fixture export in fixtures/ is NOT
# regenerated here (its certificates and checkpoint must stay stable); it was
# made by `symbi-forge fake --out DIR` on 2026-11-30 (format 2): DIR's
# park.json, checkpoint, entries.jsonl, format-version, and its one batches
# file as batches.jsonl. The real version 1 export tests/fixtures/export-v1
# gives the version 1 seeds (prefixed with "#v1\n", see fuzz_common.h).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:?usage: gen_seeds.sh BUILD_DIR}
c=$here/corpus
# Extra parks beside the checkout, used only when present.
scen=${SYMBI_SCENARIOS_DIR:-$root/../shared/scenarios}

"$build/bin/fuzz_gen_seeds" "$c"

mkdir -p "$c/fuzz_flows" "$c/fuzz_taxonomy" "$c/fuzz_parkinfo" "$c/fuzz_audit_entry" \
	"$c/fuzz_audit_rules" "$c/fuzz_audit_verify" "$c/fuzz_cert" "$c/fuzz_roundseen" "$c/fuzz_policy"
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
python3 - "$ent" "$c" "$here/fixtures/batches.jsonl" "$root/tests/fixtures/export-v1" <<'PY'
import base64, glob, json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
c = sys.argv[2]
def by_kind(lines, most):
    """(index, line, kind) of the first `most` lines of each kind."""
    seen = {}
    for i, l in enumerate(lines):
        k = json.loads(l)["kind"]
        seen[k] = seen.get(k, 0) + 1
        if seen[k] <= most:
            yield i, l, k
for i, l, k in by_kind(lines, 2):
    open(f"{c}/fuzz_audit_entry/{i:02d}-{k}", "wb").write(l)
    if k == "member_enrolled":
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
# Format 2 around the log, its token batches, other format-version files (fuzz_audit_verify).
batches = open(sys.argv[3], "rb").read()
v = f"{c}/fuzz_audit_verify"
open(f"{v}/export-full-batches", "wb").write(whole + b"#batches\n" + batches)
for fv in (b"1", b"3", b"22", b""):
    open(f"{v}/format-version-{fv.decode() or 'empty'}", "wb").write(
        b"#format-version:" + fv + b"\n" + b"\n".join(lines[:3]) + b"\n")
# The real version 1 export: its log under the version 1 rules, its batches.
v1 = open(sys.argv[4] + "/entries.jsonl", "rb").read()
v1b = open(glob.glob(sys.argv[4] + "/batches/*.jsonl")[0], "rb").read()
v1lines = v1.split(b"\n")[:-1]
for t in ("fuzz_audit_rules", "fuzz_audit_verify"):
    open(f"{c}/{t}/v1-export-full.jsonl", "wb").write(b"#v1\n" + v1)
open(f"{c}/fuzz_audit_rules/v1-export-first-20.jsonl", "wb").write(
    b"#v1\n" + b"\n".join(v1lines[:20]) + b"\n")
open(f"{v}/v1-export-full-batches", "wb").write(b"#v1\n" + v1 + b"#batches\n" + v1b)
for i, l, k in by_kind(v1lines, 1):
    open(f"{c}/fuzz_audit_entry/v1-{i:02d}-{k}", "wb").write(l)
PY
# STATE/rounds-seen: round id and digest to check (48 bytes), then the file.
python3 - "$c/fuzz_roundseen" <<'PY'
import sys
c = sys.argv[1]
r, r2 = bytes(range(16)), bytes([0xab] * 16)
d, d2 = bytes(range(32, 64)), bytes(64 - i for i in range(32))
line = lambda r, d: (r.hex() + " " + d.hex() + "\n").encode()
for name, data in (("fresh", b""), ("seen-same", line(r2, d2) + line(r, d)),
                   ("seen-reused", line(r, d2)), ("other-rounds", line(r2, d) + line(r2, d2)),
                   ("truncated-line", line(r2, d)[:-5]),
                   ("bad-hex", line(r2, d).replace(b"a", b"g", 1))):
    open(f"{c}/{name}", "wb").write(r + d + data)
PY
# The counterpart policy: an allow or deny list, a newline, a member id.
for x in "one:acme\nacme" "list:acme, beta ,gamma\nbeta" "absent:acme,beta\ndelta" \
	"empty-item:acme,,beta,\n" "empty-list:\nacme" "bad-id:Acme!,x\nx" "spaces:  \n"; do
	printf "${x#*:}" > "$c/fuzz_policy/${x%%:*}"
done
ca=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca_certificate"], end="")' "$here/fixtures/park.json")
printf '\000%s' "$ca" > "$c/fuzz_cert/ca-as-member"
# The certificate cache (a flags byte: bit 0, the target appends the MAC), the
# report's factors file, and token batch files (flags, u16 offers and needs
# lengths and offset, then the file: fuzz_batchfile.c).
mkdir -p "$c/fuzz_certcache" "$c/fuzz_factors" "$c/fuzz_batchfile"
python3 - "$c" <<'PY'
import json, struct, sys
c = sys.argv[1]
magic = b"symbi-certcache-v1".ljust(32, b"\0")
park = b"\xa5" * 32  # fuzz_park_id
def entry(fp, ident, name, until=1796200000):
    return (fp + struct.pack(">QQ", 1796000000, until) + bytes([len(ident)]) + ident +
            bytes([len(name)]) + name + b"\x11" * 32 + b"\x22" * 32 + b"\x33" * 32 + b"\x44" * 64)
e1, e2 = entry(b"\x01" * 32, b"co-b", b"B AB"), entry(b"\x02" * 32, b"co-c", b"C", 0)
for name, body in (("empty", magic + park + struct.pack(">I", 0)),
                   ("two", magic + park + struct.pack(">I", 2) + e1 + e2),
                   ("count-too-big", magic + park + struct.pack(">I", 3) + e1 + e2),
                   ("trailing", magic + park + struct.pack(">I", 1) + e1 + b"x"),
                   ("other-park", magic + b"\x00" * 32 + struct.pack(">I", 1) + e1),
                   ("long-name", magic + park + struct.pack(">I", 1) +
                    entry(b"\x03" * 32, b"co-d", b"N" * 255))):
    open(f"{c}/fuzz_certcache/{name}", "wb").write(b"\x01" + body)
open(f"{c}/fuzz_certcache/no-mac", "wb").write(b"\x00" + magic + park + b"\0" * 36)
f = {"material.ash": {"kg_co2e_per_unit": 120.5, "source": "IPCC 2006 vol. 3", "unit": "t/yr"},
     "water": {"kg_co2e_per_unit": 0, "source": "none"}}
for name, doc in (("good", f), ("no-source", {"water": {"kg_co2e_per_unit": 1}}),
                  ("negative", {"water": {"kg_co2e_per_unit": -1, "source": "x"}}),
                  ("bad-class", {"Water!": {"kg_co2e_per_unit": 1, "source": "x"}}),
                  ("unknown-field", {"water": {"kg_co2e_per_unit": 1, "source": "x", "y": 2}}),
                  ("array", [1, 2])):
    open(f"{c}/fuzz_factors/{name}", "w").write(json.dumps(doc))
open(f"{c}/fuzz_factors/duplicate", "w").write(
    '{"water": {"kg_co2e_per_unit": 1, "source": "a"}, "water": {"kg_co2e_per_unit": 2, "source": "b"}}')
open(f"{c}/fuzz_factors/huge-number", "w").write('{"water": {"kg_co2e_per_unit": 1e999, "source": "a"}}')
hdr = b"symbiod-batches-v1".ljust(32, b"\0") + b"\x01" * 16 + b"\x02" * 16
sets = bytes(range(8)) * 3 + bytes(range(8, 16)) * 2  # 3 offers, 2 needs of 8 bytes
for name, flags, ol, nl, off, body in (
        ("full", 7, 24, 16, 64, hdr + sets + b"\0" * 4),
        ("crc-only", 4, 24, 16, 64, hdr + sets + b"\0" * 4),
        ("odd-lengths", 7, 5, 3, 64, hdr + sets + b"\0" * 4),
        ("truncated", 7, 24, 16, 64, hdr + sets[:20]),
        ("in-header", 7, 8, 0, 8, hdr + sets),
        ("stale-crc", 1, 24, 16, 64, hdr + sets + b"\xde\xad\xbe\xef")):
    open(f"{c}/fuzz_batchfile/{name}", "wb").write(struct.pack(">BHHH", flags, ol, nl, off) + body)
PY
# The pair-secret cache (a flags byte: bit 0, the target seals a u32 count and
# the entries that follow; fuzz_paircache.c), for the peers co-b (u = 9) and co-c (u = 10).
mkdir -p "$c/fuzz_paircache"
python3 - "$c" <<'PY'
import struct, sys
c = sys.argv[1]
pk_b, pk_c = b"\x09" + b"\0" * 31, b"\x0a" + b"\0" * 31
def entry(ident, pk, s):
    return bytes([len(ident)]) + ident + pk + s
eb, ec = entry(b"co-b", pk_b, b"\x11" * 32), entry(b"co-c", pk_c, b"\x22" * 32)
for name, count, body in (("empty", 0, b""), ("two", 2, eb + ec), ("one", 1, eb),
                          ("other-peer-key", 1, entry(b"co-b", b"\x33" * 32, b"\x11" * 32)),
                          ("count-too-big", 3, eb + ec), ("trailing", 1, eb + b"x"),
                          ("duplicate", 2, eb + eb), ("zero-secret", 1, entry(b"co-b", pk_b, b"\0" * 32)),
                          ("id-64", 1, entry(b"i" * 64, pk_b, b"\x11" * 32)),
                          ("id-65", 1, entry(b"i" * 65, pk_b, b"\x11" * 32)),
                          ("count-over-max", 100001, eb)):
    open(f"{c}/fuzz_paircache/{name}", "wb").write(b"\x01" + struct.pack(">I", count) + body)
head = b"symbi-paircache-v1".ljust(32, b"\0") + b"\xa5" * 32  # fuzz_park_id
open(f"{c}/fuzz_paircache/unsealed", "wb").write(
    b"\x00" + head + b"\0" * 32 + struct.pack(">I", 1) + b"\0" * 24 + ec + b"\0" * 16)
open(f"{c}/fuzz_paircache/other-format", "wb").write(b"\x00" + b"symbi-certcache-v2".ljust(32, b"\0") + b"\0" * 200)
open(f"{c}/fuzz_paircache/short", "wb").write(b"\x00" + head[:50])
PY
# The client's round record STATE/rounds/<round>.json (fuzz_roundfile.c; the
# input is the whole file), shaped as `symbi submit`, `accept`, `sync` and a
# hardened submit write it (records of tests/e2e/sync_ended.sh and hardened.sh
# on tests/parks/ulsan compared on 2026-11-30): power's flows, six peers with
# their keys, consents of each word, `settled`, a hardened round's `hard` (a
# batch of 16 elements here, 256 in those rounds), a record from before
# identity keys; and some a loader must refuse.
mkdir -p "$c/fuzz_roundfile"
python3 - "$c/fuzz_roundfile" "$root/tests/parks/ulsan" <<'PY'
import copy, hashlib, json, sys
c, park = sys.argv[1], sys.argv[2]
h = lambda tag, n: hashlib.sha256(tag.encode()).digest()[:n].hex()
ids = ["cement", "farms", "paper", "plasterboard", "power", "smelter"]
peers = [{"id": i, "x25519": h("x25519:" + i, 32), "ed25519": h("ed25519:" + i, 32)} for i in ids]
cand = [h("candidate:%d" % k, 16) for k in range(4)]
std = {"round": "520d0102030405060708090a0b0c0d0e", "submission": h("submission", 16),
       "peers": peers, "flows": json.load(open(park + "/power.json")), "consents": {}}
def seed(name, doc=None, raw=None):
    data = raw if raw is not None else json.dumps(doc, indent=1).encode()
    open(f"{c}/{name}", "wb").write(data)
def with_(**kw):
    d = copy.deepcopy(std)
    d.update(kw)
    return d
seed("submitted", std)
seed("consent-accepted", with_(consents={cand[0]: "accepted", cand[1]: "accepted"}))
seed("consent-declined", with_(consents={cand[0]: "declined"}))
seed("consents-each-word", with_(consents=dict(zip(cand, ["accepted", "declined", "deposited", "expired"]))))
seed("settled-true", with_(consents={cand[0]: "deposited", cand[1]: "expired"}, settled=True))
seed("settled-false", with_(consents={cand[0]: "deposited"}, settled=False))
seed("settled-not-boolean", with_(consents={cand[0]: "deposited"}, settled="yes"))
seed("settled-number", with_(settled=1))
old = with_(consents={cand[0]: "accepted"})
for p in old["peers"]:
    del p["ed25519"]
seed("no-ed25519", old)
mixed = with_()
mixed["peers"][1]["ed25519"] = "not hex"
del mixed["peers"][2]["ed25519"]
seed("ed25519-some-bad", mixed)
blinded = "".join(h("blinded:%d" % k, 32) for k in range(16))
hard = {"pk": h("hard-pk", 32), "needs": h("need:0", 16) + h("need:1", 16), "blinded": blinded,
        "digest": h("batch", 32),
        "answered": {i: h("digest:" + i, 32) for i in ids if i != "power"},
        "tokens": dict({i: h("tokens:" + i, 16) for i in ids if i not in ("power", "paper")}, paper="")}
seed("hardened", with_(hard=hard))
seed("hardened-accepted", with_(hard=hard, consents={cand[0]: "accepted"}))
seed("no-peers", with_(peers=[]))
seed("bad-peer-id", with_(peers=[{"id": "Co B!", "x25519": h("x", 32)}]))
seed("bad-x25519", with_(peers=[{"id": "co-b", "x25519": h("x", 31)}]))
seed("no-submission", {k: v for k, v in std.items() if k != "submission"})
seed("round-other", with_(round="520d0102030405060708090a0b0c0dff"))  # copied under another name
seed("no-round", {k: v for k, v in std.items() if k != "round"})
seed("hard-null", with_(hard=None))
seed("hard-array", with_(hard=[]))
seed("flows-array", with_(flows=[]))
seed("consents-null", with_(consents=None))
text = json.dumps(std, indent=1).encode()
seed("truncated", raw=text[: len(text) // 2])
seed("duplicate-key", raw=text[:-2] + b', "consents": {}}')
upper = with_()
upper["peers"][0]["x25519"] = upper["peers"][0]["x25519"].upper()
seed("upper-hex", upper)
for depth in (2000, 2100):  # jansson 2.14 refuses nesting past 2048
    seed("consents-depth-%d" % depth, raw=text.replace(
        b'"consents": {}', b'"consents": {"a": ' + b"[" * depth + b"]" * depth + b"}"))
PY
# The hardened and indicator exports (fixtures/hardened, fixtures/indicators: the
# exports of tests/e2e/hardened.sh, with `accept --publish`, and indicators.sh on
# the four companies asnaes, gyproc, cement, refinery of examples/kalundborg, made
# on 2026-11-30): whole logs and their first lines behind their prefixes
# (fuzz_common.h), and one entry of each new kind. Not regenerated here (their
# source is not kept): fuzz_audit_verify/hardened-hardbatches, the hardened log with
# "#hardbatches" and the <round>.hard.jsonl of the same run's `log export
# --with-batches` (taken before the test tampers with it), and its first 4 lines.
python3 - "$here/fixtures" "$c" <<'PY'
import json, sys
fx, c = sys.argv[1], sys.argv[2]
for name, prefix in (("hardened", b"#hardened\n"), ("indicators", b"#indicators\n")):
    lines = open(f"{fx}/{name}/entries.jsonl", "rb").read().split(b"\n")[:-1]
    whole = b"\n".join(lines) + b"\n"
    for t in ("fuzz_audit_rules", "fuzz_audit_verify"):
        open(f"{c}/{t}/{name}-full.jsonl", "wb").write(prefix + whole)
        open(f"{c}/{t}/{name}-first-30.jsonl", "wb").write(prefix + b"\n".join(lines[:30]) + b"\n")
    seen = set()
    for i, l in enumerate(lines):
        j = json.loads(l)
        k = j["kind"] + ("-publish" if j.get("publish") else "")
        if k in seen or not (k.startswith(("hardened_", "indicator_")) or k == "consent-publish"):
            continue
        seen.add(k)
        open(f"{c}/fuzz_audit_entry/{name}-{i:02d}-{k}", "wb").write(l)
PY
echo "seeds in $c: $(find "$c" -type f | wc -l) files, $(du -sk "$c" | cut -f1) KiB"
