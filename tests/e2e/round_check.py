#!/usr/bin/env python3
"""Checks for round.sh: compares what the CLI printed with a scenario's expected.json."""
import json
import os
import sys

mode, sc, t = sys.argv[1], sys.argv[2], sys.argv[3]
expected = json.load(open(os.path.join(sc, "expected.json")))
companies = list(json.load(open(os.path.join(sc, "companies.json"))))
flows = {c: json.load(open(os.path.join(sc, c + ".json")))["flows"] for c in companies}


def cands(c):
    return json.load(open(os.path.join(t, "cand-%s.json" % c)))


def by_id():
    """candidate id -> (supplier, offer, consumer, need) joined from both sides."""
    seen = {}
    for c in companies:
        for x in cands(c):
            e = seen.setdefault(x["id"], {})
            if x["role"] == "supplier":
                e["supplier"], e["offer"], e["consumer"] = c, x["flow"], x["counterpart"]
            else:
                e["consumer2"], e["need"], e["supplier2"] = c, x["flow"], x["counterpart"]
    return seen


def fail(msg):
    print("round_check %s: %s" % (mode, msg))
    sys.exit(1)


def strings(obj):
    out = set()
    if isinstance(obj, dict):
        for v in obj.values():
            out |= strings(v)
    elif isinstance(obj, list):
        for v in obj:
            out |= strings(v)
    elif isinstance(obj, str) and len(obj) >= 8:
        out.add(obj)
    return out


def markers(obj):
    """The confidential markers of flows: every string of 8+ characters in their details."""
    if isinstance(obj, list):
        out = set()
        for f in obj:
            out |= markers(f)
        return out
    return strings(obj.get("details", {}))


def flow(c, fid):
    return next(f for f in flows[c] if f["id"] == fid)


def declined_keys():
    keys = set()
    for company, fid, cp in expected["declines"]:
        for e in by_id().values():
            if (e.get("supplier"), e.get("offer"), e.get("consumer")) == (company, fid, cp) or \
               (e.get("consumer2"), e.get("need"), e.get("supplier2")) == (company, fid, cp):
                keys.add((e["supplier"], e["offer"], e["consumer"], e["need"]))
    return keys


if mode == "candidates":
    seen = by_id()
    got = set()
    for cid, e in seen.items():
        if "supplier" not in e or "consumer2" not in e:
            fail("candidate %s seen by one side only: %s" % (cid, e))
        if (e["supplier"], e["consumer"]) != (e["supplier2"], e["consumer2"]):
            fail("sides disagree on %s: %s" % (cid, e))
        if e["offer"] is None or e["need"] is None:
            fail("candidate %s not mapped back to an item: %s" % (cid, e))
        got.add((e["supplier"], e["offer"], e["consumer"], e["need"]))
    want = set(tuple(x) for x in expected["candidates"])
    if got != want:
        fail("missing %s, unexpected %s" % (sorted(want - got), sorted(got - want)))
    if any(x["state"] != "pending" for c in companies for x in cands(c)):
        fail("fresh candidates must be pending")
    if any(x.get("check") != "ok" for c in companies for x in cands(c)):
        fail("every candidate id must recompute (check ok)")

elif mode == "declines":
    for company, fid, cp in expected["declines"]:
        ids = [x["id"] for x in cands(company) if x["flow"] == fid and x["counterpart"] == cp]
        if len(ids) != 1:
            fail("decline %s/%s/%s matches %d candidates" % (company, fid, cp, len(ids)))
        print(company, ids[0])

elif mode == "holdout":
    # A consumer who will not answer one candidate that nobody declines.
    dk = declined_keys()
    for cid, e in sorted(by_id().items()):
        if (e["supplier"], e["offer"], e["consumer"], e["need"]) not in dk:
            print(e["consumer"], cid)
            break

