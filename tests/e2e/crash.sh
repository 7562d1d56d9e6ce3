#!/usr/bin/env bash
# Crash safety of the coordinator, through the real CLI on loopback.
#
# A reference round runs undisturbed. Then, on a fresh park, the same round is
# driven again and again while a killer sends SIGKILL to the daemon at random
# moments (10-400 ms after each restart) during submit, close and consent, and a
# supervisor restarts it. Clients and the operator retry until they succeed.
# After each restart: the signed checkpoint's tree never shrinks, and (every few
# restarts) the exported log verifies. During the round: no acknowledged
# submission or consent is lost. After each round: every company's exchanges
# equal the reference's. At the end: one release per agreed candidate, the log
# verifies and replays, STATEs hold only their own and agreed partners'
# markers. Finally a read-only store and a full disk fail clearly, without
# corruption.
# usage: crash.sh BINDIR SCENARIO_DIR [KILLS]   (default 50 kills)
BIN=$(cd "$1" && pwd)
SC=$(cd "$2" && pwd)
KILLS=${3:-50}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
if [ -z "${SYMBIOD_DATA_DIR:-}" ] && [ -d "$BIN/../share/symbiod" ]; then
	SYMBIOD_DATA_DIR=$(cd "$BIN/../share/symbiod" && pwd)
	export SYMBIOD_DATA_DIR
fi

START=$SECONDS
LIMIT=${CRASH_LIMIT:-420}  # seconds of killing at most; the whole test stays well under 10 minutes
CL=(--timeout 1500 --attempts 3)
# --keep-batches: the final exports are replayed after the rounds ended (protocol 1.1 deletes them otherwise).
PAD=(--pad-offers 5000 --pad-needs 5000 --keep-batches)
SUP_PID=
KILLER_PID=
MOUNTS=()
cleanup() {
	touch "$T/stop" "$T/nokill" 2>/dev/null
	[ -n "$KILLER_PID" ] && kill "$KILLER_PID" 2>/dev/null
	if [ -n "$SUP_PID" ]; then
		[ -s "$T/daemon.pid" ] && kill -9 "$(cat "$T/daemon.pid")" 2>/dev/null
		kill "$SUP_PID" 2>/dev/null
		wait "$SUP_PID" 2>/dev/null
		[ -s "$T/daemon.pid" ] && kill -9 "$(cat "$T/daemon.pid")" 2>/dev/null
	fi
	[ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null
	for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
	[ -n "${KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")
nids=$(echo $ids | wc -w)
cname() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SC/companies.json" "$1"; }

# setup_park DIR: a park with every company of the scenario enrolled, STATEs beside it.
setup_park() {
	local W=$1 c
	mkdir -p "$W"
	new_park "$W/park" "Crash $(basename "$SC")" || return 1
	for c in $ids; do join "$W/park" "$W/st-$c" "$c" "$(cname "$c")" || return 1; done
}

# ---- the supervisor: restart the daemon whenever it dies; check the log after each start.
supervisor() {
	local P=$1 gen=0 ready=0 pid rc fails=0 size max=0
	while [ ! -e "$T/stop" ]; do
		"$BIN/symbiod" run --dir "$P" 2>>"$T/daemon.log" &
		pid=$!
		echo "$pid" >"$T/daemon.pid"
		gen=$((gen + 1))
		for _ in $(seq 1 200); do
			[ "$(grep -c 'symbiod: ready' "$T/daemon.log")" -gt "$ready" ] && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.02
		done
		if [ "$(grep -c 'symbiod: ready' "$T/daemon.log")" -gt "$ready" ]; then
			ready=$((ready + 1))
			fails=0
			echo "$gen" >"$T/gen"
			# (a) the signed checkpoint: the tree never shrinks across restarts.
			if "$BIN/symbiod" log checkpoint --dir "$P" >"$T/ckpt.$gen" 2>/dev/null; then
				size=$(sed -n 2p "$T/ckpt.$gen")
				if ! [[ "$size" =~ ^[0-9]+$ ]] || ! grep -q '^— symbiod/' "$T/ckpt.$gen"; then
					echo "restart $gen: not a signed checkpoint: $(head -c 300 "$T/ckpt.$gen")" >>"$T/supfail"
				elif [ "$size" -lt "$max" ]; then
					echo "restart $gen: tree size $size < $max before" >>"$T/supfail"
				else
					max=$size
					echo "$gen $size" >>"$T/ckpts"
				fi
			fi
			# Every 4th restart: export and verify the whole log (skipped if the export is killed).
			if [ $((gen % 4)) -eq 1 ] && "$BIN/symbiod" log export --dir "$P" --out "$T/sx" >/dev/null 2>&1; then
				if "$BIN/symbi-audit" verify "$T/sx" >"$T/sx.out" 2>&1; then
					echo "$gen" >>"$T/verified"
				else
					echo "restart $gen: symbi-audit verify: $(head -c 400 "$T/sx.out")" >>"$T/supfail"
				fi
			fi
			rm -rf "$T/sx"
		else
			fails=$((fails + 1))
		fi
		wait "$pid"
		rc=$?
		echo "$gen $rc" >>"$T/exits"
		if [ ! -e "$T/stop" ] && [ "$rc" -ne 137 ]; then
			echo "restart $gen: daemon exited $rc on its own: $(tail -n 3 "$T/daemon.log" | tr '\n' ' ')" >>"$T/supfail"
		fi
		if [ "$fails" -ge 5 ]; then
			echo "the daemon does not start any more: $(tail -n 5 "$T/daemon.log" | tr '\n' ' ')" >>"$T/supfail"
			touch "$T/dead"
			return
		fi
	done
}

# ---- the killer: SIGKILL at a random moment 10-400 ms after each start, during submit/close/consent.
killer() {
	local last=0 g ph n q=$(((KILLS + 2) / 3))
	while [ ! -e "$T/nokill" ]; do
		g=$(cat "$T/gen" 2>/dev/null || echo 0)
		if [ "$g" = "$last" ]; then sleep 0.01; continue; fi
		sleep "0.$(printf %03d $((10 + RANDOM % 391)))"
		ph=$(cat "$T/phase" 2>/dev/null)
		case $ph in submit | close | consent) ;; *) continue ;; esac
		n=$(grep -cx "$ph" "$T/kills" 2>/dev/null)
		[ "${n:-0}" -lt "$q" ] || continue
		[ "$(cat "$T/gen" 2>/dev/null)" = "$g" ] || continue
		if kill -9 "$(cat "$T/daemon.pid")" 2>/dev/null; then
			echo "$ph" >>"$T/kills"
			[ -e "$T/busy" ] && echo "$ph" >>"$T/kills.busy"
			last=$g
		fi
	done
}

