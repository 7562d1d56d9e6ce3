#!/usr/bin/env bash
# Quick start, step 2: build and run the whole test suite, twice: a normal
# build, then everything built with AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash deploy/install-deps.sh

run_suite() {
	local dir=$1
	shift
	cmake -S . -B "$dir" -DBUILD_TESTING=ON "$@" >/dev/null
	cmake --build "$dir" -j"$jobs"
	(cd "$dir" && ctest --output-on-failure -j"$jobs")
}

echo "== normal build (build/)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== ASan + UBSan build (build-asan/)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DSYMBI_SANITIZE=ON -DCMAKE_C_COMPILER=clang
echo "test.sh: all suites passed"
