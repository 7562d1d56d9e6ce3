#!/usr/bin/env python3
"""Checks for decline_privacy.sh (python3 stdlib only).

  exchanges FILE [SUPPLIER MARK]   `symbi exchanges --json` output: empty, or one
                                   exchange from SUPPLIER whose offer holds MARK
  leftovers DB C_ACME_GAMMA C_ACME_DELTA C_DECLINED OUT
                                   the envelopes the store holds: acme's for gamma
                                   and delta's for acme, nothing for the declined
                                   candidate; their bytes go to OUT (hex lines)
  held DB CANDIDATE SIDE OUT       append to OUT the envelope the store holds for
                                   CANDIDATE from SIDE (supplier|consumer)
  carried EXPORT OUT               append to OUT the sealed items that logged consent
                                   requests carry (none since protocol 1.1)
  scan DIR OUT [--expect-found]    no 32-byte piece of any envelope in OUT occurs in
                                   any file under DIR (or, with --expect-found, each
                                   envelope is found: the scan itself works)
  decliner EXPORT C_DECLINED OWNER STATE
                                   the export holds no deposit or release of the
                                   declined candidate, no consent that carries an
                                   item, no sealed-looking blob at all, and the
                                   decliner's STATE holds nothing of OWNER's
"""
import base64
import binascii
import json
import os
import re
import sqlite3
import sys


def fail(msg):
    print("decline_privacy: " + msg, file=sys.stderr)
    sys.exit(1)


def exchanges(path, supplier=None, mark=None):
    with open(path) as f:
        ex = json.load(f)
    if supplier is None:
        if ex:
            fail("expected no exchange, got %d" % len(ex))
        return
    mine = [e for e in ex if e["supplier"] == supplier]
    if len(mine) != 1 or mark not in json.dumps(mine[0]["offer"]):
        fail("expected one exchange from %s with its details" % supplier)