elif mode == "exchanges":
    hold = sys.argv[4] if len(sys.argv) > 4 else ""
    dk = declined_keys()
    ids = {(e["supplier"], e["offer"], e["consumer"], e["need"]): cid for cid, e in by_id().items()}
    agreed = set(tuple(x) for x in expected["candidates"]) - dk
    if hold:
        agreed = {k for k in agreed if ids[k] != hold}
    for c in companies:
        ex = json.load(open(os.path.join(t, "ex-%s.json" % c)))
        got = set()
        for x in ex:
            key = (x["supplier"], x["offer"]["id"], x["consumer"], x["need"]["id"])
            got.add(key)
            if x["candidate"] != ids.get(key):
                fail("%s: exchange %s has candidate id %s" % (c, key, x["candidate"]))
            # The counterpart's item exactly as its owner wrote it, details included.
            if x["offer"] != flow(x["supplier"], x["offer"]["id"]) or \
               x["need"] != flow(x["consumer"], x["need"]["id"]):
                fail("%s: exchange %s does not carry the items as written" % (c, key))
            if x["near_miss"]:
                fail("%s: %s flagged as a near miss; scenario values are far from bin edges" % (c, key))
            # Re-encoded under the pair key, the partner's item gives the candidate's token.
            if x.get("check") != "exact":
                fail("%s: %s checks as %s, expected exact" % (c, key, x.get("check")))
        want = {k for k in agreed if c in (k[0], k[2])}
        if got != want:
            fail("%s: exchanges missing %s, unexpected %s" % (c, sorted(want - got), sorted(got - want)))
        states = {x["id"]: x["state"] for x in cands(c)}
        for k, cid in ids.items():
            if c not in (k[0], k[2]):
                continue
            want_state = "agreed" if k in agreed else ("expired" if cid == hold else "declined")
            if states.get(cid) != want_state:
                fail("%s: candidate %s is %s, expected %s" % (c, cid, states.get(cid), want_state))

elif mode == "records":
    # Each company's round record keeps the round's token encoding.
    rnd, enc = sys.argv[4], int(sys.argv[5])
    for c in companies:
        rec = json.load(open(os.path.join(t, "st-%s" % c, "rounds", rnd + ".json")))
        if rec.get("token_encoding") != enc:
            fail("%s records token encoding %s, not %d" % (c, rec.get("token_encoding"), enc))

elif mode == "envelopes":
    # The sealed items the coordinator holds until the partner fetches them:
    # padded, so their lengths say nothing of what an item says (1 KiB and up,
    # powers of two, plus the nonce and tag).
    import sqlite3
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[4], uri=True)
    rows = db.execute("SELECT length(supplier_envelope) FROM candidates WHERE supplier_envelope "
                      "IS NOT NULL UNION ALL SELECT length(consumer_envelope) FROM candidates "
                      "WHERE consumer_envelope IS NOT NULL").fetchall()
    sizes = [r[0] - 40 for r in rows]
    if len(sizes) < 2:
        fail("only %d envelopes held: nothing to compare" % len(sizes))
    bad = [n for n in sizes if n < 1024 or n & (n - 1)]
    if bad:
        fail("envelopes of %s plaintext bytes: not padded to a power of two" % sorted(set(bad)))
    lengths = {len(json.dumps(f, separators=(",", ":"))) for c in companies for f in flows[c]}
    if len(lengths) < 2:
        fail("the scenario's items all have one length: the check proves nothing")
    print("%d envelopes, plaintext sizes %s" % (len(sizes), sorted(set(sizes))))

elif mode == "privacy":
    park, hold = sys.argv[4], (sys.argv[5] if len(sys.argv) > 5 else "")
    all_markers = set()
    for c in companies:
        all_markers |= markers(flows[c])
    if len(all_markers) < len(companies):
        fail("scenario has too few markers to test")

    def scan(root):
        found = set()
        for dirpath, _, files in os.walk(root):
            for f in files:
                p = os.path.join(dirpath, f)
                try:
                    data = open(p, "rb").read()
                except OSError:
                    continue
                for m in all_markers:
                    if m.encode() in data:
                        found.add(m)
        return found

    leaked = scan(park)
    if leaked:
        fail("the coordinator's directory holds %s" % sorted(leaked))
    # Nor any category path or flow id in plain text.
    all_markers = {f["category"] for c in companies for f in flows[c]} | \
        {f["id"] for c in companies for f in flows[c] if len(f["id"]) >= 6}
    leaked = scan(park)
    if leaked:
        fail("the coordinator's directory holds plaintext %s" % sorted(leaked))
    all_markers = set()
    for c in companies:
        all_markers |= markers(flows[c])
    dk = declined_keys()
    ids = {(e["supplier"], e["offer"], e["consumer"], e["need"]): cid for cid, e in by_id().items()}
    agreed = {k for k in set(tuple(x) for x in expected["candidates"]) - dk if ids[k] != hold}
    for c in companies:
        allowed = markers(flows[c])
        for s_, o, k_, n in agreed:
            if c == s_:
                allowed |= markers(flow(k_, n))
            if c == k_:
                allowed |= markers(flow(s_, o))
        found = scan(os.path.join(t, "st-" + c))
        if found - allowed:
            fail("%s's STATE holds %s" % (c, sorted(found - allowed)))
        if not (allowed <= found | markers(flows[c])) or not (found >= allowed - markers(flows[c])):
            fail("%s's STATE lacks its agreed partners' markers %s" % (c, sorted(allowed - found)))
else:
    fail("unknown mode")
