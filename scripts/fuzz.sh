#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS (default 20) from its seed corpus.
# Findings are written to build-fuzz/findings/; a finding fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-20}
mkdir -p build-fuzz/findings
for t in agreement operation command sbs track_json; do
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus"
  cp -n fuzz/corpus/$t/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: ${t}_fuzzer for ${SECONDS_EACH}s"
  ./build-fuzz/fuzz/${t}_fuzzer -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix=build-fuzz/findings/${t}- -print_final_stats=0 "$corpus" 2>build-fuzz/${t}.log \
    || { tail -40 build-fuzz/${t}.log; echo "fuzz: ${t}_fuzzer found a problem (see build-fuzz/findings)"; exit 1; }
  grep -E "^Done|#[0-9]+.*DONE" build-fuzz/${t}.log | tail -1 || true
done
