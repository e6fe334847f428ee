#!/bin/bash
# A/B of two builds of the monitor benchmark on a machine whose cores do not
# keep still: both binaries run at once, one on each core, and the cores are
# swapped from one pair to the next, so that a core slower for the minute
# weighs on both sides alike. Prints each pair's ratio (B over A, total and
# the median of its rounds) and their geometric mean over all pairs.
#
#   bench/monitor_ab.sh OLD_BINARY NEW_BINARY [PAIRS] [-- BENCH_ARGS...]
#
# e.g. bench/monitor_ab.sh /tmp/jic_monitor_bench.old build/bench/jic_monitor_bench 6
# (bench args default to --reports 1000000 --rounds 10). Needs two cores,
# taskset (util-linux) and python3. Takes about 25 s per pair.
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
a=$1
b=$2
shift 2
pairs=6
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  pairs=$1
  shift
fi
[ "${1:-}" = "--" ] && shift
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--reports 1000000 --rounds 10)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq 1 "$pairs"); do
  if [ $((i % 2)) = 1 ]; then ca=0 cb=1; else ca=1 cb=0; fi
  taskset -c $ca "$a" "${args[@]}" >"$out/a.json" &
  pa=$!
  taskset -c $cb "$b" "${args[@]}" >"$out/b.json" &
  pb=$!
  wait $pa
  wait $pb
  python3 - "$out" "$i" "$ca" "$cb" <<'PY'
import json, sys
d, i, ca, cb = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
a = json.load(open(d + "/a.json"))
b = json.load(open(d + "/b.json"))
ra, rb = a.get("rounds_per_s", [a["reports_per_s"]]), b.get("rounds_per_s", [b["reports_per_s"]])
rounds = sorted(y / x for x, y in zip(ra, rb))
ratio = b["reports_per_s"] / a["reports_per_s"]
with open(d + "/ratios", "a") as f:
    f.write("%r\n" % ratio)
same = "same" if a.get("transitions") == b.get("transitions") else "DIFFERENT"
print("pair %s (A on core %s, B on core %s): A %.0f/s, B %.0f/s, B/A %.3f (median round %.3f), transitions %s"
      % (i, ca, cb, a["reports_per_s"], b["reports_per_s"], ratio, rounds[len(rounds) // 2], same))
PY
done
python3 - "$out" <<'PY'
import math, sys
r = [float(x) for x in open(sys.argv[1] + "/ratios")]
print("B/A geometric mean over %d pairs: %.3f (pairs %.3f to %.3f)"
      % (len(r), math.exp(sum(map(math.log, r)) / len(r)), min(r), max(r)))
PY
