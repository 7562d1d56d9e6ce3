#!/usr/bin/env bash
# Drives the real `symbi check` binary: the example parks pass, --json prints
# one JSON document, every broken file of tests/flows-bad/ is refused with its
# expected message, and the exit codes of INTERFACE.md / sysexits hold.
#
# usage: check.sh SYMBI_BINARY SOURCE_DIR PARKS_DIR...
#   each PARKS_DIR holds park folders (PARKS_DIR/*/companies.json)
set -u

if [ $# -lt 3 ]; then
	echo "usage: $0 SYMBI_BINARY SOURCE_DIR PARKS_DIR..." >&2
	exit 64
fi
symbi=$1
src=$2
shift 2
bad_dir=$src/tests/flows-bad

passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/symbi-check.XXXXXX") || exit 70
trap 'rm -rf "$tmp"' EXIT

pass() {
	passed=$((passed + 1))
}

fail() {
	failed=$((failed + 1))
	echo "FAIL: $*" >&2
}

# run NAME EXPECTED_STATUS ARGS...: runs symbi, keeps stdout and stderr in $tmp.
run() {
	local name=$1 want=$2 got
	shift 2
	"$symbi" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		pass
		return 0
	fi
	fail "$name: exit $got, want $want (symbi $*)"
	sed 's/^/    stderr: /' "$tmp/err" >&2
	return 1
}

# json_query FILE PY_EXPR JQ_FILTER: prints the value of the expression (python3,
# else jq) on the JSON in FILE, without spaces; fails unless FILE holds exactly
# one JSON document.
json_query() {
	if command -v python3 >/dev/null 2>&1; then
		python3 - "$1" "$2" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    doc = json.load(f)  # refuses anything after the one document
print(json.dumps(eval(sys.argv[2], {"doc": doc}), separators=(",", ":")))
EOF
	elif command -v jq >/dev/null 2>&1; then
		[ "$(jq -s length "$1")" = 1 ] || return 1
		jq -c "$3" "$1"
	else
		echo "check.sh: neither python3 nor jq; cannot check JSON" >&2
		return 1
	fi
}

# expect_json NAME FILE PY_EXPR JQ_FILTER WANT
expect_json() {
	local got
	if ! got=$(json_query "$2" "$3" "$4" 2>"$tmp/json-err"); then
		fail "$1: stdout is not one JSON document: $(head -c 300 "$tmp/json-err")"
		return 1
	fi
	if [ "$got" = "$5" ]; then
		pass
	else
		fail "$1: $3 is $got, want $5"
	fi
}

# --- the example parks pass ------------------------------------------------
scenario_files=()
for root in "$@"; do
	nroot=${#scenario_files[@]}
	for companies in "$root"/*/companies.json; do
		[ -f "$companies" ] || continue
		park=$(dirname "$companies")
		while IFS= read -r id; do
			scenario_files+=("$park/$id.json")
		done < <(python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))))' \
			"$companies" 2>/dev/null || jq -r 'keys_unsorted[]' "$companies")
	done
	[ ${#scenario_files[@]} -gt "$nroot" ] || fail "no flows files found in $root/*/companies.json"
done
for f in "${scenario_files[@]}"; do
	if run "check $(basename "$f")" 0 check "$f"; then
		if grep -q ": ok, " "$tmp/out"; then pass; else fail "check $f: no 'ok' line on stdout"; fi
	fi
done

if [ ${#scenario_files[@]} -gt 0 ]; then
	run "check all scenario files" 0 check "${scenario_files[@]}"
	if run "check --json all scenario files" 0 check --json "${scenario_files[@]}"; then
		cp "$tmp/out" "$tmp/all.json"
		expect_json "check --json" "$tmp/all.json" 'doc["ok"]' .ok true
		expect_json "check --json" "$tmp/all.json" 'len(doc["files"])' '.files | length' \
			"${#scenario_files[@]}"
		expect_json "check --json" "$tmp/all.json" \
			'all(f["ok"] and f["offers"] + f["needs"] == len(f["flows"]) for f in doc["files"])' \
			'[.files[] | .ok and .offers + .needs == (.flows | length)] | all' true
		expect_json "check --json" "$tmp/all.json" 'len(doc["taxonomy"]["hash"])' \
			'.taxonomy.hash | length' 64
	fi
fi

# --- blocks as a round of each mode and token encoding would count them ---
# A steam offer with two attributes: stride 2 in a standard round of
# encoding 2 (6*6*6 blocks), stride 1 otherwise (11*10*10).
steam=$src/tests/parks/ulsan/incinerator.json
for args in "|standard|2|216" "--token-encoding 1|standard|1|1100" "--mode hardened|hardened|2|1100" \
	"--mode hardened --token-encoding 1|hardened|1|1100"; do
	IFS='|' read -r opts mode enc blocks <<<"$args"
	# shellcheck disable=SC2086
	if run "check --json $opts" 0 check --json $opts "$steam"; then
		expect_json "check --json $opts" "$tmp/out" '[doc["encoding"]["mode"], doc["encoding"]["token_encoding"]]' \
			'[.encoding.mode, .encoding.token_encoding]' "[\"$mode\",$enc]"
		expect_json "check --json $opts" "$tmp/out" \
			'[f["blocks"] for f in doc["files"][0]["flows"] if f["id"] == "steam-out"]' \
			'[.files[0].flows[] | select(.id == "steam-out") | .blocks]' "[$blocks]"
	fi
done
for args in "--token-encoding 3" "--token-encoding x" "--mode fast"; do
	# shellcheck disable=SC2086
	if run "check $args" 64 check $args "$steam"; then
		grep -q -- "${args%% *}" "$tmp/err" && pass || fail "check $args: the message does not name the option"
	fi
done

# --- every broken file is refused with its message -------------------------
nbad=0
while IFS=$'\t' read -r file want; do
	[ -n "$file" ] || continue
	nbad=$((nbad + 1))
	if [ ! -f "$bad_dir/$file" ]; then
		fail "$file: listed in expected.txt but missing"
		continue
	fi
	if run "check $file" 65 check "$bad_dir/$file"; then
		if grep -qF -- "$want" "$tmp/err"; then
			pass
		else
			fail "$file: stderr lacks '$want': $(head -c 400 "$tmp/err")"
		fi
		if [ -s "$tmp/out" ]; then
			fail "$file: a refused file printed on stdout: $(head -c 200 "$tmp/out")"
		else
			pass
		fi
	fi
done <"$bad_dir/expected.txt"
if [ "$nbad" -ge 20 ]; then pass; else fail "only $nbad broken files in expected.txt"; fi

# --json still prints one document, with "ok": false, when a file is refused.
if [ ${#scenario_files[@]} -gt 0 ]; then
	if run "check --json good+bad" 65 check --json "${scenario_files[0]}" \
		"$bad_dir/15-unknown-unit.json"; then
		cp "$tmp/out" "$tmp/mixed.json"
		expect_json "check --json good+bad" "$tmp/mixed.json" 'doc["ok"]' .ok false
		expect_json "check --json good+bad" "$tmp/mixed.json" '[f["ok"] for f in doc["files"]]' \
			'[.files[].ok]' '[true,false]'
		expect_json "check --json good+bad" "$tmp/mixed.json" \
			'"furlongs/fortnight" in doc["files"][1]["error"]' \
			'.files[1].error | contains("furlongs/fortnight")' true
	fi
fi

# --- missing files, usage, help, version -----------------------------------
run "missing file" 66 check "$tmp/no-such-flows.json"
if grep -qF "no-such-flows.json" "$tmp/err"; then pass; else fail "missing file not named"; fi
if [ ${#scenario_files[@]} -gt 0 ]; then
	run "good + missing file" 66 check "${scenario_files[0]}" "$tmp/no-such-flows.json"
fi
run "bad + missing file" 65 check "$bad_dir/15-unknown-unit.json" "$tmp/no-such-flows.json"

run "check without a file" 64 check
if [ -s "$tmp/err" ]; then pass; else fail "check without a file: nothing on stderr"; fi
run "symbi without a command" 64
run "unknown command" 64 no-such-command
run "unknown option" 64 check --no-such-option "$bad_dir/15-unknown-unit.json"

if run "check --help" 0 check --help; then
	if grep -q "usage: symbi check" "$tmp/out"; then pass; else fail "check --help: no usage"; fi
fi
if run "symbi --help" 0 --help; then
	if grep -q "usage: symbi" "$tmp/out"; then pass; else fail "symbi --help: no usage on stdout"; fi
fi
if run "symbi --version" 0 --version; then
	if grep -Eq '^symbi [0-9]' "$tmp/out"; then pass; else fail "--version: $(cat "$tmp/out")"; fi
fi

# --- a broken taxonomy is a configuration error ----------------------------
some_flows=${scenario_files[0]:-$bad_dir/15-unknown-unit.json}
printf '{ "format": "symbiod-taxonomy/1", "name": "broken", ' >"$tmp/truncated.json"
printf '{ "format": "symbiod-taxonomy/9", "name": "x", "version": "1", "categories": [] }\n' \
	>"$tmp/wrong-format.json"
cat >"$tmp/bad-unit.json" <<'EOF'
{ "format": "symbiod-taxonomy/1", "name": "x", "version": "1", "categories": [
  { "id": 1, "path": "energy", "name": "Energy" },
  { "id": 100, "path": "energy.steam", "name": "Steam",
    "quantity": { "unit": "t/h", "scale": "log", "min": 0.001, "max": 1e12, "bits": 10 } } ] }
EOF
cat >"$tmp/orphan.json" <<'EOF'
{ "format": "symbiod-taxonomy/1", "name": "x", "version": "1", "categories": [
  { "id": 100, "path": "energy.steam", "name": "Steam",
    "quantity": { "unit": "t/yr", "scale": "log", "min": 0.001, "max": 1e12, "bits": 10 } } ] }
EOF
for t in truncated wrong-format bad-unit orphan; do
	if run "--taxonomy $t" 78 check --taxonomy "$tmp/$t.json" "$some_flows"; then
		if grep -qF "$t.json" "$tmp/err"; then pass; else fail "--taxonomy $t: file not named"; fi
	fi
done
run "--taxonomy missing" 78 check --taxonomy "$tmp/no-such-taxonomy.json" "$some_flows"
if [ -f "$src/data/taxonomy.json" ] && [ ${#scenario_files[@]} -gt 0 ]; then
	run "--taxonomy shipped default" 0 check --taxonomy "$src/data/taxonomy.json" "$some_flows"
fi

echo "check.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
