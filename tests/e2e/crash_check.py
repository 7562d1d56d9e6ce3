#!/usr/bin/env python3
"""Checks for crash.sh (crash safety of the coordinator).

usage:
  crash_check.py exchanges REF_DIR DIR      final exchanges in DIR equal the reference run's
  crash_check.py status FILE N              round status: phase open, "submitted" >= N
  crash_check.py consents DIR ANSWERED      every (company, candidate) line of ANSWERED is answered
  crash_check.py releases EXPORT DIR AGREED [N] one release per agreed candidate in every round;
                                            the last round's releases are DIR's agreed candidates;
                                            every round closed with N submitters
  crash_check.py phase FILE                 print the phase (and round) of a round status
Exchanges are compared by (supplier, offer id, consumer, need id) and the revealed
items, never by candidate id (ids differ between rounds and parks).
"""
import json
import os
import sys


def fail(msg):
    print("crash_check %s: %s" % (sys.argv[1], msg))
    sys.exit(1)


def companies_in(d):
    return sorted(f[3:-5] for f in os.listdir(d) if f.startswith("ex-") and f.endswith(".json"))


def exchanges(d, c, only_current):
    """c's exchanges of the current round (exchanges accumulate across rounds)."""
    out = {}
    allx = json.load(open(os.path.join(d, "ex-%s.json" % c)))
    seen = [x["candidate"] for x in allx]
    if len(seen) != len(set(seen)):
        fail("%s: a candidate is listed twice among the exchanges" % c)
    current = {x["id"] for x in cands(d, c)}
    for x in allx:
        if only_current and x["candidate"] not in current:
            continue
        key = (x["supplier"], x["offer"]["id"], x["consumer"], x["need"]["id"])
        if key in out:
            fail("%s: exchange %s listed twice" % (c, key))
        out[key] = (json.dumps(x["offer"], sort_keys=True), json.dumps(x["need"], sort_keys=True),
                    x.get("near_miss"))
    return out


def cands(d, c):
    return json.load(open(os.path.join(d, "cand-%s.json" % c)))


mode = sys.argv[1]
if mode == "exchanges":
    ref, d = sys.argv[2], sys.argv[3]
    rc, dc = companies_in(ref), companies_in(d)
    if rc != dc or not rc:
        fail("companies differ: reference %s, run %s" % (rc, dc))
    total = 0
    for c in rc:
        a, b = exchanges(ref, c, False), exchanges(d, c, True)
        if set(a) != set(b):
            fail("%s: missing %s, unexpected %s" % (c, sorted(set(a) - set(b)), sorted(set(b) - set(a))))
        for k in a:
            if a[k] != b[k]:
                fail("%s: exchange %s reveals different items: reference %s, run %s" % (c, k, a[k], b[k]))
        total += len(a)
    if total == 0:
        fail("no exchanges at all in the reference")
    print(total // 2)

elif mode == "status":
    s = json.load(open(sys.argv[2]))
    n = int(sys.argv[3])
    if s.get("phase") != "open":
        fail("phase is %s, expected open" % s.get("phase"))
    if s.get("submitted", -1) < n:
        fail("submitted %s < %d acknowledged submissions" % (s.get("submitted"), n))

elif mode == "phase":
    try:
        s = json.load(open(sys.argv[2]))
        print(s.get("phase", "-"), s.get("round", "-"))
    except (OSError, ValueError):
        print("- -")

elif mode == "consents":
    d, answered = sys.argv[2], sys.argv[3]
    states = {}
    for line in open(answered):
        c, cid = line.split()
        if c not in states:
            states[c] = {x["id"]: x["state"] for x in cands(d, c)}
        st = states[c].get(cid)
        if st not in ("accepted", "agreed", "declined"):
            fail("%s answered %s (acknowledged) but its state is now %s" % (c, cid, st))

elif mode == "releases":
    exp, d, agreed_per_round = sys.argv[2], sys.argv[3], int(sys.argv[4])
    rounds, rel, closed = [], {}, set()
    for i, line in enumerate(open(os.path.join(exp, "entries.jsonl"))):
        e = json.loads(line)
        if e["kind"] == "round_opened":
            rounds.append(e["round"])
            rel[e["round"]] = []
        elif e["kind"] == "round_closed":
            if len(sys.argv) > 5 and len(set(e["submitted"])) != int(sys.argv[5]):
                fail("round %s closed with submissions of %s only" % (e["round"], e["submitted"]))
            closed.add(e["round"])
        elif e["kind"] == "release":
            rel.setdefault(e["round"], []).append(e["candidate"])
    if not rounds:
        fail("no round in the log")
    for r in rounds:
        if r not in closed:
            fail("round %s never closed" % r)
        ids = rel.get(r, [])
        if len(ids) != len(set(ids)):
            fail("round %s: duplicate release %s" % (r, sorted(x for x in ids if ids.count(x) > 1)))
        if len(ids) != agreed_per_round:
            fail("round %s: %d releases, expected %d" % (r, len(ids), agreed_per_round))
    agreed = set()
    for f in os.listdir(d):
        if f.startswith("cand-") and f.endswith(".json"):
            agreed |= {x["id"] for x in json.load(open(os.path.join(d, f))) if x["state"] == "agreed"}
    last = set(rel[rounds[-1]])
    if agreed != last:
        fail("last round: agreed %s but released %s" % (sorted(agreed - last), sorted(last - agreed)))
    print(len(rounds), sum(len(v) for v in rel.values()))

else:
    fail("unknown mode")
