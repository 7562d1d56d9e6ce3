#!/usr/bin/env bash
# A coordinator that lies about a candidate (PROTOCOL.md 1.1, item 9), through
# the real CLI against a real daemon: after the matching, the operator edits
# the store so that one candidate's id no longer is the id its round,
# supplier, consumer and token give. Both sides' `symbi candidates` report it
# as a mismatch (exit 76, loud on stderr, "check": "mismatch" in --json, its
# state unchanged), `symbi accept` never accepts it, by id or with --all, and
# the honest candidates are unaffected. On a terminal, `accept --all` lists the
# counterparts and candidates and asks; answered no, it accepts nothing.
# usage: lying.sh BINDIR SCENARIO_DIR
BIN=$1
SC=$2
. "$(dirname "$0")/lib.sh"

P=$T/park
new_park "$P" "Lying $(basename "$SC")" || { echo "cannot create park"; exit 1; }
ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")
for c in $ids; do
	join "$P" "$T/st-$c" "$c" "$c" || { echo "cannot enroll $c"; exit 1; }
done
start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }
expect_rc 0 "round open" -- "$BIN/symbiod" round open --dir "$P"
for c in $ids; do
	expect_rc 0 "submit $c" -- "$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json"
done
expect_rc 0 "round close (runs the matching)" -- "$BIN/symbiod" round close --dir "$P"

# The first company with a candidate supplies the one the coordinator will forge.
SUP=
for c in $ids; do
	expect_rc 0 "$c's candidates all check ok" -- "$BIN/symbi" candidates --dir "$T/st-$c" --json
	cp "$T/out" "$T/cand-$c.json"
	python3 -c 'import json,sys; assert all(x["check"] == "ok" for x in json.load(open(sys.argv[1])))' "$T/cand-$c.json" ||
		bad "  ... $c: $(cat "$T/cand-$c.json")"
	if [ -z "$SUP" ]; then
		read -r SUP CON FORGED < <(python3 -c 'import json,sys
x = [x for x in json.load(open(sys.argv[1])) if x["role"] == "supplier"]
if x: print(sys.argv[2], x[0]["counterpart"], x[0]["id"])' "$T/cand-$c.json" "$c")
	fi
done
[ -n "$SUP" ] || { bad "no candidate to forge"; finish; exit 1; }
echo "forging $FORGED ($SUP -> $CON)"

# The lie: the stopped coordinator's store gets a candidate id that does not recompute.
stop_daemon TERM || bad "daemon exit $?"
NEW=$(python3 - "$P/symbiod.db" "$FORGED" <<'PY'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
new = os.urandom(16)
n = db.execute("UPDATE candidates SET id = ? WHERE id = ?", (new, bytes.fromhex(sys.argv[2]))).rowcount
db.commit()
print(new.hex() if n == 1 else "")
PY
)
[ -n "$NEW" ] && ok "the store now holds forged candidate $NEW" || { bad "cannot forge"; finish; exit 1; }
READY_COUNT=2 start_daemon "$P" || { bad "daemon did not restart"; cat "$T/daemon.log"; finish; exit 1; }

for c in "$SUP" "$CON"; do
	expect_rc 76 "$c: symbi candidates reports the forged candidate" -- "$BIN/symbi" candidates --dir "$T/st-$c" --json
	python3 -c 'import json,sys
got = {x["id"]: x for x in json.load(open(sys.argv[1]))}
f = got[sys.argv[2]]
assert f["check"] == "mismatch" and f["state"] == "pending", f
assert all(x["check"] == "ok" for i, x in got.items() if i != sys.argv[2])' "$T/out" "$NEW" &&
		ok "  ... as \"check\": \"mismatch\", state unchanged, the others ok" || bad "  ... candidates: $(cat "$T/out")"
	expect_grep "$T/err" "MISMATCH: candidate $NEW" "  ... loudly on stderr"
	expect_rc 76 "$c: the table form too" -- "$BIN/symbi" candidates --dir "$T/st-$c"
	expect_grep "$T/out" "$NEW" "  ... which still lists it"
done
# On a terminal, accept --all lists and asks; anything but yes accepts nothing.
cat >"$T/answer_no.py" <<'PY'
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
def more():
    global out
    r, _, _ = select.select([fd], [], [], 30)
    if not r:
        return False
    try:
        d = os.read(fd, 4096)
    except OSError:
        return False
    out += d
    return bool(d)
while b"[y/N]" not in out and more():
    pass
os.write(fd, b"n\n")
while more():
    pass
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(st))
PY
expect_rc 76 "$CON: accept --all on a terminal, answered no (the forged candidate still makes it 76)" -- \
	python3 "$T/answer_no.py" "$BIN/symbi" accept --dir "$T/st-$CON" --all
