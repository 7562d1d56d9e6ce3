#!/usr/bin/env bash
# Protocol 1.1, repairs 6 and 7, end to end through real processes:
# - the default export is the public part only (no batches/), with the modes
#   FORMAT.md documents (0755 directory, 0644 files) and format-version 2;
#   --with-batches adds batches/ 0700 with 0600 files and says on stderr who
#   may hold them; symbi-audit says which format version it read, and reads a
#   version 1 export (no format-version file) too;
# - at round end (the operator's `round end` and the consent deadline) the
#   round's token batches are deleted: apart from the candidate tokens the log
#   keeps, none of them is left anywhere in PARK (every file, byte by byte:
#   the database, its -wal and -shm); with --keep-batches they stay and are
#   exported.
# usage: retention.sh BINDIR PARK_DIR
BIN=$1
SC=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

SCAN=$HERE/retention_scan.py
AUDIT=$BIN/symbi-audit
P=$T/park

ids=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$SC/companies.json")
new_park "$P" "Retention $(basename "$SC")" || { echo "cannot create park"; exit 1; }
for c in $ids; do
	name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SC/companies.json" "$c")
	join "$P" "$T/st-$c" "$c" "$name" "$(site_of "$SC" "$c")" || { echo "cannot enroll $c"; exit 1; }
done
start_daemon "$P" || { echo "daemon did not start"; cat "$T/daemon.log"; exit 1; }

submit_all() {
	local c
	for c in $ids; do
		"$BIN/symbi" submit --dir "$T/st-$c" "$SC/$c.json" >/dev/null 2>"$T/err" || bad "submit $c: $(head -c 300 "$T/err")"
	done
}

# json_is FILE PYTHON-EXPR DESCRIPTION: the expression holds for d = the JSON document.
json_is() {
	if python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null; then
		ok "$3"
	else
		bad "$3: $2 does not hold for $(head -c 400 "$1")"
	fi
}

# expect_modes DIR WANT DESCRIPTION: "mode path" lines of DIR, as retention_scan.py modes prints them.
expect_modes() {
	python3 "$SCAN" modes "$1" >"$T/modes"
	if [ "$(cat "$T/modes")" = "$2" ]; then ok "$3"; else bad "$3: got $(tr '\n' ',' <"$T/modes") wanted $(echo "$2" | tr '\n' ',')"; fi
}

# scan_park TOKFILE: how many of the tokens are still somewhere in PARK ("found total" then files).
scan_park() {
	python3 "$SCAN" scan "$P" "$1" >"$T/scan"
	read -r found total <"$T/scan"
}

# ================= round 1: the default (batches deleted at round end)
expect_rc 0 "round open (default retention)" -- "$BIN/symbiod" round open --dir "$P"
R1=$(cat "$T/out")
"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json"
json_is "$T/status.json" 'd["keep_batches"] is False' "  ... round status says the batches are not kept"
submit_all
expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P"

# --with-batches: the confidential part, 0700/0600, and the warning.
expect_rc 0 "log export --with-batches (before the end)" -- "$BIN/symbiod" log export --dir "$P" --out "$T/full" --with-batches
expect_grep "$T/err" "CONFIDENTIAL: give batches/ only to an auditor who is not a member" "  ... says on stderr who may hold the batches"
expect_grep "$T/err" "brute-force the offers" "  ... and why"
expect_modes "$T/full" "755 .
700 batches
600 batches/$R1.jsonl
644 checkpoint
644 entries.jsonl
644 format-version
644 park.json" "  ... batches/ 0700 with 0600 files, the public files 0644 in a 0755 directory"
[ "$(cat "$T/full/format-version")" = 2 ] && ok "  ... format-version says 2" || bad "format-version: $(cat "$T/full/format-version")"

