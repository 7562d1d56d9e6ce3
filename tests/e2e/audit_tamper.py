#!/usr/bin/env python3
"""Tamperings of an audit-log export for audit.sh (python3 stdlib only).

usage: audit_tamper.py MODE EXPORT_DIR

Byte-level tamperings (the checkpoint no longer matches; nothing re-signed):
  flip-byte          change one hex digit inside an entry
  delete-entry       delete an entry from the middle of the log
  swap               swap two neighbouring entries
  truncate           cut the file in the middle of its last line
  checkpoint-bad-sig change one character of the checkpoint's signature

A coordinator rewriting its own log (audit.sh re-signs with symbi-forge, so
only the rules can catch these):
  consent-other-member   an accepting consent's "member" becomes the candidate's other side
  release-one-accept     delete one of the two accepting consents before a release
                         (and the candidate's deposits)
  release-one-deposit    delete one of the two deposits before a release
  deposit-before-agreement move a deposit before the accepts of its candidate
  submission-after-close move the last submission of a round after its round_closed
  hide-candidate         drop an agreed candidate from its pair_matched entry (count and
                         hits_hash fixed up, its consents, deposits and release deleted); prints its id
  invent-candidate       add a candidate with a made-up token to a pair_matched entry
                         (id, count and hits_hash fixed up); prints its id
  publish-added          an accepting consent without "publish" gains one (the coordinator
                         claims a member agreed to show its class)
  publish-changed        a consent's "publish" names another class
  publish-on-decline     a declining consent gains a "publish"

Token batches (batches/<round>.jsonl; nothing in the log changes):
  alter-batch            drop one token from a batch's offers (the set stays sorted and
                         well formed, only its committed digest no longer matches); prints
                         "ROUND SUBMITTER COUNTERPART"

And one reading: edges EXPORT_DIR prints the agreed exchanges the export's
entries describe, one "supplier consumer count" line each, sorted.

Entries are compact JSON with sorted keys; an edited entry is written the same
way, so that it stays well formed and canonical.
"""
import base64
import hashlib
import json
import os
import sys


def fail(msg):
    print("audit_tamper: " + msg, file=sys.stderr)
    sys.exit(1)


