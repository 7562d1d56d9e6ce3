#!/usr/bin/env python3
"""Read PARK/symbiod.db for the size tests (read-only, beside a running daemon).

  sizes_check.py batches DB MEMBER OUT   the member's committed batches of the
                                         latest round: {counterpart: hex} in OUT
  sizes_check.py classes DB              every batch of the latest round has an
                                         allowed size; prints the sizes seen
  sizes_check.py staged DB MEMBER        batches the member has outside a
                                         committed submission (should be 0)
  sizes_check.py announcement DB         SHA-256 of the latest round's stored
                                         announcement, in hex
"""
import hashlib
import json
import os
import sqlite3
import sys


def db(path):
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True)


def batch_sets(path, rid, sub, row):
    """A batch's (offers, needs) bytes: in the row, or in PARK/batches/<round>/<submission>."""
    offers, needs, off, olen, nlen = row
    if off is None:
        return offers, needs
    with open(os.path.join(os.path.dirname(path), "batches", rid.hex(), sub.hex()), "rb") as f:
        f.seek(off)
        data = f.read(olen + nlen)
    return data[:olen], data[olen:]


def latest_round(c):
    return c.execute(
        "SELECT id, offer_floor, need_floor, fixed_size, max_offer, max_need "
        "FROM rounds ORDER BY seq DESC LIMIT 1").fetchone()


def allowed(n, floor, mx, fixed):
    if fixed:
        return n == fixed
    return n > 0 and n & (n - 1) == 0 and floor <= n <= mx


def main():
    cmd, c = sys.argv[1], db(sys.argv[2])
    rid, ofl, nfl, fixed, mxo, mxn = latest_round(c)
    if cmd == "batches":
        rows = c.execute(
            "SELECT b.counterpart, s.id, b.offers, b.needs, b.file_off, b.offers_len, "
            "b.needs_len FROM batches b JOIN submissions s "
            "ON b.submission = s.id WHERE s.round = ? AND s.member = ? AND s.state = 1",
            (rid, sys.argv[3])).fetchall()
        out = {}
        for cp, sub, *rest in rows:
            o, n = batch_sets(sys.argv[2], rid, sub, rest)
            out[cp] = o.hex() + ":" + n.hex()
        with open(sys.argv[4], "w") as f:
            json.dump(out, f, sort_keys=True)
        return 0 if rows else 1
    if cmd == "classes":
        if not mxo or not mxn:
            print("the round has no size policy")
            return 1
        bad, seen = [], set()
        for member, cp, o, n in c.execute(
                "SELECT s.member, b.counterpart, "
                "coalesce(nullif(b.offers_len, 0), length(b.offers)) / 8, "
                "coalesce(nullif(b.needs_len, 0), length(b.needs)) / 8 "
                "FROM batches b JOIN submissions s ON b.submission = s.id WHERE s.round = ?",
                (rid,)):
            seen.add((o, n))
            if not allowed(o, ofl, mxo, fixed) or not allowed(n, nfl, mxn, fixed):
                bad.append((member, cp, o, n))
        print("sizes seen (offers, needs):", sorted(seen))
        if bad or not seen:
            print("not allowed:", bad[:10])
            return 1
        return 0
    if cmd == "staged":
        print(c.execute(
            "SELECT count(*) FROM batches b JOIN submissions s ON b.submission = s.id "
            "WHERE s.member = ? AND s.state <> 1", (sys.argv[3],)).fetchone()[0])
        return 0
    if cmd == "announcement":
        row = c.execute("SELECT announcement FROM rounds ORDER BY seq DESC LIMIT 1").fetchone()
        print(hashlib.sha256(row[0]).hexdigest())
        return 0
    return 2


sys.exit(main())