expect_grep "$T/out" "symbi accept: --all accepts [0-9]+ candidate" "  ... it listed the candidates"
expect_grep "$T/out" "^  with [a-z-]+:" "  ... by counterpart"
expect_grep "$T/out" "Accept them\? \[y/N\]" "  ... and asked"
expect_grep "$T/out" "nothing accepted" "  ... and, answered no, accepted nothing"
"$BIN/symbi" candidates --dir "$T/st-$CON" --json >"$T/cand.json" 2>/dev/null
python3 -c 'import json,sys; assert all(x["state"] == "pending" for x in json.load(open(sys.argv[1])))' "$T/cand.json" &&
	ok "  ... every candidate of $CON is still pending" || bad "states after no: $(cat "$T/cand.json")"
expect_rc 76 "$SUP: accepting the forged candidate by id is refused" -- "$BIN/symbi" accept --dir "$T/st-$SUP" --yes "$NEW"
expect_grep "$T/err" "$NEW: a forged candidate; skipped" "  ... saying why"
expect_rc 76 "$CON: accept --all --yes accepts the rest but not the forged one" -- "$BIN/symbi" accept --dir "$T/st-$CON" --all --yes
expect_grep "$T/err" "symbi accept: --all accepts" "  ... after listing what it accepts"
if grep -q "$NEW" "$T/out"; then bad "  ... it printed the forged candidate as answered: $(cat "$T/out")"; else ok "  ... the forged one is not answered"; fi
"$BIN/symbi" candidates --dir "$T/st-$CON" --json >"$T/cand.json" 2>/dev/null
python3 -c 'import json,sys
got = json.load(open(sys.argv[1]))
assert [x["state"] for x in got if x["id"] == sys.argv[2]] == ["pending"]
assert all(x["state"] in ("accepted", "agreed", "declined") for x in got if x["id"] != sys.argv[2])' "$T/cand.json" "$NEW" &&
	ok "the forged candidate stays pending; the honest ones were accepted" || bad "states: $(cat "$T/cand.json")"

# A coordinator that calls "agreed" a candidate this company declined gets no
# item of it: the client deposits only what it accepted itself.
read -r DX DID DROLE < <(python3 - "$T" "$FORGED" $ids <<'PY'
import json, os, sys
t, forged, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
for c in ids:
	for x in json.load(open(os.path.join(t, "cand-%s.json" % c))):
		if x["id"] != forged:
			print(c, x["id"], x["role"]); sys.exit(0)
PY
)
if [ -n "$DID" ]; then
	expect_rc 0 "$DX declines $DID" -- "$BIN/symbi" decline --dir "$T/st-$DX" "$DID"
	stop_daemon TERM || bad "daemon exit $?"
	python3 - "$P/symbiod.db" "$DID" <<'PY' && ok "the store now calls the declined $DID agreed" || bad "cannot rewrite $DID"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("UPDATE candidates SET state = 1, supplier_state = 1, consumer_state = 1 WHERE id = ?",
               (bytes.fromhex(sys.argv[2]),)).rowcount
db.commit()
sys.exit(0 if n == 1 else 1)
PY
	READY_COUNT=3 start_daemon "$P" || { bad "daemon did not restart"; finish; exit 1; }
	"$BIN/symbi" exchanges --dir "$T/st-$DX" --json >"$T/out" 2>"$T/err"
	python3 - "$P/symbiod.db" "$DID" "$DROLE" <<'PY' && ok "  ... $DX deposited nothing for it" || bad "  ... $DX deposited its item for a candidate it declined"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
side = "supplier" if sys.argv[3] == "supplier" else "consumer"
row = db.execute("SELECT %s_deposit, %s_envelope FROM candidates WHERE id = ?" % (side, side),
                 (bytes.fromhex(sys.argv[2]),)).fetchone()
sys.exit(0 if row is not None and row[0] is None and row[1] is None else 1)
PY
else
	bad "no honest candidate to play the declined-then-agreed lie on"
fi

stop_daemon TERM && ok "daemon stops with exit 0" || bad "daemon exit $?"
finish
