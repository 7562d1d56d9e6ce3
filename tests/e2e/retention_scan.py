#!/usr/bin/env python3
"""Token retention checks for retention.sh (python3 stdlib only).

  tokens EXPORT ROUND OUT   the round's tokens from EXPORT/batches/ROUND.jsonl
                            (offers and needs, 8 bytes each), minus the
                            candidate tokens the log keeps (pair_matched
                            entries of that round), one hex token a line in
                            OUT; prints "<tokens> <candidates excluded>"
  scan DIR TOKENS           every file under DIR (database, -wal, -shm, keys,
                            anything) byte by byte at every offset: prints
                            "<found> <tokens>" and, for each file holding any,
                            "<file> <count>"
  modes DIR                 "<octal mode> <relative path>" of DIR and
                            everything in it, sorted
"""
import base64
import json
import os
import stat
import sys

TOKEN = 8


def tokens(export, rnd, out):
    cands = set()
    with open(os.path.join(export, "entries.jsonl"), "rb") as f:
        for line in f:
            e = json.loads(line)
            if e.get("kind") == "pair_matched" and e.get("round") == rnd:
                for c in e["candidates"]:
                    cands.add(bytes.fromhex(c["token"]))
    toks = set()
    with open(os.path.join(export, "batches", rnd + ".jsonl"), "rb") as f:
        for line in f:
            b = json.loads(line)
            for key in ("offers", "needs"):
                raw = base64.b64decode(b[key])
                assert len(raw) % TOKEN == 0, "a set is not a whole number of tokens"
                for i in range(0, len(raw), TOKEN):
                    toks.add(raw[i:i + TOKEN])
    kept = toks - cands
    with open(out, "w") as f:
        for t in sorted(kept):
            f.write(t.hex() + "\n")
    print(len(kept), len(toks & cands))


def scan(top, tokfile):
    want = {bytes.fromhex(l.strip()) for l in open(tokfile) if l.strip()}
    # A 4-byte prefix filter keeps the slide over every offset cheap.
    prefixes = {t[:4] for t in want}
    found = set()
    per_file = []
    for root, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                continue
            with open(path, "rb") as f:
                data = f.read()
            hits = set()
            for i in range(len(data) - TOKEN + 1):
                if data[i:i + 4] in prefixes and data[i:i + TOKEN] in want:
                    hits.add(data[i:i + TOKEN])
            if hits:
                per_file.append((os.path.relpath(path, top), len(hits)))
            found |= hits
    print(len(found), len(want))
    for path, n in per_file:
        print(path, n)


def modes(top):
    rows = []
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(root, name)
            rows.append("%o %s" % (stat.S_IMODE(os.lstat(path).st_mode), os.path.relpath(path, top)))
    rows.append("%o ." % stat.S_IMODE(os.lstat(top).st_mode))
    print("\n".join(sorted(rows, key=lambda r: r.split(" ", 1)[1])))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "tokens":
        tokens(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "scan":
        scan(sys.argv[2], sys.argv[3])
    elif cmd == "modes":
        modes(sys.argv[2])
    else:
        sys.exit("unknown command " + cmd)
