#!/usr/bin/env bash
# Every scenario park: the blinded matching finds exactly the expected candidates.
# usage: offline-match.sh SYMBI_BENCH DIR...   (each DIR holds park folders with expected.json)
set -u
bench=$1
shift
pass=0 fail=0
for dir in $(for parent in "$@"; do ls -d "$parent"/*/; done); do
	name=$(basename "$dir")
	[ -f "$dir/expected.json" ] || continue
	got=$("$bench" offline-match --json "$dir") || { echo "FAIL $name: offline-match exited $?"; fail=$((fail + 1)); continue; }
	if python3 - "$dir/expected.json" "$got" <<'PY'
import json, sys
expected = sorted(tuple(c) for c in json.load(open(sys.argv[1]))["candidates"])
got = sorted((c["supplier"], c["offer"], c["consumer"], c["need"]) for c in json.loads(sys.argv[2]))
ids = [c["candidate"] for c in json.loads(sys.argv[2])]
if got != expected:
    print("expected:", expected); print("got:     ", got); sys.exit(1)
if len(set(ids)) != len(ids) or any(len(i) != 32 for i in ids):
    print("candidate ids not unique 128-bit hex"); sys.exit(1)
PY
	then
		echo "ok   $name: $(echo "$got" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') candidates as expected"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		fail=$((fail + 1))
	fi
done
[ $pass -gt 0 ] || { echo "no park with expected.json found in $*"; fail=$((fail + 1)); }
# The benchmarks' numbers: refused (exit 64, naming the option) unless whole and in range.
for args in "oprf --elements 12abc" "oprf --elements -5" "oprf --elements 1" "oprf --seed x" \
	"park --companies 0x10" "park --companies 5001" "park --flows 3.5" "park --jobs 0" \
	"park --area-km -1" "park --max-need 1e3" "park --mode fast"; do
	opt=$(echo "$args" | awk '{print $2}')
	err=$("$bench" $args 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 64 ] && echo "$err" | grep -q -- "$opt"; then
		pass=$((pass + 1))
	else
		echo "FAIL symbi-bench $args: exit $rc, \"$err\""
		fail=$((fail + 1))
	fi
done
echo "offline-match: $pass passed, $fail failed"
[ $fail -eq 0 ]
