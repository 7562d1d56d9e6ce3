#!/bin/sh
# Run every fuzz target for SECONDS each, two at a time (one per core).
#
# usage: tests/fuzz/run.sh SECONDS [TARGET...]
#
# Builds the fuzz configuration in build-fuzz/ (clang, SYMBI_FUZZ=ON, the
# instrumented protobuf-c from get-protobuf-c.sh when it can be fetched) if
# needed. Each target starts from its committed corpus (tests/fuzz/corpus/T,
# read only) and writes new inputs and crash artifacts into
# build-fuzz/fuzz-work/T/. Stops after the pair in which a target crashed and
# prints the crashing input. Per-target logs: build-fuzz/fuzz-work/T.log,
# summary (runs, cov, ft, corpus) on stdout.
# SYMBI_FUZZ_SOURCE overrides the source tree (default: this checkout).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${SYMBI_FUZZ_SOURCE:-$(cd "$here/../.." && pwd)}
secs=${1:?usage: run.sh SECONDS [TARGET...]}
shift
build=$src/build-fuzz
work=$build/fuzz-work
all="fuzz_wire_unpack fuzz_wire_request fuzz_wire_response fuzz_flows fuzz_taxonomy fuzz_zap
fuzz_checkpoint fuzz_audit_entry fuzz_audit_rules fuzz_audit_verify fuzz_merkle fuzz_cert
fuzz_parkinfo fuzz_envelope fuzz_roundseen fuzz_policy fuzz_certcache fuzz_factors fuzz_batchfile
fuzz_shamir fuzz_hardanswer fuzz_paircache fuzz_roundfile"
targets=${*:-$all}

if [ ! -f "$build/CMakeCache.txt" ]; then
	pbc=$("$here/get-protobuf-c.sh" "$build/protobuf-c-src" | tail -n 1) || pbc=
	[ -n "$pbc" ] || echo "run.sh: protobuf-c source unavailable, using the uninstrumented system library" >&2
	cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DSYMBI_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYMBI_PROTOBUF_C_SRC="$pbc" >/dev/null
fi
cmake --build "$build" -j2 --target fuzz_all >/dev/null

mkdir -p "$work"
crashed=

run_one() {
	t=$1
	mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
	# New inputs go into the first directory only; the committed corpus is read.
	"$build/bin/$t" -max_total_time="$secs" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
		-artifact_prefix="$work/$t/artifacts/" "$work/$t/corpus" "$here/corpus/$t" \
		>"$work/$t.log" 2>&1
}

summary() {
	t=$1
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -n 1)
	last=$(grep -E '^#[0-9]+.*cov:' "$work/$t.log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
	printf '%-20s %6ss runs=%-10s cov=%-6s ft=%-6s corp=%s\n' "$t" "$secs" "${runs:-?}" \
		"${cov:-?}" "${ft:-?}" "${corp:-?}"
}

set -- $targets
while [ $# -gt 0 ]; do
	a=$1; shift
	b=
	if [ $# -gt 0 ]; then b=$1; shift; fi
	ra=0; rb=0
	run_one "$a" & pa=$!
	if [ -n "$b" ]; then run_one "$b" & pb=$!; fi
	wait "$pa" || ra=$?
	if [ -n "$b" ]; then wait "$pb" || rb=$?; fi
	for x in "$a:$ra" ${b:+"$b:$rb"}; do
		t=${x%%:*}; r=${x#*:}
		summary "$t"
		if [ "$r" -ne 0 ]; then
			crashed=$t
			input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/$t.log" | tail -n 1)
			echo "CRASH in $t (exit $r): ${input:-see $work/$t.log}"
			grep -E 'ERROR: |SUMMARY: |^ *#[0-9]+ ' "$work/$t.log" | head -n 30
		fi
	done
	[ -z "$crashed" ] || exit 1
done
