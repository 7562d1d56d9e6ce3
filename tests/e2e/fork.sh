#!/usr/bin/env bash
# A coordinator that forks its audit log is caught by the members: each keeps
# the newest checkpoint it saw and checks consistency at every contact.
# usage: fork.sh BINDIR
BIN=$1
. "$(dirname "$0")/lib.sh"

P=$T/park
new_park "$P" "Fork Test Park" || { echo "cannot create park"; exit 1; }
join "$P" "$T/acme" acme "ACME Steel" || exit 1
join "$P" "$T/beta" beta "Beta Chemicals" || exit 1
start_daemon "$P" || { echo "daemon did not start"; exit 1; }
expect_rc 0 "acme's first contact stores a checkpoint" -- "$BIN/symbi" status --dir "$T/acme"
[ -s "$T/acme/checkpoint" ] && ok "  ... in STATE/checkpoint" || bad "no checkpoint stored"
size1=$(sed -n 2p "$T/acme/checkpoint")
stop_daemon TERM

# The coordinator keeps a copy of its state, then goes on honestly.
cp -a "$P" "$T/fork"
READY_COUNT=2 start_daemon "$P" || exit 1
join "$P" "$T/gamma" gamma "Gamma Gases" || exit 1
expect_rc 0 "the honest log grew: acme verifies the consistency proof" -- "$BIN/symbi" status --dir "$T/acme"
size2=$(sed -n 2p "$T/acme/checkpoint")
[ "$size2" -gt "$size1" ] && ok "  ... and stores the newer checkpoint ($size1 -> $size2)" || bad "checkpoint did not advance: $size1 -> $size2"
stop_daemon TERM

# The coordinator now serves the old copy: a shorter history.
cp "$T/daemon.log" "$T/daemon1.log"
: >"$T/daemon.log"
start_daemon "$T/fork" || exit 1
expect_rc 76 "a rolled-back log (fewer entries) is a fork" -- "$BIN/symbi" status --dir "$T/acme"
expect_grep "$T/err" "forked or rewritten" "  ... said loudly"
# ... and grows it differently to the same size, then beyond.
"$BIN/symbi" init --dir "$T/delta" --park "$T/fork/park.json" --id delta --name "Delta" 2>/dev/null
"$BIN/symbiod" enroll --dir "$T/fork" --csr "$T/delta/request.csr" --out "$T/delta.crt" 2>/dev/null
sleep 0.3
expect_rc 76 "a different history of the same size is a fork" -- "$BIN/symbi" status --dir "$T/acme"
expect_grep "$T/err" "forked or rewritten" "  ... said loudly"
"$BIN/symbi" init --dir "$T/eps" --park "$T/fork/park.json" --id eps --name "Epsilon" 2>/dev/null
"$BIN/symbiod" enroll --dir "$T/fork" --csr "$T/eps/request.csr" --out "$T/eps.crt" 2>/dev/null
sleep 0.3
expect_rc 76 "a longer but inconsistent history is a fork" -- "$BIN/symbi" status --dir "$T/acme"
[ "$(sed -n 2p "$T/acme/checkpoint")" = "$size2" ] && ok "  ... and the member keeps the checkpoint it trusted" || bad "checkpoint overwritten"
# A member that never saw the honest history cannot tell alone: reviewers compare
# checkpoints across members (symbi-audit), which is what the stored checkpoint is for.
expect_rc 0 "beta, which had never seen the log, has nothing to compare and accepts it" -- "$BIN/symbi" status --dir "$T/beta"
stop_daemon TERM
finish