# The default: the public part only, whatever the umask.
(umask 077 && "$BIN/symbiod" log export --dir "$P" --out "$T/pub" >"$T/out" 2>"$T/err")
[ $? -eq 0 ] && ok "log export (public part, under umask 077)" || bad "log export: $(cat "$T/err")"
expect_grep "$T/err" "the public part, format version 2" "  ... says it wrote the public part"
grep -q CONFIDENTIAL "$T/err" && bad "  ... yet warns about batches it did not write" || ok "  ... and no batch warning"
expect_modes "$T/pub" "755 .
644 checkpoint
644 entries.jsonl
644 format-version
644 park.json" "  ... no batches/, files 0644 in a 0755 directory"
expect_rc 0 "symbi-audit verify of the public part" -- "$AUDIT" verify "$T/pub"
expect_grep "$T/out" "^  export format version 2$" "  ... says it read format version 2"
expect_grep "$T/out" "^  token batches NOT CHECKED for 1 round \(no batch file in the export\): $R1$" "  ... and that the batches were not checked"
"$AUDIT" verify "$T/pub" --json >"$T/v.json" 2>/dev/null
json_is "$T/v.json" 'd["ok"] and d["format_version"] == 2 and d["batches"]["absent_not_checked"] == ["'"$R1"'"]' "  ... also in --json"
expect_rc 0 "symbi-audit verify of the export with batches" -- "$AUDIT" verify "$T/full"
expect_grep "$T/out" "^  token batches: [0-9]+ in 1 file, each as committed in the log$" "  ... checks the batches"
expect_rc 73 "a public export into the directory of one with batches is refused" -- "$BIN/symbiod" log export --dir "$P" --out "$T/full"
expect_grep "$T/err" "batches holds an earlier export's token batches" "  ... saying why"
expect_rc 73 "an export with batches into an existing batches/ is refused" -- "$BIN/symbiod" log export --dir "$P" --out "$T/full" --with-batches

# Version 1: an export without format-version (as symbiod wrote before protocol 1.1).
cp -a "$T/full" "$T/v1"
rm "$T/v1/format-version"
expect_rc 0 "symbi-audit verify of a version 1 export" -- "$AUDIT" verify "$T/v1"
expect_grep "$T/out" "^  export format version 1 \(no format-version file" "  ... says it read format version 1"
"$AUDIT" verify "$T/v1" --json >"$T/v.json" 2>/dev/null
json_is "$T/v.json" 'd["ok"] and d["format_version"] == 1' "  ... also in --json"
expect_rc 0 "symbi-audit replay of the version 1 export" -- "$AUDIT" replay "$T/v1"
echo 3 >"$T/v1/format-version"
expect_rc 65 "an unknown format version is refused" -- "$AUDIT" verify "$T/v1"
expect_grep "$T/err" "^format-version: format-version: not an export format this symbi-audit reads" "  ... and named"

# The tokens: present while the round runs, gone after its end but for the logged candidates'.
python3 "$SCAN" tokens "$T/full" "$R1" "$T/tok1" >"$T/n" || bad "cannot read the round's tokens"
read -r ntok ncand <"$T/n"
[ "${ntok:-0}" -gt 1000 ] && ok "round 1: $ntok distinct tokens in its batches ($ncand logged candidate tokens left out)" || bad "only ${ntok:-0} tokens in round 1's batches"
scan_park "$T/tok1"
[ $((found * 100)) -ge $((ntok * 99)) ] && ok "  ... before the end the scan finds $found of them in PARK (the scan works)" || bad "the scan finds only $found tokens of a running round: $(cat "$T/scan")"
expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
expect_grep "$T/err" "token batches were deleted" "  ... says the batches were deleted"
scan_park "$T/tok1"
[ "$found" -eq 0 ] && ok "  ... after the end none of the $total tokens is in any file of PARK (database, -wal, -shm)" ||
	bad "after round end $found of $total tokens are still in PARK: $(tail -n +2 "$T/scan" | tr '\n' ',')"
