#!/usr/bin/env bash
# Everything `make test` runs: the release build and all its tests (unit and
# end-to-end), the unit tests again under ASan+UBSan, and each fuzz target
# briefly. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

step() { printf '\n== %s\n' "$*"; }

step "release build"
cmake --preset release >/dev/null
cmake --build --preset release -j "$JOBS"

step "operations console (web/): npm ci when stale, npm run build"
bash scripts/web.sh

step "tests (release)"
ctest --preset release

step "operations console in Chromium (web/tests/, screenshots in build/test-output/console/)"
(cd web && node tests/run.mjs)

step "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$JOBS" --target jic_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan

step "fuzz targets, ${FUZZ_SECONDS}s each"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$JOBS" --target agreement_fuzzer operation_fuzzer command_fuzzer \
  sbs_fuzzer track_json_fuzzer
bash scripts/fuzz.sh "$FUZZ_SECONDS"

step "demo scenario decides as expected (engine, then the served center)"
./build/jic demo scenarios/jic-2016 --check >/dev/null
DEMO_CHECK=1 DEMO_LISTEN=127.0.0.1:0 DEMO_DATA=build/demo-check bash scripts/demo.sh >/dev/null

echo
echo "all tests passed"