PHASE=idle
set_phase() { PHASE=$1; echo "$1" >"$T/phase"; }
declare -A INTR=([submit]=0 [close]=0 [consent]=0 [idle]=0)

# retry LABEL OKPAT -- command...: re-run until exit 0 (or stderr matches OKPAT); output in $W/out.
retry() {
	local label=$1 okpat=$2 n=0 rc
	shift 3
	while :; do
		touch "$T/busy"
		"$@" >"$W/out" 2>"$W/err"
		rc=$?
		rm -f "$T/busy"
		[ "$rc" -eq 0 ] && break
		[ -n "$okpat" ] && grep -qE -- "$okpat" "$W/err" && break
		n=$((n + 1))
		if [ "$n" -ge 40 ] || [ -e "$T/dead" ] || [ $((SECONDS - START)) -ge 540 ]; then
			bad "$label: gave up after $n attempts (exit $rc): $(head -c 300 "$W/err")"
			return 1
		fi
		sleep 0.05
	done
	[ "$n" -gt 0 ] && INTR[$PHASE]=$((INTR[$PHASE] + 1))
	return 0
}

status_json() { retry "round status" "" -- "$BIN/symbiod" round status --dir "$W/park" --json && cp "$W/out" "$W/status.json"; }
phase_of() { status_json && python3 "$HERE/crash_check.py" phase "$W/status.json"; }

