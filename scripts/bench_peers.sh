#!/usr/bin/env bash
# Measures jic beside its peers in one run, on the same workload bytes:
#  1. ../shared/bench/peers/run.sh (PostGIS, GEOS, S2; their own installs and workload),
#  2. jic's W1 and decide() benchmarks on that workload folder, W1 per-query
#     results checked against GEOS's (hit count and id sum per query),
#  3. a markdown table of both, printed to stdout (paste into bench/RESULTS.md).
# Knobs: WORK (default /tmp/jic-peers), SIZES (default 10000,100000,1000000),
# TOOLS for the peers (default geos,s2,postgis), PEERS (path of the peers' folder).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/jic-peers}
SIZES=${SIZES:-10000,100000,1000000}
TOOLS=${TOOLS:-geos,s2,postgis}
PEERS=${PEERS:-../shared/bench/peers}
mkdir -p "$WORK/jic"
if [ "${SKIP_PEERS:-0}" != 1 ]; then
  WORK=$WORK SIZES=$SIZES TOOLS=$TOOLS RESULTS_DIR=$WORK bash "$PEERS/run.sh" >&2
fi
cmake --preset release >/dev/null && cmake --build --preset release -j 2 --target jic_bench >/dev/null
: >"$WORK/jic/summary.jsonl"
IFS=, read -ra NS <<<"$SIZES"
for n in "${NS[@]}"; do
  ./build/bench/jic_bench w1 --workload "$WORK/data" --n "$n" --res "$WORK/jic/w1_$n.tsv" >>"$WORK/jic/summary.jsonl"
done
for n in "${NS[@]}"; do
  ./build/bench/jic_bench decide --workload "$WORK/data" --n "$n" --areas 1000 >>"$WORK/jic/summary.jsonl"
done
/usr/bin/python3 - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]
peers = [json.loads(l) for l in open(os.path.join(work, "out", "summary.jsonl")) if l.strip()]
ours = [json.loads(l) for l in open(os.path.join(work, "jic", "summary.jsonl")) if l.strip()]
def res(path):
    d = {}
    for line in open(path):
        a = line.split()
        d[int(a[0])] = (int(a[1]), int(a[2]))
    return d
print("| tool | N | p50 | p99 | throughput | index build | hits/query | agrees with GEOS |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for o in [o for o in ours if o["name"] == "w1"]:
    n = o["n"]
    g = os.path.join(work, "out", "res", "geos_w1_%d.tsv" % n)
    agree = "-"
    if os.path.exists(g):
        a, b = res(g), res(os.path.join(work, "jic", "w1_%d.tsv" % n))
        diff = sum(1 for k in a if a[k] != b.get(k))
        agree = "all %d queries" % len(a) if diff == 0 else "%d of %d differ" % (diff, len(a))
    print("| **jic** | {:,} | {:.2f} µs | {:.2f} µs | {:,.0f}/s | {:.2f} s | {:.3f} | {} |".format(
        n, o["p50_us"], o["p99_us"], o["per_s"], o["build_s"], o["mean_hits"], agree))
    for p in peers:
        if p["workload"] == "W1" and p["size"] == n:
            print("| {} | {:,} | {:.2f} µs | {:.2f} µs | {:,.0f}/s | {:.2f} s | {:.3f} | |".format(
                p["tool"], n, p["p50_us"], p["p99_us"], p.get("throughput_per_s", 0),
                p.get("build_s", 0), p.get("mean_hits", 0)))
print()
print("| jic W1 N | index bytes / volume | vertex bytes / volume | candidates / query | peak RSS |")
print("|---:|---:|---:|---:|---:|")
for o in [o for o in ours if o["name"] == "w1"]:
    print("| {:,} | {:.0f} | {:.0f} | {:.2f} | {} MB |".format(o["n"], o["index_bytes_per_volume"],
          o["vertex_bytes_per_volume"], o["mean_candidates"], o["rss_mb"]))
print()
print("| decide() N | areas | p50 | p99 | decisions/s | findings / decision | accepted / needs approval / rejected |")
print("|---:|---:|---:|---:|---:|---:|---|")
for o in [o for o in ours if o["name"] == "decide"]:
    print("| {:,} | {} | {:.2f} µs | {:.2f} µs | {:,.0f}/s | {:.2f} | {} / {} / {} |".format(
        o["n"], o["areas"], o["p50_us"], o["p99_us"], o["per_s"], o["mean_findings"],
        o["accepted"], o["needs_approval"], o["rejected"]))
PY
