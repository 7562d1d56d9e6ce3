#!/usr/bin/env bash
# The client's certificate cache (client/certcache.c) against a lying
# coordinator, through the real CLI and a real daemon: after a submission has
# filled STATE/certcache (0600), the operator edits the store so that the
# directory shows a counterpart's record with another X25519 key beside its
# unchanged certificate, then with another member's certificate. With the
# warm cache, `symbi submit` refuses both exactly as a full check does (exit
# 76, naming the record) and sends nothing; the cache is not changed by a
# refused directory. A cache file changed by one byte is ignored (every
# certificate checked in full again) and rewritten. The company's own
# certificate, taken from the cache, is refused when swapped for another
# member's, and a CA with another key in park.json is checked in full.
# usage: certcache.sh BINDIR PARK_FOLDER
BIN=$1
SC=$2
. "$(dirname "$0")/lib.sh"

P=$T/park
park_of_folder "$P" "$SC" "Certificate cache"
read -r A B C < <(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1])))[:3]))' "$SC/companies.json")
CACHE=$T/st-$A/certcache
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$P/symbiod.db" "$1"; }
sum() { sha256sum "$CACHE" | cut -d' ' -f1; }
staged() {
	python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM submissions WHERE member = ?", (sys.argv[2],)).fetchone()[0])' "$P/symbiod.db" "$A"
}

expect_rc 0 "round open" -- "$BIN/symbiod" round open --dir "$P"
expect_rc 0 "submit $A (fills its certificate cache)" -- "$BIN/symbi" submit --dir "$T/st-$A" "$SC/$A.json"
[ "$(stat -c %a "$CACHE" 2>/dev/null)" = 600 ] && ok "  ... STATE/certcache written, 0600" || bad "no 0600 $CACHE"
before=$(sum)
expect_rc 0 "submit $A again (the directory from the cache)" -- "$BIN/symbi" submit --dir "$T/st-$A" "$SC/$A.json"
[ "$(sum)" = "$before" ] && ok "  ... the cache is unchanged (every certificate a hit)" || bad "the cache changed on a second run"
subs=$(staged)

# The lie: B's record shows another X25519 key; its certificate (and so the directory hash) is unchanged.
X_B=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT hex(x25519) FROM members WHERE id = ?", (sys.argv[2],)).fetchone()[0])' "$P/symbiod.db" "$B")
sql "UPDATE members SET x25519 = randomblob(32) WHERE id = '$B'"
expect_rc 76 "a changed record beside a cached certificate is refused" -- "$BIN/symbi" submit --dir "$T/st-$A" "$SC/$A.json"
expect_grep "$T/err" "member record \"$B\" does not match its certificate" "  ... naming the record, as a full check does"
[ "$(staged)" = "$subs" ] && ok "  ... and nothing was sent" || bad "a submission began after the refusal"
[ "$(sum)" = "$before" ] && ok "  ... the cache is unchanged by a refused directory" || bad "the cache changed after a refusal"
sql "UPDATE members SET x25519 = x'$X_B' WHERE id = '$B'"

# Another lie: B's entry carries C's certificate (a certificate the cache knows, for another id).
CERT_B=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT hex(cert) FROM members WHERE id = ?", (sys.argv[2],)).fetchone()[0])' "$P/symbiod.db" "$B")
sql "UPDATE members SET cert = (SELECT cert FROM members WHERE id = '$C') WHERE id = '$B'"
expect_rc 76 "another member's (cached) certificate in a record is refused" -- "$BIN/symbi" submit --dir "$T/st-$A" "$SC/$A.json"
expect_grep "$T/err" "member record \"$B\" does not match its certificate|does not hash to the one the round announced" "  ... and named"
sql "UPDATE members SET cert = x'$CERT_B' WHERE id = '$B'"
expect_rc 0 "the honest directory again: submit $A" -- "$BIN/symbi" submit --dir "$T/st-$A" "$SC/$A.json"

# One changed byte: the cache is not ours any more; the full check runs and writes it anew.
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[100]^=1; open(p,"wb").write(b)' "$CACHE"
damaged=$(sum)
expect_rc 0 "submit with a cache file changed by one byte (ignored: full check)" -- "$BIN/symbi" submit --dir "$T/st-$A" "$SC/$A.json"
again=$(sum)
[ "$again" != "$damaged" ] && ok "  ... and the cache is written anew" || bad "the damaged cache was kept"
expect_rc 0 "submit once more" -- "$BIN/symbi" submit --dir "$T/st-$A" "$SC/$A.json"
[ "$(sum)" = "$again" ] && ok "  ... from the new cache (unchanged: every certificate a hit)" || bad "the new cache was not used"

# The company's own certificate comes from the cache too (no X.509 work in a run without a
# directory), with the same answers as a full check. A member.crt swapped for B's certificate,
# which A's cache vouches for, is B's record: refused.
cp "$T/st-$A/member.crt" "$T/own.crt"
cp "$T/st-$B/member.crt" "$T/st-$A/member.crt"
expect_rc 65 "$A's member.crt swapped for $B's (a cached certificate) is refused" -- \
	"$BIN/symbi" status --dir "$T/st-$A"
expect_grep "$T/err" "the certificate is for \"$B\" with other keys" "  ... naming whose it is, as a full check does"
# A member.crt that is no certificate at all is refused, naming the file.
printf 'not a certificate\n' >"$T/st-$A/member.crt"
expect_rc 65 "$A's member.crt replaced by text is refused" -- "$BIN/symbi" status --dir "$T/st-$A"
expect_grep "$T/err" "member.crt: not a certificate" "  ... naming the file"
cp "$T/own.crt" "$T/st-$A/member.crt"
# A CA in park.json with another public key (its PEM still decodes): the caches are bound to
# the CA's bytes, so nothing is taken from them and the full check refuses A's certificate.
cp "$T/st-$A/park.json" "$T/park.json.orig"
python3 - "$T/st-$A/park.json" <<'PY'
import base64, json, sys
p = sys.argv[1]
d = json.load(open(p))
lines = d["ca_certificate"].strip().split("\n")
der = bytearray(base64.b64decode("".join(lines[1:-1])))
at = der.index(b"\x06\x03\x2b\x65\x70\x03\x21\x00") + 8  # the Ed25519 public key
der[at + 5] ^= 1
b64 = base64.b64encode(bytes(der)).decode()
d["ca_certificate"] = "\n".join([lines[0]] + [b64[i:i + 64] for i in range(0, len(b64), 64)] + [lines[-1]]) + "\n"
json.dump(d, open(p, "w"))
PY
expect_rc 65 "a CA with another key in park.json: $A's certificate is checked in full and refused" -- \
	"$BIN/symbi" status --dir "$T/st-$A"
expect_grep "$T/err" "the park CA certificate is not validly self-signed" "  ... by the full check of the CA"
cp "$T/park.json.orig" "$T/st-$A/park.json"
expect_rc 0 "the honest state again: status" -- "$BIN/symbi" status --dir "$T/st-$A"
finish