# (c) every acknowledged consent of this round is still there.
check_consents() {
	local c
	[ -s "$W/answered" ] || return 0
	for c in $(cut -d' ' -f1 "$W/answered" | sort -u); do
		retry "candidates $c" "" -- "$BIN/symbi" candidates --dir "$W/st-$c" --json "${CL[@]}" || return 1
		cp "$W/out" "$W/cand-$c.json"
	done
	python3 "$HERE/crash_check.py" consents "$W" "$W/answered" >"$W/cc.out" ||
		{ bad "acknowledged consent lost: $(cat "$W/cc.out")"; return 1; }
	CHECKS_C=$((CHECKS_C + 1))
}

# run_round W LAST: one whole round on the park in W; exchanges end up in W/ex-*.json.
# Returns non-zero if the round could not be driven.
run_round() {
	local c cid ph rd before acked=0
	set_phase idle
	before=$(phase_of | cut -d' ' -f2)
	until "$BIN/symbiod" round open --dir "$W/park" "${PAD[@]}" >"$W/out" 2>"$W/err"; do
		read -r ph rd < <(phase_of)
		[ "$ph" = open ] && [ "$rd" != "$before" ] && break # the open committed, its answer was lost
		{ [ -e "$T/dead" ] || [ $((SECONDS - START)) -ge 540 ]; } && return 1
		sleep 0.05
	done
	: >"$W/answered"
	set_phase submit
	for c in $ids; do
		retry "submit $c" "" -- "$BIN/symbi" submit --dir "$W/st-$c" "$SC/$c.json" "${CL[@]}" || return 1
		acked=$((acked + 1))
		# (b) no acknowledged submission is lost (checked after every submit, kills included).
		status_json || return 1
		python3 "$HERE/crash_check.py" status "$W/status.json" "$acked" >"$W/cc.out" ||
			{ bad "acknowledged submission lost: $(cat "$W/cc.out")"; return 1; }
		CHECKS_B=$((CHECKS_B + 1))
	done
	set_phase close
	# The matching itself takes tens of ms: besides the killer's random kills, aim one
	# kill 10-40 ms after the close starts (while close kills are still short of their share).
	if [ -n "$KILLER_PID" ] && [ ! -e "$T/nokill" ] && [ "$(grep -cx close "$T/kills")" -lt "$q" ]; then
		(
			sleep "0.0$((10 + RANDOM % 31))"
			if kill -9 "$(cat "$T/daemon.pid")" 2>/dev/null; then
				echo close >>"$T/kills"
				[ -e "$T/busy" ] && echo close >>"$T/kills.busy"
			fi
		) &
	fi
	while :; do
		touch "$T/busy"
		"$BIN/symbiod" round close --dir "$W/park" >"$W/out" 2>"$W/err" && grep -q closed "$W/out" && { rm -f "$T/busy"; break; }
		rm -f "$T/busy"
		INTR[close]=$((INTR[close] + 1))
		read -r ph rd < <(phase_of)
		[ "$ph" = consent ] && break
		{ [ -e "$T/dead" ] || [ $((SECONDS - START)) -ge 540 ]; } && return 1
		sleep 0.05
	done
	status_json || return 1
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["phase"]=="consent" and s["submitted"]==int(sys.argv[2]), s' \
		"$W/status.json" "$nids" 2>"$W/cc.out" || { bad "after close: $(tail -n 1 "$W/cc.out")"; return 1; }
	for c in $ids; do
		retry "candidates $c" "" -- "$BIN/symbi" candidates --dir "$W/st-$c" --json "${CL[@]}" || return 1
		cp "$W/out" "$W/cand-$c.json"
	done
	set_phase consent
	python3 "$HERE/round_check.py" candidates "$SC" "$W" >"$W/cc.out" || { bad "candidates after close: $(cat "$W/cc.out")"; return 1; }
	python3 "$HERE/round_check.py" declines "$SC" "$W" >"$W/declines.txt" || { bad "declines: $(cat "$W/declines.txt")"; return 1; }
	while read -r c cid; do
		retry "$c declines $cid" "already answered \(declined\)" -- "$BIN/symbi" decline --dir "$W/st-$c" "$cid" "${CL[@]}" || return 1
		echo "$c $cid" >>"$W/answered"
		check_consents || return 1
	done <"$W/declines.txt"
	for c in $ids; do
		retry "$c accepts --all" "" -- "$BIN/symbi" accept --dir "$W/st-$c" --all --yes "${CL[@]}" || return 1
		python3 -c 'import json,sys; [print(sys.argv[2], x["id"]) for x in json.load(open(sys.argv[1]))]' \
			"$W/cand-$c.json" "$c" >>"$W/answered"
		check_consents || return 1
	done
	# Twice: the first pass deposits (protocol 1.1), the second collects the rest.
	for c in $ids $ids; do
		retry "exchanges $c" "" -- "$BIN/symbi" exchanges --dir "$W/st-$c" --json "${CL[@]}" || return 1
		cp "$W/out" "$W/ex-$c.json"
		retry "candidates $c" "" -- "$BIN/symbi" candidates --dir "$W/st-$c" --json "${CL[@]}" || return 1
		cp "$W/out" "$W/cand-$c.json"
	done
	set_phase idle
	return 0
}