wal=$(stat -c %s "$P"/*.db-wal 2>/dev/null || echo 0)
[ "${wal:-0}" -eq 0 ] && ok "  ... and the WAL is truncated" || bad "the WAL holds $wal bytes after round end"
expect_rc 0 "log export --with-batches after the end" -- "$BIN/symbiod" log export --dir "$P" --out "$T/after" --with-batches
[ ! -e "$T/after/batches/$R1.jsonl" ] && ok "  ... has no batch file for the ended round" || bad "batches/$R1.jsonl exported after round end"
expect_rc 0 "symbi-audit replay after the end" -- "$AUDIT" replay "$T/after"
expect_grep "$T/out" "NOT REPLAYED: 1 round whose token batches were deleted at round end, as announced: $R1$" "  ... says the round was not replayed, and why"
"$AUDIT" replay "$T/after" --json >"$T/r.json" 2>/dev/null
json_is "$T/r.json" 'd["ok"] and d["not_replayed_batches_deleted"] == ["'"$R1"'"]' "  ... also in --json"

# ================= round 2: --keep-batches
expect_rc 0 "round open --keep-batches" -- "$BIN/symbiod" round open --dir "$P" --keep-batches
R2=$(cat "$T/out")
"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json"
json_is "$T/status.json" 'd["keep_batches"] is True' "  ... round status says the batches are kept"
expect_rc 64 "--keep-batches belongs to round open only" -- "$BIN/symbiod" round close --dir "$P" --keep-batches
submit_all
expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P"
expect_rc 0 "round end" -- "$BIN/symbiod" round end --dir "$P"
expect_grep "$T/err" "token batches were kept" "  ... says the batches were kept"
expect_rc 0 "log export --with-batches after the end" -- "$BIN/symbiod" log export --dir "$P" --out "$T/keep" --with-batches
[ -s "$T/keep/batches/$R2.jsonl" ] && ok "  ... holds the kept round's batches" || bad "no batches/$R2.jsonl"
python3 "$SCAN" tokens "$T/keep" "$R2" "$T/tok2" >"$T/n" || bad "cannot read round 2's tokens"
scan_park "$T/tok2"
# A token that straddles two SQLite overflow pages is not contiguous in the file: nearly all, not all.
[ "$found" -gt 0 ] && [ $((found * 100)) -ge $((total * 99)) ] && ok "  ... and its tokens are still in PARK ($found of $total contiguous in the files)" || bad "kept round: $found of $total tokens in PARK"
expect_rc 0 "symbi-audit replay" -- "$AUDIT" replay "$T/keep"
expect_grep "$T/out" "NOT REPLAYED: 1 round whose .*: $R1$" "  ... replays the kept round, not the deleted one"
"$AUDIT" replay "$T/keep" --json >"$T/r.json" 2>/dev/null
json_is "$T/r.json" 'd["ok"] and d["pairs"] > 0 and d["not_replayed_batches_deleted"] == ["'"$R1"'"]' "  ... with pairs joined, in --json"
rm "$T/keep/batches/$R2.jsonl"
expect_rc 66 "replay without the batches of a kept round fails" -- "$AUDIT" replay "$T/keep"
expect_grep "$T/err" "batches/$R2.jsonl is missing from the export \(replay needs the batches: symbiod log export --with-batches\)" "  ... and says what to do"

# ================= round 3: the consent deadline ends the round and deletes its batches
expect_rc 0 "round open --consent-minutes 1" -- "$BIN/symbiod" round open --dir "$P" --consent-minutes 1
R3=$(cat "$T/out")
submit_all
expect_rc 0 "round close" -- "$BIN/symbiod" round close --dir "$P"
expect_rc 0 "log export --with-batches (before the deadline)" -- "$BIN/symbiod" log export --dir "$P" --out "$T/dl" --with-batches
python3 "$SCAN" tokens "$T/dl" "$R3" "$T/tok3" >"$T/n" || bad "cannot read round 3's tokens"
phase=
for _ in $(seq 1 100); do
	"$BIN/symbiod" round status --dir "$P" --json >"$T/status.json" 2>/dev/null
	phase=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phase"])' "$T/status.json" 2>/dev/null)
	[ "$phase" = ended ] && break
	sleep 1
done
[ "$phase" = ended ] && ok "the consent deadline ended round 3" || bad "round 3 is $phase after its deadline"
scan_park "$T/tok3"
[ "$found" -eq 0 ] && ok "  ... and none of its $total tokens is left in PARK" || bad "after the deadline $found of $total tokens are still in PARK: $(tail -n +2 "$T/scan" | tr '\n' ',')"

stop_daemon TERM || bad "daemon exit $?"
finish