def dump(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def read_lines(d):
    with open(os.path.join(d, "entries.jsonl"), "rb") as f:
        data = f.read()
    if not data.endswith(b"\n"):
        fail("entries.jsonl has no final newline")
    return data[:-1].split(b"\n")


def write_lines(d, lines):
    with open(os.path.join(d, "entries.jsonl"), "wb") as f:
        f.write(b"".join(line + b"\n" for line in lines))


def load(d):
    return [json.loads(line) for line in read_lines(d)]


def save(d, entries):
    write_lines(d, [dump(e).encode("utf-8") for e in entries])


def id_bytes(s):
    b = s.encode("ascii")
    return bytes([len(b)]) + b


def candidate_id(round_hex, supplier, consumer, token):
    data = bytes.fromhex(round_hex) + id_bytes(supplier) + id_bytes(consumer) + token
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def hits_hash(round_hex, supplier, consumer, tokens):
    data = bytes.fromhex(round_hex) + id_bytes(supplier) + id_bytes(consumer) + b"".join(tokens)
    return hashlib.sha256(data).hexdigest()


def candidates(entries):
    """candidate id -> (index of its pair_matched entry, supplier, consumer)."""
    out = {}
    for i, e in enumerate(entries):
        if e["kind"] == "pair_matched":
            for c in e["candidates"]:
                out[c["id"]] = (i, e["supplier"], e["consumer"])
    return out


def fix_pair(e):
    """Make a pair_matched entry self-consistent again after its candidate list changed."""
    e["candidates"].sort(key=lambda c: c["token"])
    e["count"] = len(e["candidates"])
    tokens = [bytes.fromhex(c["token"]) for c in e["candidates"]]
    e["hits_hash"] = hits_hash(e["round"], e["supplier"], e["consumer"], tokens)


def adjust_expired(entries, round_hex, delta):
    for e in entries:
        if e["kind"] == "round_ended" and e["round"] == round_hex:
            e["expired"] += delta


def flip_byte(d):
    lines = read_lines(d)
    i = len(lines) // 2
    line = lines[i]
    # A digit inside a hex value: the entry stays well-formed JSON, only its bytes change.
    for key in (b'"round":"', b'"fingerprint":"', b'"id":"'):
        start = line.find(key)
        if start >= 0:
            break
    else:
        fail("no hex field in entry %d" % i)
    pos = start + len(key) + 4
    old = line[pos:pos + 1]
    new = b"0" if old != b"0" else b"1"
    lines[i] = line[:pos] + new + line[pos + 1:]
    write_lines(d, lines)
    print("entry %d: byte %d %s -> %s" % (i, pos, old.decode(), new.decode()))


def delete_entry(d):
    lines = read_lines(d)
    i = len(lines) // 2
    del lines[i]
    write_lines(d, lines)
    print("deleted entry %d" % i)


def swap(d):
    lines = read_lines(d)
    i = len(lines) // 2
    while i + 1 < len(lines) and lines[i] == lines[i + 1]:
        i += 1
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    write_lines(d, lines)
    print("swapped entries %d and %d" % (i, i + 1))


def truncate(d):
    path = os.path.join(d, "entries.jsonl")
    lines = read_lines(d)
    size = os.path.getsize(path)
    cut = size - 1 - len(lines[-1]) // 2
    with open(path, "r+b") as f:
        f.truncate(cut)
    print("truncated to %d of %d bytes" % (cut, size))


def checkpoint_bad_sig(d):
    path = os.path.join(d, "checkpoint")
    with open(path, "rb") as f:
        text = f.read()
    head, _, sig = text.rstrip(b"\n").rpartition(b" ")
    raw = bytearray(base64.b64decode(sig, validate=True))
    raw[20] ^= 0x01  # inside the Ed25519 signature, after the 4-byte key id
    with open(path, "wb") as f:
        f.write(head + b" " + base64.b64encode(bytes(raw)) + b"\n")
    print("flipped a bit of the checkpoint's signature")


def consent_other_member(d):
    entries = load(d)
    cands = candidates(entries)
    for i, e in enumerate(entries):
        if e["kind"] == "consent" and e["accept"]:
            _, sup, con = cands[e["candidate"]]
            other = con if e["member"] == sup else sup
            print("entry %d: consent of %s rewritten as %s's" % (i, e["member"], other))
            e["member"] = other
            save(d, entries)
            return
    fail("no accepting consent")


def publish_edit(d, want_accept, has_publish, cls):
    entries = load(d)
    for i, e in enumerate(entries):
        if e["kind"] == "consent" and e["accept"] == want_accept and ("publish" in e) == has_publish:
            print("entry %d: %s's consent now publishes %s" % (i, e["member"], cls))
            e["publish"] = cls
            save(d, entries)
            return
    fail("no such consent")


def publish_added(d):
    publish_edit(d, True, False, "material.ash")


def publish_changed(d):
    publish_edit(d, True, True, "water.cooling")


def publish_on_decline(d):
    publish_edit(d, False, False, "material.ash")


def before_release(entries, kind, accept_only):
    """(k, x): the first `kind` entry of a released candidate, before its release."""
    for i, e in enumerate(entries):
        if e["kind"] != "release":
            continue
        for k in range(i):
            x = entries[k]
            if x["kind"] == kind and x["candidate"] == e["candidate"] and (
                    not accept_only or x["accept"]):
                return k, x
    fail("no release")


def release_one_accept(d):
    entries = load(d)
    k, x = before_release(entries, "consent", True)
    # The deposits go too, or the deposit rule would object first.
    del entries[k]
    entries = [y for y in entries if not (y["kind"] == "deposit" and y["candidate"] == x["candidate"])]
    save(d, entries)
    print("deleted entry %d, %s's accept of %s" % (k, x["member"], x["candidate"]))


def release_one_deposit(d):
    entries = load(d)
    k, x = before_release(entries, "deposit", False)
    del entries[k]
    save(d, entries)
    print("deleted entry %d, %s's deposit for %s" % (k, x["member"], x["candidate"]))


def deposit_before_agreement(d):
    entries = load(d)
    for i, e in enumerate(entries):
        if e["kind"] != "deposit":
            continue
        for k in range(i):
            x = entries[k]
            if x["kind"] == "consent" and x["candidate"] == e["candidate"] and x["accept"]:
                entries.insert(k, entries.pop(i))
                save(d, entries)
                print("moved %s's deposit for %s before an accept" % (e["member"], e["candidate"]))
                return
    fail("no deposit")


def submission_after_close(d):
    entries = load(d)
    for c, e in enumerate(entries):
        if e["kind"] != "round_closed":
            continue
        subs = [k for k in range(c) if entries[k]["kind"] == "submission" and
                entries[k]["round"] == e["round"]]
        if not subs:
            continue
        s = subs[-1]
        moved = entries.pop(s)
        entries.insert(c, moved)  # round_closed moved up to c - 1: this is just after it
        save(d, entries)
        print("moved %s's submission from entry %d to %d" % (moved["member"], s, c))
        return
    fail("no round_closed after a submission")


def hide_candidate(d):
    entries = load(d)
    released = [e["candidate"] for e in entries if e["kind"] == "release"]
    if not released:
        fail("no release")
    cid = released[0]
    pi, sup, con = candidates(entries)[cid]
    pair = entries[pi]
    pair["candidates"] = [c for c in pair["candidates"] if c["id"] != cid]
    fix_pair(pair)
    keep = []
    for i, e in enumerate(entries):
        if i == pi and not pair["candidates"]:
            continue  # pairs without hits have no entry
        if e["kind"] in ("consent", "deposit", "release") and e["candidate"] == cid:
            continue
        keep.append(e)
    save(d, keep)
    print(cid)


def invent_candidate(d):
    entries = load(d)
    for e in entries:
        if e["kind"] != "pair_matched":
            continue
        token = os.urandom(8)
        cid = candidate_id(e["round"], e["supplier"], e["consumer"], token)
        e["candidates"].append({"id": cid, "token": token.hex()})
        fix_pair(e)
        adjust_expired(entries, e["round"], 1)  # nobody answers it: it would expire
        save(d, entries)
        print(cid)
        return
    fail("no pair_matched")


def alter_batch(d):
    bdir = os.path.join(d, "batches")
    for name in sorted(os.listdir(bdir)):
        path = os.path.join(bdir, name)
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")[:-1]
        for i, line in enumerate(lines):
            b = json.loads(line)
            offers = base64.b64decode(b["offers"], validate=True)
            if len(offers) < 16:
                continue
            b["offers"] = base64.b64encode(offers[:-8]).decode("ascii")
            lines[i] = dump(b).encode("utf-8")
            with open(path, "wb") as f:
                f.write(b"".join(x + b"\n" for x in lines))
            print(name[:-len(".jsonl")], b["submitter"], b["counterpart"])
            return
    fail("no batch with two offered tokens")


def edges(d):
    entries = load(d)
    cands = candidates(entries)
    count = {}
    for e in entries:
        if e["kind"] == "release":
            _, sup, con = cands[e["candidate"]]
            count[(sup, con)] = count.get((sup, con), 0) + 1
    for (sup, con), n in sorted(count.items()):
        print(sup, con, n)


MODES = {
    "flip-byte": flip_byte,
    "delete-entry": delete_entry,
    "swap": swap,
    "truncate": truncate,
    "checkpoint-bad-sig": checkpoint_bad_sig,
    "consent-other-member": consent_other_member,
    "release-one-accept": release_one_accept,
    "release-one-deposit": release_one_deposit,
    "deposit-before-agreement": deposit_before_agreement,
    "submission-after-close": submission_after_close,
    "hide-candidate": hide_candidate,
    "invent-candidate": invent_candidate,
    "alter-batch": alter_batch,
    "publish-added": publish_added,
    "publish-changed": publish_changed,
    "publish-on-decline": publish_on_decline,
    "edges": edges,
}

if len(sys.argv) != 3 or sys.argv[1] not in MODES:
    fail("usage: audit_tamper.py MODE EXPORT_DIR; modes: " + ", ".join(MODES))
MODES[sys.argv[1]](sys.argv[2])