end_round() {
	local ph rd
	until "$BIN/symbiod" round end --dir "$W/park" >"$W/out" 2>"$W/err"; do
		read -r ph rd < <(phase_of)
		[ "$ph" = ended ] && break
		{ [ -e "$T/dead" ] || [ $((SECONDS - START)) -ge 540 ]; } && return 1
		sleep 0.05
	done
}

start_supervisor() {
	rm -f "$T/stop" "$T/gen" "$T/daemon.pid"
	supervisor "$1" 2>>"$T/supervisor.err" &
	SUP_PID=$!
	for _ in $(seq 1 100); do [ -s "$T/gen" ] && return 0; sleep 0.05; done
	return 1
}
stop_supervisor() {
	touch "$T/stop" "$T/nokill"
	[ -n "$KILLER_PID" ] && { wait "$KILLER_PID" 2>/dev/null; KILLER_PID=; }
	kill -TERM "$(cat "$T/daemon.pid")" 2>/dev/null
	wait "$SUP_PID" 2>/dev/null
	SUP_PID=
}

# ================= 1. the reference round, undisturbed
REF=$T/ref
setup_park "$REF" || { echo "cannot create the reference park"; exit 1; }
: >"$T/daemon.log"
start_supervisor "$REF/park" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }
W=$REF
CHECKS_B=0 CHECKS_C=0
if run_round; then
	agreed=$(python3 "$HERE/crash_check.py" exchanges "$REF" "$REF") &&
		ok "reference round: $agreed agreed exchanges" || bad "reference round: $agreed"
	python3 "$HERE/round_check.py" exchanges "$SC" "$REF" >"$T/rc.out" &&
		ok "reference exchanges are the scenario's expected ones" || bad "reference exchanges: $(cat "$T/rc.out")"
else
	bad "reference round could not be driven"
	finish
	exit 1
fi
stop_supervisor
rm -f "$T/exits" "$T/supfail" "$T/ckpts" "$T/verified"

# ================= 2. the crash run
W=$T/run
setup_park "$W" || { echo "cannot create the crash park"; exit 1; }
mv "$T/daemon.log" "$T/daemon-ref.log"
: >"$T/daemon.log"
: >"$T/kills"
rm -f "$T/nokill"
start_supervisor "$W/park" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }
q=$(((KILLS + 2) / 3))
killer &
KILLER_PID=$!
rounds=0
rounds_ok=0
CHECKS_B=0 CHECKS_C=0
while :; do
	rounds=$((rounds + 1))
	if ! run_round; then
		bad "crash round $rounds could not be driven"
		break
	fi
	if out=$(python3 "$HERE/crash_check.py" exchanges "$REF" "$W" 2>&1); then
		rounds_ok=$((rounds_ok + 1))
	else
		bad "crash round $rounds: exchanges differ from the reference: $out"
	fi
	ks=$(grep -cx submit "$T/kills") kc=$(grep -cx close "$T/kills") kn=$(grep -cx consent "$T/kills")
	echo "# round $rounds done at $((SECONDS - START)) s: kills submit $ks, close $kc, consent $kn"
	if [ "$ks" -ge "$q" ] && [ "$kc" -ge "$q" ] && [ "$kn" -ge "$q" ]; then break; fi
	if [ $((SECONDS - START)) -ge "$LIMIT" ]; then
		echo "# time limit reached"
		break
	fi
	end_round || { bad "round end"; break; }