def held_envelopes(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = con.execute("SELECT hex(id), supplier_envelope, consumer_envelope FROM candidates").fetchall()
    con.close()
    held = {}
    for cid, sup, cons in rows:
        cid = cid.lower()
        if sup is not None:
            held[(cid, "supplier")] = sup
        if cons is not None:
            held[(cid, "consumer")] = cons
    return held


def held(db, cand, side, out):
    h = held_envelopes(db)
    if (cand, side) not in h:
        fail("no %s envelope held for %s" % (side, cand))
    with open(out, "a") as f:
        f.write(binascii.hexlify(h[(cand, side)]).decode() + "\n")


def leftovers(db, c_gamma, c_delta, c_declined, out):
    held = held_envelopes(db)
    # Written first, so that the scans below check whatever was held.
    with open(out, "a") as f:
        for v in held.values():
            f.write(binascii.hexlify(v).decode() + "\n")
    want = {(c_gamma, "supplier"), (c_delta, "consumer")}
    if set(held) != want:
        fail("held envelopes %s, expected acme's for gamma and delta's for acme only" %
             sorted("%s/%s" % k for k in held))
    if any(k[0] == c_declined for k in held):
        fail("an envelope of the declined candidate is stored")


def consent_items(entries):
    """Sealed items carried inside logged consent requests (version 1 did so)."""
    for e in entries:
        if e["kind"] == "consent" and "request" in e:
            req = proto_fields(base64.b64decode(e["request"]))
            payload = [v for f, wt, v in req or [] if f == 5]
            consent = proto_fields(payload[0]) if payload else None
            yield e, consent, [v for f, wt, v in consent or [] if f == 4]


def carried(export, out):
    with open(os.path.join(export, "entries.jsonl")) as f:
        entries = [json.loads(line) for line in f]
    with open(out, "a") as f:
        for _, _, items in consent_items(entries):
            for v in items:
                f.write(binascii.hexlify(v).decode() + "\n")


def pieces(blob):
    return [blob[i:i + 32] for i in range(0, len(blob) - 31, 32)]


def scan(root, out, expect_found):
    with open(out) as f:
        blobs = [binascii.unhexlify(x.strip()) for x in f if x.strip()]
    if not blobs:
        fail("no envelope recorded")
    found = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            for i, b in enumerate(blobs):
                for p in pieces(b):
                    if p in data:
                        found.setdefault(i, []).append(os.path.relpath(path, root))
                        break
    if expect_found:
        if len(found) != len(blobs):
            fail("only %d of %d envelopes found by the scan" % (len(found), len(blobs)))
        return
    if found:
        fail("envelope bytes found in: %s" % sorted({p for v in found.values() for p in v}))


def varint(b, i):
    v = s = 0
    while True:
        if i >= len(b):
            raise ValueError
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if not c & 0x80:
            return v, i
        if s > 63:
            raise ValueError


def proto_fields(b):
    """[(field, wiretype, value)] when b is fully a protobuf message, else None."""
    out, i = [], 0
    try:
        while i < len(b):
            key, i = varint(b, i)
            f, wt = key >> 3, key & 7
            if f == 0:
                return None
            if wt == 0:
                v, i = varint(b, i)
            elif wt == 1:
                v, i = b[i:i + 8], i + 8
            elif wt == 5:
                v, i = b[i:i + 4], i + 4
            elif wt == 2:
                n, i = varint(b, i)
                v, i = b[i:i + n], i + n
            else:
                return None
            if i > len(b):
                return None
            out.append((f, wt, v))
    except ValueError:
        return None
    return out


def leaves(blob, depth=0):
    """The byte leaves of a blob: itself, or the leaves of its protobuf fields."""
    fields = proto_fields(blob) if depth < 6 and len(blob) > 2 else None
    if not fields:
        yield blob
        return
    for _, wt, v in fields:
        if wt == 2:
            yield from leaves(v, depth + 1)


B64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
HEX = re.compile(r"^[0-9a-f]+$")


def blobs_of(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from blobs_of(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from blobs_of(v, key)
    elif isinstance(value, str) and len(value) >= 64:
        if HEX.match(value) and len(value) % 2 == 0:
            yield key, binascii.unhexlify(value)
        elif B64.match(value) and len(value) % 4 == 0:
            yield key, base64.b64decode(value)


def decliner(export, c_declined, owner, state):
    entries = []
    with open(os.path.join(export, "entries.jsonl")) as f:
        for line in f:
            entries.append(json.loads(line))
    for e in entries:
        if e.get("candidate") == c_declined and e["kind"] not in ("consent",):
            fail("a %s entry for the declined candidate" % e["kind"])

    for e, consent, items in consent_items(entries):
        if consent is None or items:
            fail("%s's consent on %s carries a sealed item (Consent field 4)" %
                 (e["member"], e["candidate"]))
    # Any byte string long enough to be a sealed item (40 bytes of overhead plus
    # an item's JSON) that is not a certificate is something a member could try
    # its pair keys on.
    for e in entries:
        for key, blob in blobs_of(e):
            for leaf in leaves(blob):
                if len(leaf) >= 96 and not leaf.startswith(b"\x30\x82"):
                    fail("entry %s (%s) field %s holds a %d-byte opaque blob" %
                         (e.get("kind"), e.get("candidate", "-"), key, len(leaf)))
    for dirpath, _, files in os.walk(state):
        for name in files:
            with open(os.path.join(dirpath, name), "rb") as f:
                if ("SECRET-" + owner.upper()).encode() in f.read():
                    fail("the decliner's STATE holds %s's details (%s)" % (owner, name))


mode = sys.argv[1] if len(sys.argv) > 1 else ""
if mode == "exchanges" and len(sys.argv) in (3, 5):
    exchanges(*sys.argv[2:])
elif mode == "leftovers" and len(sys.argv) == 7:
    leftovers(*sys.argv[2:])
elif mode == "held" and len(sys.argv) == 6:
    held(*sys.argv[2:])
elif mode == "carried" and len(sys.argv) == 4:
    carried(*sys.argv[2:])
elif mode == "scan" and len(sys.argv) in (4, 5):
    scan(sys.argv[2], sys.argv[3], len(sys.argv) == 5 and sys.argv[4] == "--expect-found")
elif mode == "decliner" and len(sys.argv) == 6:
    decliner(*sys.argv[2:])
else:
    fail("usage: see the module's docstring")
