#!/usr/bin/env bash
# Runs jic's benchmarks and prints one JSON object per line
# (name, n, p50_us, p99_us, per_s, and details).
#   BENCH=all|w1|decide|w2|micro  N=sizes (comma-separated; for w2 the numbers
#   of areas Z)  WORKLOAD=DIR
# Without WORKLOAD, the peers' generator (bench/gen_workload.py, the same code
# as ../shared/bench/peers/gen_workload.py) writes one under /tmp/jic-bench-workload.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-all}
N=${N:-}
PYTHON=${PYTHON:-/usr/bin/python3}
WORKLOAD=${WORKLOAD:-}
[ -n "$N" ] || { [ "$BENCH" = w2 ] && N=100,1000,10000; } || N=10000,100000,1000000
NMAX=$(tr ',' '\n' <<<"$N" | sort -n | tail -1)
if [ -z "$WORKLOAD" ] && [ "$BENCH" != micro ]; then
  WORKLOAD=/tmp/jic-bench-workload
  if ! "$PYTHON" -c 'import numpy' 2>/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-numpy >/dev/null
  fi
  stamp="stored=$NMAX areas=10000 $(md5sum <bench/gen_workload.py | cut -c1-12)"
  if [ ! -f "$WORKLOAD/stamp" ] || [ "$(cat "$WORKLOAD/stamp")" != "$stamp" ]; then
    echo "generating workload in $WORKLOAD ($stamp)" >&2
    mkdir -p "$WORKLOAD"
    "$PYTHON" bench/gen_workload.py --out "$WORKLOAD" --seed 20250101 --stored "$NMAX" \
      --queries 1000 --areas 10000 --points 100000 >&2
    echo "$stamp" >"$WORKLOAD/stamp"
  fi
fi
IFS=, read -ra NS <<<"$N"
if [ "$BENCH" = all ] || [ "$BENCH" = w1 ]; then
  for n in "${NS[@]}"; do ./build/bench/jic_bench w1 --workload "$WORKLOAD" --n "$n"; done
fi
if [ "$BENCH" = all ] || [ "$BENCH" = decide ]; then
  for n in "${NS[@]}"; do ./build/bench/jic_bench decide --workload "$WORKLOAD" --n "$n" --areas 1000; done
fi
if [ "$BENCH" = w2 ]; then
  for z in "${NS[@]}"; do ./build/bench/jic_bench w2 --workload "$WORKLOAD" --n "$z"; done
elif [ "$BENCH" = all ]; then
  for z in 100 1000 10000; do ./build/bench/jic_bench w2 --workload "$WORKLOAD" --n "$z"; done
fi
if [ "$BENCH" = all ] || [ "$BENCH" = micro ]; then
  ./build/bench/jic_micro_bench
fi