done
touch "$T/nokill"
wait "$KILLER_PID" 2>/dev/null
KILLER_PID=
ks=$(grep -cx submit "$T/kills") kc=$(grep -cx close "$T/kills") kn=$(grep -cx consent "$T/kills")
total=$((ks + kc + kn))
bs=$(grep -cx submit "$T/kills.busy" 2>/dev/null) bc=$(grep -cx close "$T/kills.busy" 2>/dev/null) bn=$(grep -cx consent "$T/kills.busy" 2>/dev/null)
echo "# kills while a client/operator command was in flight: submit ${bs:-0}, close ${bc:-0}, consent ${bn:-0}"
echo "# kills: submit $ks, close $kc, consent $kn (total $total) in $rounds rounds;" \
	"commands that failed and were re-run: submit ${INTR[submit]}, close ${INTR[close]}, consent ${INTR[consent]} (clients also resend on their own, same request id)"
echo "# restarts: $(wc -l <"$T/exits"); checkpoints checked: $(wc -l <"$T/ckpts" 2>/dev/null || echo 0);" \
	"exports verified: $(wc -l <"$T/verified" 2>/dev/null || echo 0); submission checks $CHECKS_B, consent checks $CHECKS_C"
[ "$total" -ge "$KILLS" ] && ok "$total kills (at least $KILLS) during submit/close/consent" || bad "only $total kills, wanted $KILLS"
[ "$rounds_ok" -eq "$rounds" ] && ok "all $rounds crash rounds end with exactly the reference's exchanges (pairs and revealed items)" ||
	bad "$rounds_ok of $rounds crash rounds match the reference"
if [ -s "$T/supfail" ]; then
	bad "after restarts: $(head -c 1500 "$T/supfail")"
else
	ok "after every restart: daemon came back, signed checkpoint, tree never shrank ($(wc -l <"$T/ckpts" 2>/dev/null || echo 0) checkpoints), exports verified ($(wc -l <"$T/verified" 2>/dev/null || echo 0))"
fi
[ "$CHECKS_B" -gt 0 ] && ok "no acknowledged submission lost ($CHECKS_B checks)"
[ "$CHECKS_C" -gt 0 ] && ok "no acknowledged consent lost ($CHECKS_C checks)"

# Final log: export, verify, replay, one release per agreed candidate.
if retry "log export" "" -- "$BIN/symbiod" log export --dir "$W/park" --out "$T/final" --with-batches; then
	expect_rc 0 "symbi-audit verify of the final log" -- "$BIN/symbi-audit" verify "$T/final"
	expect_rc 0 "symbi-audit replay of the final log" -- "$BIN/symbi-audit" replay "$T/final"
	out=$(python3 "$HERE/crash_check.py" releases "$T/final" "$W" "$agreed" "$nids" 2>&1) &&
		ok "every round closed with all $nids submissions; exactly one release per agreed candidate (rounds, releases: $out)" || bad "$out"
fi
stop_supervisor
grep -qE 'AddressSanitizer|runtime error|Assertion' "$T/daemon.log" && bad "sanitizer/assertion output in the daemon log: $(grep -m3 -E 'AddressSanitizer|runtime error|Assertion' "$T/daemon.log")"

# Privacy: nothing at the coordinator; each STATE only its own and agreed partners' markers.
cp "$T/daemon.log" "$W/park/daemon.log"
python3 "$HERE/round_check.py" privacy "$SC" "$W" "$W/park" >"$T/rc.out" &&
	ok "no SECRET- marker at the coordinator; each STATE holds only its own and agreed partners' markers" ||
	bad "privacy: $(cat "$T/rc.out")"
rm -f "$W/park/daemon.log"

