#!/usr/bin/env bash
# Quick start, step 2: build and run the whole test suite, twice: a normal
# build, then everything built with AddressSanitizer + UndefinedBehaviorSanitizer.
# Two more configurations are only built: a packager's (Debian's
# dpkg-buildflags, build type None) and clang -O3. Every build here treats
# warnings as errors; SYMBI_WERROR=OFF in the environment turns that off.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
werror=${SYMBI_WERROR:-ON}

bash deploy/install-deps.sh

run_suite() {
	local dir=$1
	shift
	build_only "$dir" "$@"
	(cd "$dir" && ctest --output-on-failure -j"$jobs")
}

build_only() {
	local dir=$1
	shift
	cmake -S . -B "$dir" -DBUILD_TESTING=ON -DSYMBI_WERROR="$werror" "$@" >/dev/null
	cmake --build "$dir" -j"$jobs"
}

echo "== normal build (build/)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== ASan + UBSan build (build-asan/)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DSYMBI_SANITIZE=ON -DCMAKE_C_COMPILER=clang
echo "== packager build, Debian's dpkg-buildflags (build-dpkg/, build only)"
# As debhelper does it: CMake ignores CPPFLAGS (-D_FORTIFY_SOURCE=2), so they
# join CFLAGS; the project must then not define _FORTIFY_SOURCE a second time.
(
	eval "$(dpkg-buildflags --export=sh)"
	export CFLAGS="$CFLAGS $CPPFLAGS" LDFLAGS
	build_only build-dpkg -DCMAKE_BUILD_TYPE=None -DCMAKE_C_COMPILER=gcc
)
echo "== clang -O3 (build-clang-release/, build only)"
build_only build-clang-release -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang
echo "== unit tests under valgrind (build/)"
# Every cmocka unit test once more under memcheck: uninitialised reads and
# definite leaks fail the run. The property test runs a smaller draw here.
vg_fail=0
for t in build/bin/test_*; do
	name=$(basename "$t")
	if ! SYMBIOD_DATA_DIR=$PWD/build/share/symbiod SYMBI_PROPERTY_PAIRS=20000 \
		valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite -q \
		"$t" >"build/valgrind-$name.log" 2>&1; then
		echo "valgrind: $name FAILED (see build/valgrind-$name.log)"
		vg_fail=$((vg_fail + 1))
	else
		echo "valgrind: $name clean"
	fi
done
[ "$vg_fail" -eq 0 ] || { echo "test.sh: $vg_fail unit tests failed under valgrind"; exit 1; }
echo "test.sh: all suites passed"
