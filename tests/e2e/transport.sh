#!/usr/bin/env bash
# Enrolment and authenticated transport against a real `symbiod run` on loopback.
# usage: transport.sh BINDIR
BIN=$1
. "$(dirname "$0")/lib.sh"

P=$T/park
new_park "$P" "Transport Test Park" || { echo "cannot create park"; exit 1; }
join "$P" "$T/acme" acme "ACME Steel" || { echo "cannot enroll acme"; exit 1; }
join "$P" "$T/beta" beta "Beta Chemicals" || { echo "cannot enroll beta"; exit 1; }
"$BIN/symbi" init --dir "$T/stranger" --park "$P/park.json" --id stranger --name "Stranger" 2>/dev/null

# Key files are 0600 in 0700 directories, on both sides.
for f in "$P"/keys/*.key "$T"/acme/*.key; do
	m=$(stat -c %a "$f")
	[ "$m" = 600 ] && ok "$(basename "$(dirname "$f")")/$(basename "$f") is 0600" || bad "$f is $m"
done
for d in "$P" "$P/keys" "$T/acme"; do
	m=$(stat -c %a "$d")
	[ "$m" = 700 ] && ok "$(basename "$d")/ is 0700" || bad "$d is $m"
done

# The daemon refuses to start on a key file others can read.
chmod 644 "$P/keys/curve.key"
expect_rc 77 "daemon refuses a world-readable key file" -- "$BIN/symbiod" run --dir "$P"
expect_grep "$T/err" "readable by group or others" "  ... and says which file"
chmod 600 "$P/keys/curve.key"

# Members listing, offline.
expect_rc 0 "members --json lists both" -- "$BIN/symbiod" members --dir "$P" --json
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert [x["id"] for x in m]==["acme","beta"] and all(x["status"]=="active" for x in m)' "$T/out" && ok "  ... as active, in id order" || bad "members json: $(cat "$T/out")"

# No daemon yet: clear errors.
expect_rc 69 "status with the daemon down" -- "$BIN/symbi" status --dir "$T/acme" --timeout 500
expect_grep "$T/err" "cannot reach the coordinator" "  ... says it cannot reach it"
expect_rc 69 "operator status with the daemon down" -- "$BIN/symbiod" status --dir "$P"
expect_grep "$T/err" "not running" "  ... says the daemon is not running"

start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }

expect_rc 0 "a member's status succeeds" -- "$BIN/symbi" status --dir "$T/acme" --json
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["member"]["id"]=="acme" and s["park"]["name"]=="Transport Test Park" and s["round"]["phase"]=="none" and s["directory"]["members"]==2' "$T/out" && ok "  ... shows the park, the member and the round phase" || bad "status json: $(cat "$T/out")"

expect_rc 77 "a stranger (initialised, never enrolled) stops locally" -- "$BIN/symbi" status --dir "$T/stranger"
expect_rc 1 "a stranger forcing a session is refused at the handshake" -- "$BIN/symbi-probe" status --dir "$T/stranger"
expect_grep "$T/out" "refused this company's key" "  ... by the ZAP handler"

expect_rc 0 "probe: a well-formed request works" -- "$BIN/symbi-probe" status --dir "$T/acme"
expect_grep "$T/out" '"status": 0' "  ... status 0"
expect_rc 0 "probe: forged signature" -- "$BIN/symbi-probe" forged --dir "$T/acme"
expect_grep "$T/out" '"status": 401' "  ... refused 401"
expect_rc 0 "probe: header altered after signing" -- "$BIN/symbi-probe" altered --dir "$T/acme"
expect_grep "$T/out" '"status": 401' "  ... refused 401"
expect_rc 0 "probe: signed as another member" -- "$BIN/symbi-probe" signer --dir "$T/acme" --as beta
expect_grep "$T/out" '"status": 401.*signer does not match' "  ... refused 401"
expect_rc 0 "probe: replayed request" -- "$BIN/symbi-probe" replay --dir "$T/acme"
expect_grep "$T/out" '"note": "first"' "  ... the first copy is served"
sed -n 2p "$T/out" | grep -q '"status": 409.*"replayed": true' && ok "  ... the replay is refused 409" || bad "replay: $(cat "$T/out")"
expect_rc 0 "probe: stale timestamp" -- "$BIN/symbi-probe" stale --dir "$T/acme"
expect_grep "$T/out" '"status": 409' "  ... refused 409"
expect_rc 0 "probe: garbage bytes" -- "$BIN/symbi-probe" garbage --dir "$T/acme"
expect_grep "$T/out" '"status": 400' "  ... refused 400"
expect_rc 1 "probe: oversize message is dropped by the transport" -- "$BIN/symbi-probe" oversize --dir "$T/acme"
expect_rc 0 "the daemon keeps serving after garbage and oversize" -- "$BIN/symbi" status --dir "$T/beta"

# Wrong coordinator key in park.json: the handshake fails with a clear reason.
cp -r "$T/acme" "$T/acme-wrongkey"
python3 - "$T/acme-wrongkey/park.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); p["coordinator"]["curve"] = "11" * 32
json.dump(p, open(sys.argv[1], "w"))
PY
expect_rc 76 "a wrong coordinator key in park.json" -- "$BIN/symbi" status --dir "$T/acme-wrongkey" --timeout 1000
expect_grep "$T/err" "does not match" "  ... is explained"

# A forged certificate (from another park's CA) cannot be installed.
new_park "$T/park2" "Other Park"
"$BIN/symbiod" enroll --dir "$T/park2" --csr "$T/stranger/request.csr" --out "$T/s2.crt" 2>/dev/null
expect_rc 65 "a certificate from another park is refused" -- "$BIN/symbi" enroll --dir "$T/stranger" --cert "$T/s2.crt"

# Protocol 1.1, repair 8: every signature is bound to the park. acme, with its
# own enrolled key, signs a request for another park and presents it here.
expect_rc 0 "probe: a request signed for another park" -- "$BIN/symbi-probe" otherpark --dir "$T/acme" --park "$T/park2/park.json"
expect_grep "$T/out" '"status": 401' "  ... refused 401"
expect_rc 0 "probe: the same request signed for this park" -- "$BIN/symbi-probe" otherpark --dir "$T/acme" --park "$P/park.json"
expect_grep "$T/out" '"status": 0' "  ... is served: only the park differs"

# Repair 5: a low-order key is refused at enrolment, naming the key.
for k in x25519 curve; do
	"$BIN/symbi-forge" weak-csr --id "weak-$k" --key "$k" --out "$T/weak-$k.csr" || bad "forge weak-csr $k"
	expect_rc 65 "enrolment refuses a low-order $k key" -- "$BIN/symbiod" enroll --dir "$P" --csr "$T/weak-$k.csr" --out "$T/weak-$k.crt"
	expect_grep "$T/err" "key of \"weak-$k\" is a low-order point" "  ... naming the key"
	[ ! -e "$T/weak-$k.crt" ] && ok "  ... issues no certificate" || bad "a certificate was issued for weak-$k"
done
expect_rc 0 "members after the refusals" -- "$BIN/symbiod" members --dir "$P" --json
grep -q weak "$T/out" && bad "a weak key was enrolled: $(cat "$T/out")" || ok "  ... no weak member was recorded"
# An operator whose CA signed such a key anyway (forged into the store, logged):
# no round opens with it in the directory, and the daemon says whom to revoke.
"$BIN/symbi-forge" weak-member --park "$P" --id weak-dir || bad "forge weak-member"
expect_rc 65 "a round does not open with a low-order key in the directory" -- "$BIN/symbiod" round open --dir "$P"
expect_grep "$T/err" 'X25519 agreement key of "weak-dir" is a low-order point.*revoke' "  ... and names whom to revoke"
expect_rc 0 "revoke the forged member" -- "$BIN/symbiod" revoke --dir "$P" --id weak-dir

# Revocation takes effect in the running daemon at once.
expect_rc 0 "revoke beta while the daemon runs" -- "$BIN/symbiod" revoke --dir "$P" --id beta
expect_rc 77 "a revoked member is refused" -- "$BIN/symbi" status --dir "$T/beta" --timeout 1000
expect_grep "$T/err" "refused|revoked" "  ... with a reason"
expect_rc 0 "the others are still served" -- "$BIN/symbi" status --dir "$T/acme"
expect_rc 0 "revoking twice is idempotent" -- "$BIN/symbiod" revoke --dir "$P" --id beta
expect_grep "$T/err" "already revoked" "  ... and says so"
expect_rc 73 "re-enrolling a used id is refused" -- "$BIN/symbiod" enroll --dir "$P" --csr "$T/beta/request.csr" --out "$T/beta2.crt"

# Control socket: status over it; mode 0600.
expect_rc 0 "operator status over the control socket" -- "$BIN/symbiod" status --dir "$P" --json
expect_grep "$T/out" '"members": 3' "  ... reports the members (acme, revoked beta and weak-dir)"
[ "$(stat -c %a "$P/control.sock")" = 600 ] && ok "control socket is 0600" || bad "control socket mode $(stat -c %a "$P/control.sock")"

# SIGHUP reloads; SIGTERM stops cleanly with exit 0.
kill -HUP "$DAEMON_PID"; sleep 0.3
expect_grep "$T/daemon.log" "SIGHUP: reloading" "SIGHUP reloads the directory"
stop_daemon TERM && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $?"
[ ! -e "$P/control.sock" ] && ok "control socket removed on exit" || bad "control socket left behind"

# A restart keeps the directory.
READY_COUNT=2 start_daemon "$P" || { bad "restart"; finish; exit 1; }
expect_rc 0 "after a restart, a member's status succeeds" -- "$BIN/symbi" status --dir "$T/acme" --json
expect_grep "$T/out" '"members": 1' "  ... and the revocation survived"
expect_rc 77 "  ... the revoked member is still refused" -- "$BIN/symbi" status --dir "$T/beta" --timeout 1000
stop_daemon INT && ok "SIGINT: exit 0" || bad "SIGINT: exit $?"

# Logs never hold a secret key.
for f in "$P"/keys/*.key "$T"/acme/*.key; do
	k=$(cut -d' ' -f2 "$f")
	grep -qF "$k" "$T/daemon.log" && bad "a secret key appears in the log" || true
done
ok "no secret key in the daemon log"

finish
