#!/usr/bin/env bash
# The client's pair-secret cache (client/paircache.c) through the real CLI
# and a real daemon: a submission with a cold cache writes STATE/paircache
# (0600); the next one, from the warm cache, does not rewrite it and sends
# batches with exactly the digests of the cold one, counterpart by
# counterpart (each stored commitment recomputed from its own batches). A
# cache file changed in one byte, cut short, or replaced by garbage never
# breaks `symbi submit`: it is ignored with one warning and rewritten, and
# the batches are still the same. `symbi status` fills it for the directory's
# members, so a submission after it computes no pair secret.
# usage: paircache.sh BINDIR PARK_FOLDER
BIN=$1
SC=$2
. "$(dirname "$0")/lib.sh"

P=$T/park
park_of_folder "$P" "$SC" "Pair cache"
read -r A B < <(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1])))[:2]))' "$SC/companies.json")
ST=$T/st-$A
CACHE=$ST/paircache
sum() { sha256sum "$CACHE" | cut -d' ' -f1; }

# The latest committed submission of A: its batches (counterpart digest, in
# counterpart order) after checking that its commitment is the one over them.
digests() {
	python3 - "$P/symbiod.db" "$A" <<'EOF'
import hashlib, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
sid, rnd, com = db.execute(
    "SELECT id, round, commitment FROM submissions WHERE member = ? AND state = 1 "
    "ORDER BY committed_ms DESC, rowid DESC LIMIT 1", (sys.argv[2],)).fetchone()
rows = db.execute("SELECT counterpart, digest FROM batches WHERE submission = ? ORDER BY seq",
                  (sid,)).fetchall()
h = hashlib.sha256(b"symbiod-submission-v1\0" + rnd + sid + struct.pack(">I", len(rows)))
for _, d in rows:
    h.update(d)
if h.digest() != com or not rows:
    sys.exit("the stored commitment is not the one over the stored batches")
for c, d in sorted(rows):
    print(c, d.hex())
EOF
}

expect_rc 0 "round open" -- "$BIN/symbiod" round open --dir "$P"
rm -f "$CACHE"
expect_rc 0 "submit $A with a cold cache" -- "$BIN/symbi" submit --dir "$ST" "$SC/$A.json"
[ "$(stat -c %a "$CACHE" 2>/dev/null)" = 600 ] && ok "  ... STATE/paircache written, 0600" || bad "no 0600 $CACHE"
digests >"$T/cold" && [ -s "$T/cold" ] && ok "  ... the commitment is over the stored batches" || bad "cold batches: $(cat "$T/cold")"
before=$(sum)
expect_rc 0 "submit $A again, from the warm cache" -- "$BIN/symbi" submit --dir "$ST" "$SC/$A.json"
[ "$(sum)" = "$before" ] && ok "  ... the cache is not rewritten (every secret a hit)" || bad "the warm run rewrote the cache"
digests >"$T/warm" && cmp -s "$T/cold" "$T/warm" && ok "  ... the same batch digests as the cold run ($(wc -l <"$T/cold") counterparts)" || bad "warm batches differ: $(diff "$T/cold" "$T/warm" | head -5)"
grep -q "paircache" "$T/err" && bad "a warning from a good cache: $(cat "$T/err")" || ok "  ... and no warning"

# A damaged cache: ignored with one warning, the same batches, the file rebuilt.
damage() {
	expect_rc 0 "submit with $1" -- "$BIN/symbi" submit --dir "$ST" "$SC/$A.json"
	[ "$(grep -c "paircache" "$T/err")" = 1 ] && ok "  ... one warning naming the file" || bad "warnings: $(cat "$T/err")"
	digests >"$T/again" && cmp -s "$T/cold" "$T/again" && ok "  ... the same batch digests" || bad "batches differ after $1"
	[ "$(sum)" != "$2" ] && ok "  ... the cache rebuilt" || bad "the damaged cache was kept"
}
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=1; open(p,"wb").write(b)' "$CACHE"
damage "a cache changed in one byte" "$(sum)"
python3 -c 'import sys; p=sys.argv[1]; b=open(p,"rb").read(); open(p,"wb").write(b[:len(b)-40])' "$CACHE"
damage "a cache cut short" "$(sum)"
head -c 5000 /dev/urandom >"$CACHE"
damage "a cache of random bytes" "$(sum)"
rebuilt=$(sum)
expect_rc 0 "submit once more" -- "$BIN/symbi" submit --dir "$ST" "$SC/$A.json"
[ "$(sum)" = "$rebuilt" ] && ok "  ... from the rebuilt cache (not rewritten)" || bad "the rebuilt cache was not used"

# Another company's cache in A's STATE (another own key): a miss, no warning, rewritten.
expect_rc 0 "submit $B (its own cache)" -- "$BIN/symbi" submit --dir "$T/st-$B" "$SC/$B.json"
cp "$T/st-$B/paircache" "$CACHE"
other=$(sum)
expect_rc 0 "submit with $B's cache in $A's STATE" -- "$BIN/symbi" submit --dir "$ST" "$SC/$A.json"
grep -q "paircache" "$T/err" && bad "warned about another company's cache: $(cat "$T/err")" || ok "  ... not used, no warning"
digests >"$T/again" && cmp -s "$T/cold" "$T/again" && ok "  ... the same batch digests" || bad "batches differ with another's cache"
[ "$(sum)" != "$other" ] && ok "  ... and the cache written for $A" || bad "another company's cache kept"

# `symbi status` checks the directory and fills the cache for its members, as
# it fills the certificate cache: the next submission finds it warm.
rm -f "$CACHE"
expect_rc 0 "status with no cache" -- "$BIN/symbi" status --dir "$ST"
[ "$(stat -c %a "$CACHE" 2>/dev/null)" = 600 ] && ok "  ... STATE/paircache written, 0600" || bad "status wrote no $CACHE"
filled=$(sum)
expect_rc 0 "submit after status" -- "$BIN/symbi" submit --dir "$ST" "$SC/$A.json"
[ "$(sum)" = "$filled" ] && ok "  ... every secret a hit (the cache not rewritten)" || bad "status left secrets to compute"
digests >"$T/again" && cmp -s "$T/cold" "$T/again" && ok "  ... the same batch digests" || bad "batches differ after status filled the cache"
finish
