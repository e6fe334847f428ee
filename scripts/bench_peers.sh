#!/usr/bin/env bash
# Measures jic beside its peers in one run, on the same workload bytes:
#  1. ../shared/bench/peers/run.sh (PostGIS, GEOS, S2; their own installs and workload),
#  2. jic's W1, decide() and W2 benchmarks on that workload folder, W1 per-query
#     and W2 per-report results checked against GEOS's (hit count and id sum),
#  3. markdown tables of both, printed to stdout (paste into bench/RESULTS.md).
# Knobs: WORK (default /tmp/jic-peers), SIZES (default 10000,100000,1000000),
# ZONES (W2 areas Z, default 100,1000,10000), TOOLS for the peers (default
# geos,s2,postgis), PEERS (path of the peers' folder), SKIP_PEERS=1 (reuse the
# peers' last results in $WORK), JIC_BUILD (jic's build folder, default build).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/jic-peers}
SIZES=${SIZES:-10000,100000,1000000}
ZONES=${ZONES:-100,1000,10000}
TOOLS=${TOOLS:-geos,s2,postgis}
JIC_BUILD=${JIC_BUILD:-build}
PEERS=${PEERS:-../shared/bench/peers}
mkdir -p "$WORK/jic"
if [ "${SKIP_PEERS:-0}" != 1 ]; then
  WORK=$WORK SIZES=$SIZES ZONES=$ZONES TOOLS=$TOOLS RESULTS_DIR=$WORK bash "$PEERS/run.sh" >&2
fi
if [ "$JIC_BUILD" = build ]; then
  cmake --preset release >/dev/null && cmake --build --preset release -j 2 --target jic_bench >/dev/null
fi
: >"$WORK/jic/summary.jsonl"
IFS=, read -ra NS <<<"$SIZES"
for n in "${NS[@]}"; do
  "./$JIC_BUILD/bench/jic_bench" w1 --workload "$WORK/data" --n "$n" --res "$WORK/jic/w1_$n.tsv" >>"$WORK/jic/summary.jsonl"
done
for n in "${NS[@]}"; do
  "./$JIC_BUILD/bench/jic_bench" decide --workload "$WORK/data" --n "$n" --areas 1000 >>"$WORK/jic/summary.jsonl"
done
# W2 right after the peers' W2 (same session, same files); answers checked
# against GEOS's for the reports the peers compared (their DIFF_K).
IFS=, read -ra ZS <<<"$ZONES"
for z in "${ZS[@]}"; do
  "./$JIC_BUILD/bench/jic_bench" w2 --workload "$WORK/data" --n "$z" --res "$WORK/jic/w2_$z.tsv" \
    >>"$WORK/jic/summary.jsonl"
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
        if p["workload"] == "W1" and p.get("size") == n:
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
print()
# W2: jic beside the peers at each Z, with ratios to GEOS and S2 (streaming, one core).
def rate(v):
    return "{:.2f} M/s".format(v / 1e6) if v >= 1e6 else "{:,.0f} k/s".format(v / 1e3)
def peer_rate(p):
    return p.get("single_throughput_per_s") if p["tool"] == "postgis" else p.get("throughput_per_s")
print("| tool | Z | p50 | p99 | reports/s (1 core) | jic ÷ tool | build | hits/report | agrees with GEOS |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
for o in [o for o in ours if o["name"] == "w2"]:
    z = o["z"]
    g = os.path.join(work, "out", "res", "geos_w2_%d.tsv" % z)
    agree = "-"
    if os.path.exists(g):
        a, b = res(g), res(os.path.join(work, "jic", "w2_%d.tsv" % z))
        diff = sum(1 for k in a if a[k] != b.get(k))
        agree = "all %d reports" % len(a) if diff == 0 else "%d of %d differ" % (diff, len(a))
    print("| **jic** | {:,} | {:.3f} µs | {:.3f} µs | {} | | {:.2f} s | {:.3f} | {} |".format(
        z, o["p50_us"], o["p99_us"], rate(o["reports_per_s"]), o["build_s"], o["mean_hits"], agree))
    for p in peers:
        if p["workload"] != "W2" or p.get("size") != z or not peer_rate(p):
            continue
        name = p["tool"] + (", one statement per report" if p["tool"] == "postgis" else "")
        print("| {} | {:,} | {:.3f} µs | {:.3f} µs | {} | {:.1f}× | {:.2f} s | {:.3f} | |".format(
            name, z, p["p50_us"], p["p99_us"], rate(peer_rate(p)), o["reports_per_s"] / peer_rate(p),
            p.get("build_s", 0), p.get("mean_hits", 0)))
print()
print("| jic W2 Z | index memory | cells | interior / boundary items | items / report | exact tests / report | edges / report | peak RSS |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for o in [o for o in ours if o["name"] == "w2"]:
    print("| {:,} | {:.1f} MB | {:,} | {:,} / {:,} | {:.2f} | {:.3f} | {:.2f} | {} MB |".format(
        o["z"], o["index_mb"], o["cells"], o["interior_items"], o["boundary_items"], o["mean_items"],
        o["mean_exact_tests"], o["mean_edges"], o["rss_mb"]))
PY
