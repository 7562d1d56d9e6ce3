#!/usr/bin/env python3
"""The park indicators a test expects, computed in plain Python from the
park's flows files and the agreed exchanges the companies hold, by
INDICATORS.md's rules and independently of the C code; and the byte scan of
the coordinator's directory for any company's plaintext vector.

usage:
  indicators_check.py compare SCENARIO T ROUND GOT.json MEMBER...
      the cells of `symbiod indicators --json` (GOT.json) equal the sums over
      the MEMBERs' vectors (flows SCENARIO/ID.json, exchanges of ROUND in
      T/st-*/exchanges.json)
  indicators_check.py tamper MODE EXPORT_DIR
      rewrite the export's entries as a coordinator rewriting its own log
      would (re-sign with symbi-forge resign afterwards): unmask-both (an
      unmasking answer also gives the pair key with a member whose seed share
      it gives), vector-twice (a second masked vector of a member),
      result-early (the result before any unmasking answer)
  indicators_check.py scan SCENARIO T ROUND PARK MEMBER...
      no file under PARK holds a MEMBER's vector as little-endian u64 cells,
      nor any 64-byte row (one class) of it with a quantity that is not the
      park's total
"""
import json
import math
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TAX = os.path.join(os.environ.get("SYMBIOD_DATA_DIR", os.path.join(HERE, "..", "..", "data")),
                   "taxonomy.json")
INDICATORS = ["exchanged_supplied", "exchanged_received", "offered", "offered_unmatched",
              "needed", "offer_contributors", "need_contributors", "exchange_contributors"]
TOPS = {"energy": "MWh/yr", "water": "m3/yr", "material": "t/yr"}
AMOUNTS = {"kg": 1e-3, "t": 1.0, "kt": 1e3, "Mt": 1e6, "L": 1e-3, "m3": 1.0, "ML": 1e3,
           "Nm3": 1.0, "kNm3": 1e3, "MNm3": 1e6, "kWh": 1e-3, "MWh": 1.0, "GWh": 1e3,
           "TWh": 1e6}
PERIODS = {"h": 8766.0, "hr": 8766.0, "d": 365.25, "day": 365.25, "wk": 365.25 / 7,
           "week": 365.25 / 7, "month": 12.0, "mo": 12.0, "yr": 1.0, "y": 1.0, "a": 1.0,
           "year": 1.0}
RATES = {"kW": 8.766, "MW": 8766.0, "GW": 8766e3}


def load_taxonomy():
    cats = {c["path"]: c for c in json.load(open(TAX))["categories"]}
    order = list(cats)

    def unit(path):
        p = path
        while True:
            if cats[p].get("quantity"):
                return cats[p]["quantity"]["unit"]
            if "." not in p:
                return ""
            p = p.rsplit(".", 1)[0]

    classes = {}
    for path in order:
        depth = path.count(".")
        if depth == 0 and path in TOPS:
            classes[path] = TOPS[path]
        elif depth == 1:
            u = unit(path)
            if not u:  # abstract: its first descendant's unit, in taxonomy order
                u = next((unit(q) for q in order if q.startswith(path + ".") and unit(q)), "")
            if u:
                classes[path] = u
    return sorted(classes), classes, unit


CLASS_ORDER, CLASS_UNIT, UNIT_OF = load_taxonomy()


def canonical(q, key):
    v, u = q[key], q["unit"]
    if u in RATES:
        return v * RATES[u]
    amount, _, period = u.partition("/")
    return v * AMOUNTS[amount] * PERIODS[period]


def rounded(x):
    return 0 if not x > 0 else int(math.floor(x + 0.5))


def classes_of(category):
    u = UNIT_OF(category)
    return [c for c in CLASS_ORDER
            if (category == c or category.startswith(c + ".")) and CLASS_UNIT[c] == u]


def exchanges_of(t, rnd):
    seen = {}
    for d in os.listdir(t):
        f = os.path.join(t, d, "exchanges.json")
        if d.startswith("st-") and os.path.exists(f):
            for e in json.load(open(f)):
                if e["round"] == rnd and e.get("check") != "mismatch":
                    seen[e["candidate"]] = e
    return list(seen.values())