# ================= 3. a read-only store
P=$W/park
if mount --bind "$P" "$P" 2>/dev/null && MOUNTS+=("$P") && mount -o remount,bind,ro "$P" 2>/dev/null; then
	: >"$T/ro.log"
	timeout 20 "$BIN/symbiod" run --dir "$P" 2>"$T/ro.log" &
	ro_pid=$!
	for _ in $(seq 1 100); do grep -q 'symbiod: ready' "$T/ro.log" && break; kill -0 $ro_pid 2>/dev/null || break; sleep 0.05; done
	if grep -q 'symbiod: ready' "$T/ro.log"; then
		# It started: a write must be refused clearly, and the daemon must survive it.
		"$BIN/symbiod" round end --dir "$P" >"$T/out" 2>"$T/err"
		rc=$?
		if [ "$rc" -ne 0 ] && grep -qiE 'read.?only|readonly|permission|cannot write|store' "$T/err" && kill -0 $ro_pid 2>/dev/null; then
			ok "read-only store: a write is refused clearly (exit $rc: $(head -c 200 "$T/err")) and the daemon stays up"
		else
			bad "read-only store: round end exit $rc, stderr $(head -c 300 "$T/err"), daemon alive: $(kill -0 $ro_pid 2>/dev/null && echo yes || echo no); log: $(tail -n 3 "$T/ro.log")"
		fi
		kill -TERM $ro_pid 2>/dev/null
		wait $ro_pid
	else
		wait $ro_pid
		rc=$?
		if [ "$rc" -gt 0 ] && [ "$rc" -lt 124 ] && grep -qiE 'read.?only|readonly|permission|cannot|unable to open' "$T/ro.log"; then
			ok "read-only store: symbiod run refuses to start (exit $rc: $(grep -v '^$' "$T/ro.log" | tail -n 1 | head -c 200))"
		else
			bad "read-only store: symbiod run exit $rc without a clear error: $(tail -n 3 "$T/ro.log")"
		fi
	fi
	umount "$P" && MOUNTS=()
	: >"$T/daemon.log"
	start_daemon "$P" || bad "daemon does not start after the store is writable again: $(tail -n 3 "$T/daemon.log")"
	expect_rc 0 "after the read-only episode: round end works" -- "$BIN/symbiod" round end --dir "$P"
	if "$BIN/symbiod" log export --dir "$P" --out "$T/final2" --with-batches 2>"$T/err"; then
		expect_rc 0 "  ... and the log verifies" -- "$BIN/symbi-audit" verify "$T/final2"
		expect_rc 0 "  ... and replays" -- "$BIN/symbi-audit" replay "$T/final2"
	else
		bad "log export after the read-only episode: $(cat "$T/err")"
	fi
	stop_daemon TERM || bad "daemon exit $? on SIGTERM"
else
	umount "$P" 2>/dev/null
	MOUNTS=()
	echo "# skipped: read-only store (cannot bind-mount read-only here; chmod does not bind root)"
fi

