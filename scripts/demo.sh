#!/usr/bin/env bash
# Quick start, step 1: install the dependencies, build, and run the demo park.
#
# Until the coordinator daemon lands, the demo runs the blinded matching of
# examples/kalundborg offline, in one process: every company gets fresh keys
# and encodes its own flows, and the matching only intersects tokens.
set -euo pipefail
cd "$(dirname "$0")/.."
park=${1:-examples/kalundborg}

bash deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"

echo
echo "== Checking every company's flows file (offline, nothing is sent)"
for f in "$park"/*.json; do
	case $(basename "$f") in companies.json | expected.json) continue ;; esac
	build/bin/symbi check "$f" 2>/dev/null
done
echo
echo "== Blinded matching of $park: candidates found from tokens alone"
build/bin/symbi-bench offline-match "$park"
