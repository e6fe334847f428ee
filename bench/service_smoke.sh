#!/usr/bin/env bash
# ctest bench_service_smoke: scripts/bench_service.sh end to end with ~1 s runs
# (notify, GET /v1/operations/{id}, hello, 4 connections each) against real
# `jic serve` processes; passes when every run reports zero errors. No timing
# thresholds: this only keeps the load generator and the script from rotting.
#   usage: service_smoke.sh JIC JIC_LOAD
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 JIC JIC_LOAD" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jic-bench-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
rc=0
SKIP_BUILD=1 JIC=$1 JIC_LOAD=$2 DURATION=1 WARMUP=0.2 THREADS=2 \
  NOTIFY_CONNS=4 GET_CONNS=4 HELLO_CONNS=4 RESULTS="$tmp/runs.jsonl" DATA_ROOT="$tmp" \
  bash "$here/../scripts/bench_service.sh" || rc=$?
[ "$rc" = 0 ] || { echo "FAIL: bench_service.sh exited $rc" >&2; exit 1; }
"${PYTHON:-python3}" - "$tmp/runs.jsonl" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
modes = sorted(r["mode"] for r in runs)
bad = [r for r in runs if r["requests"] == 0 or r["errors"] or r["warmup_errors"]
       or r["connect_errors"] or r["ok"] != r["requests"]]
if modes != ["get", "hello", "notify"] or bad:
    sys.exit("FAIL: modes %s, runs with errors or no requests: %s" % (modes, bad))
print("ok: " + ", ".join("%s %d requests, 0 errors" % (r["mode"], r["requests"]) for r in runs))
PY