# ================= 4. a full disk
FS=$T/fs
mkdir -p "$FS"
if mount -t tmpfs -o size=3m tmpfs "$FS" 2>/dev/null; then
	MOUNTS+=("$FS")
	two=$(echo $ids | cut -d' ' -f1-2)
	FP=$FS/park
	if new_park "$FP" "Full disk" && for c in $two; do join "$FP" "$T/fst-$c" "$c" "$(cname "$c")" || exit 1; done; then
		: >"$T/daemon.log"
		start_daemon "$FP" || bad "daemon on the small disk does not start: $(tail -n 3 "$T/daemon.log")"
		"$BIN/symbiod" round open --dir "$FP" --pad-offers 20000 --pad-needs 20000 >/dev/null 2>&1
		c1=$(echo $two | cut -d' ' -f1) c2=$(echo $two | cut -d' ' -f2)
		expect_rc 0 "small disk: first submit" -- "$BIN/symbi" submit --dir "$T/fst-$c1" "$SC/$c1.json"
		dd if=/dev/zero of="$FS/fill" bs=64k 2>/dev/null
		dd if=/dev/zero of="$FS/fill2" bs=1k 2>/dev/null
		echo "# disk: $(df -k "$FS" | tail -n 1 | awk '{print $4}') kB free"
		"$BIN/symbi" submit --dir "$T/fst-$c2" "$SC/$c2.json" --timeout 5000 --attempts 1 >"$T/out" 2>"$T/err"
		rc=$?
		alive=no
		kill -0 "$DAEMON_PID" 2>/dev/null && alive=yes
		if [ "$rc" -ne 0 ] && grep -qiE 'full|space|disk|store|I/O|cannot' "$T/err" && [ $alive = yes ]; then
			ok "full disk: submit refused clearly (exit $rc: $(head -c 200 "$T/err")) and the daemon stays up"
		else
			bad "full disk: submit exit $rc, stderr: $(head -c 300 "$T/err"); daemon alive: $alive; log: $(tail -n 3 "$T/daemon.log" | tr '\n' ' ')"
		fi
		if grep -qiE '^<[0-4]>.*(full|space|disk)' "$T/daemon.log"; then
			grep -iE '^<[0-4]>.*(full|space|disk)' "$T/daemon.log" | tail -n 1 | sed 's/^/# daemon log: /'
		else
			echo "# note: the daemon logged no error or warning naming the full disk; its last lines:"
			tail -n 2 "$T/daemon.log" | sed 's/^/#   /'
		fi
		"$BIN/symbiod" round status --dir "$FP" --json >"$T/fstatus.json" 2>/dev/null &&
			python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["submitted"]==1, s' "$T/fstatus.json" &&
			ok "  ... and the refused submission was not counted" || bad "status on the full disk: $(cat "$T/fstatus.json")"
		# A crash while the disk is full, and a restart before any space is freed.
		[ $alive = yes ] && { kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; }
		DAEMON_PID=
		: >"$T/daemon.log"
		if start_daemon "$FP"; then
			ok "  ... after a SIGKILL on the full disk the daemon restarts (disk still full)"
			"$BIN/symbi" submit --dir "$T/fst-$c2" "$SC/$c2.json" --timeout 5000 --attempts 1 >"$T/out" 2>"$T/err"
			rc=$?
			[ "$rc" -ne 0 ] && kill -0 "$DAEMON_PID" 2>/dev/null && ok "  ... and still refuses the submit (exit $rc) without dying" ||
				bad "restarted on a full disk: submit exit $rc: $(head -c 300 "$T/err")"
		else
			wait "$DAEMON_PID" 2>/dev/null
			rc=$?
			DAEMON_PID=
			[ "$rc" -gt 0 ] && [ "$rc" -lt 128 ] && ok "  ... after a SIGKILL on the full disk a restart fails cleanly (exit $rc: $(grep -E '^<[0-4]>' "$T/daemon.log" | tail -n 1 | head -c 200))" ||
				bad "restart on a full disk: exit $rc: $(tail -n 3 "$T/daemon.log")"
		fi
		rm -f "$FS/fill" "$FS/fill2"
		if [ -n "$DAEMON_PID" ] && ! kill -0 "$DAEMON_PID" 2>/dev/null; then DAEMON_PID=; fi
		if [ -z "$DAEMON_PID" ]; then start_daemon "$FP" || bad "daemon does not restart after the disk was freed: $(tail -n 3 "$T/daemon.log")"; fi
		expect_rc 0 "  ... after freeing space the submit goes through" -- "$BIN/symbi" submit --dir "$T/fst-$c2" "$SC/$c2.json"
		expect_rc 0 "  ... round close" -- "$BIN/symbiod" round close --dir "$FP"
		if "$BIN/symbiod" log export --dir "$FP" --out "$T/fexp" --with-batches 2>"$T/err"; then
			expect_rc 0 "  ... the log verifies" -- "$BIN/symbi-audit" verify "$T/fexp"
			expect_rc 0 "  ... and replays" -- "$BIN/symbi-audit" replay "$T/fexp"
		else
			bad "log export after the full disk: $(cat "$T/err")"
		fi
		stop_daemon TERM || bad "daemon exit $? on SIGTERM after the full disk"
		python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma integrity_check").fetchone()[0])' \
			"$FP/symbiod.db" >"$T/out" 2>&1 && grep -qx ok "$T/out" && ok "  ... SQLite integrity_check ok" || bad "integrity_check: $(cat "$T/out")"
	else
		bad "cannot create a park on the small disk"
	fi
	umount "$FS" && MOUNTS=()
else
	echo "# skipped: full disk (cannot mount a tmpfs here)"
fi

echo "# run time $((SECONDS - START)) s"
finish
