#!/bin/bash
# Sequential A/B of two builds of the monitor benchmark: the binaries run one
# after the other, alternately, pinned to one core (the last), each
# `--reports 1000000 --rounds 10`. For this workload, bound by memory, running
# both at once (bench/monitor_ab.sh) lets each slow the other through the
# shared L3 cache; this takes twice as long but compares like with like.
# Prints each run (best round, median round, transitions) and the ratios
# B/A of the medians over the runs of each one's best and median rounds.
#
#   bench/monitor_seq_ab.sh OLD_BINARY NEW_BINARY [RUNS]
#
# e.g. bench/monitor_seq_ab.sh /tmp/jic_monitor_bench.old build/bench/jic_monitor_bench 6
# (RUNS defaults to 4; about 20 s per run). Needs taskset (util-linux) and python3.
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
a=$1
b=$2
runs=${3:-4}
core=$(($(nproc) - 1))
for i in $(seq "$runs"); do
  for side in A B; do
    bin=$a
    [ "$side" = B ] && bin=$b
    out=$(taskset -c "$core" "$bin" --reports 1000000 --rounds 10)
    echo "$side $(echo "$out" | python3 -c 'import json,sys,statistics; d=json.loads(sys.stdin.read()); r=d["rounds_per_s"]; print(int(max(r)), int(statistics.median(r)), d["transitions"])')"
  done
done | python3 -c '
import sys, statistics
runs = {"A": [], "B": []}
for line in sys.stdin:
    side, best, med, transitions = line.split()
    runs[side].append((int(best), int(med), transitions))
    print("%s best round %s/s, median round %s/s, %s transitions" % (side, best, med, transitions))
for i, name in ((0, "best rounds"), (1, "median rounds")):
    a = statistics.median(r[i] for r in runs["A"])
    b = statistics.median(r[i] for r in runs["B"])
    print("%s: A %d/s, B %d/s, B/A %.3f" % (name, a, b, b / a))
if {r[2] for r in runs["A"]} != {r[2] for r in runs["B"]}:
    print("transitions DIFFER"); sys.exit(1)
print("transitions same")
'