def vector(sc, member, exchanges):
    v = {(c, k): 0 for c in CLASS_ORDER for k in INDICATORS}

    def add(category, k, amount, flag=None):
        for c in classes_of(category):
            v[(c, k)] += amount
            if flag:
                v[(c, flag)] = 1

    matched = set()
    for e in exchanges:
        if member not in (e["supplier"], e["consumer"]):
            continue
        o, n = e["offer"]["quantity"], e["need"]["quantity"]
        q = canonical(o, "value")
        if "max" in n:
            q = min(q, canonical(n, "max"))
        elif "min" in n:
            q = min(q, canonical(n, "min"))
        side = "exchanged_supplied" if e["supplier"] == member else "exchanged_received"
        add(e["offer"]["category"], side, rounded(q), "exchange_contributors")
        if e["supplier"] == member:
            matched.add(e["offer"]["id"])
    for f in json.load(open(os.path.join(sc, member + ".json")))["flows"]:
        q = f["quantity"]
        if f["direction"] == "offer":
            amount = rounded(canonical(q, "value"))
            add(f["category"], "offered", amount, "offer_contributors")
            if f["id"] not in matched:
                add(f["category"], "offered_unmatched", amount)
        else:
            need = canonical(q, "min") if "min" in q else canonical(q, "max") if "max" in q else 0
            add(f["category"], "needed", rounded(need), "need_contributors")
    return v


def cells_bytes(v):
    return b"".join(struct.pack("<Q", v[(c, k)] % 2**64) for c in CLASS_ORDER for k in INDICATORS)


def compare(sc, t, rnd, got_path, members):
    ex = exchanges_of(t, rnd)
    want = {(c, k): 0 for c in CLASS_ORDER for k in INDICATORS}
    for m in members:
        for key, val in vector(sc, m, ex).items():
            want[key] += val
    got = json.load(open(got_path))
    if got["state"] != "done":
        print("state is", got["state"], got.get("reason"))
        return 1
    have = {(c["class"], c["indicator"]): c["value"] for c in got["cells"]}
    bad = 0
    for key, val in want.items():
        if have.get(key, 0) != val:
            print("cell %s %s: got %s, want %s" % (key[0], key[1], have.get(key), val))
            bad += 1
    for key in have:
        if key not in want:
            print("unexpected cell", key)
            bad += 1
    nz = sum(1 for x in want.values() if x)
    print("%d cells compared (%d nonzero), %d differ; %d exchanges, %d members" %
          (len(want), nz, bad, len(ex), len(members)))
    return 1 if bad else 0


def scan(sc, t, rnd, park, members):
    ex = exchanges_of(t, rnd)
    vecs = {m: vector(sc, m, ex) for m in members}
    total = {(c, k): sum(v[(c, k)] for v in vecs.values()) for c in CLASS_ORDER for k in INDICATORS}
    needles = []
    for m, v in vecs.items():
        needles.append((m + " whole vector", cells_bytes(v)))
        for c in CLASS_ORDER:
            row = [v[(c, k)] for k in INDICATORS]
            # A row of contributor flags alone (0s and 1s) is no quantity, and
            # 64 such bytes turn up anywhere; a row equal to the park's total is
            # that total (one company alone in the class: the dominance the
            # threat model states).
            if max(row) > 1 and row != [total[(c, k)] for k in INDICATORS]:
                needles.append((m + " row " + c, b"".join(struct.pack("<Q", x) for x in row)))
    found = 0
    nfiles = 0
    for root, _, files in os.walk(park):
        for name in files:
            path = os.path.join(root, name)
            try:
                data = open(path, "rb").read()
            except OSError:
                continue
            nfiles += 1
            for what, needle in needles:
                if needle in data:
                    print("FOUND %s in %s" % (what, path))
                    found += 1
    print("%d needles (%d members), %d files scanned, %d found" %
          (len(needles), len(members), nfiles, found))
    return 1 if found else 0


def tamper(mode, export):
    path = os.path.join(export, "entries.jsonl")
    entries = [json.loads(line) for line in open(path, "rb").read().splitlines()]
    kinds = [e["kind"] for e in entries]
    if mode == "unmask-both":
        e = entries[kinds.index("indicator_unmask")]
        e["masks_with"] = sorted(e["masks_with"] + [e["shares_of"][0]])
    elif mode == "vector-twice":
        i = kinds.index("indicator_vector")
        entries.insert(i + 1, dict(entries[i]))
    elif mode == "result-early":
        i, j = kinds.index("indicator_unmask"), kinds.index("indicator_result")
        entries.insert(i, entries.pop(j))
    else:
        return 64
    with open(path, "wb") as f:
        for e in entries:
            f.write(json.dumps(e, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    return 0


def main():
    cmd = sys.argv[1]
    if cmd == "tamper":
        return tamper(sys.argv[2], sys.argv[3])
    if cmd == "compare":
        return compare(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:])
    if cmd == "scan":
        return scan(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:])
    print(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main())
