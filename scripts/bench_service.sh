#!/usr/bin/env bash
# The service benchmark: `jic serve` under load from bench/jic_load, on loopback.
#
#   1. builds jic and jic_load (release preset, in $BUILD_DIR);
#   2. a center with the jic-2016 agreement and a US planner, in a fresh data folder:
#      notify (POST /v1/operations: decide() + durable commit) at 1, 16, 64 connections,
#      then GET /v1/operations/{id} at 16 and 64;
#   3. `jic serve --hello-world` (same server stack, constant answer): the ceiling, at
#      16 and 64 connections;
#   4. prints a markdown table and the ratio GET / hello.
#
# Settings (environment):
#   DURATION=5        measured seconds per run      WARMUP=1   warm-up seconds per run
#   THREADS=2         the server's --threads         CLIENT_THREADS=1  jic_load --threads
#   NOTIFY_CONNS="1 16 64"  GET_CONNS="16 64"  HELLO_CONNS="16 64"   (empty: skip)
#   BUILD_DIR=build   SKIP_BUILD=1 to use the binaries as they are (JIC=, JIC_LOAD= override)
#   DATA_ROOT=DIR     where the data folders go (default: a new folder under $TMPDIR or
#                     /tmp); put it on the disk you mean to measure: fsync cost is the point
#   KEEP=1            keep the data folders and server logs    RESULTS=FILE  JSON lines copy
# Exit status: 0 when every request of every run got a 2xx, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
BUILD_DIR=${BUILD_DIR:-build}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
THREADS=${THREADS:-2}
CLIENT_THREADS=${CLIENT_THREADS:-1}
NOTIFY_CONNS=${NOTIFY_CONNS-1 16 64}
GET_CONNS=${GET_CONNS-16 64}
HELLO_CONNS=${HELLO_CONNS-16 64}
JOBS=${JOBS:-2}
PYTHON=${PYTHON:-python3}
AGREEMENT=${AGREEMENT:-$SRC/scenarios/jic-2016/agreement.yaml}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building jic and jic_load in $BUILD_DIR" >&2
  if [ "$BUILD_DIR" = build ]; then
    cmake --preset release >/dev/null
  else
    cmake --preset release -B "$BUILD_DIR" >/dev/null
  fi
  cmake --build "$BUILD_DIR" --target jic jic_load -j "$JOBS" >&2
fi
JIC=${JIC:-$BUILD_DIR/jic}
JIC_LOAD=${JIC_LOAD:-$BUILD_DIR/bench/jic_load}
for b in "$JIC" "$JIC_LOAD"; do
  [ -x "$b" ] || { echo "bench_service: $b is missing (build it, or unset SKIP_BUILD)" >&2; exit 2; }
done
JIC=$(realpath "$JIC")
JIC_LOAD=$(realpath "$JIC_LOAD")

if [ -n "${DATA_ROOT:-}" ]; then
  mkdir -p "$DATA_ROOT"
  WORK=$(mktemp -d "$DATA_ROOT/jic-bench-service.XXXXXX")
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/jic-bench-service.XXXXXX")
fi
RUNS=$WORK/runs.jsonl
: >"$RUNS"
SERVER_PID=
SERVER_PORT=
SERVER_LOG=

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then
    echo "kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server NAME DATA [ARGS...]: sets SERVER_PID, SERVER_PORT, SERVER_LOG.
start_server() {
  local name=$1 data=$2
  shift 2
  local out=$WORK/$name.stdout
  SERVER_LOG=$WORK/$name.stderr
  "$JIC" serve --data "$data" --listen 127.0.0.1:0 --threads "$THREADS" "$@" \
    >"$out" 2>>"$SERVER_LOG" &
  SERVER_PID=$!
  local line=
  for _ in $(seq 600); do
    line=$(grep -m1 '^listening on ' "$out" || true)
    [ -n "$line" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "bench_service: jic serve ($name) exited before listening:" >&2
      cat "$SERVER_LOG" >&2
      SERVER_PID=
      exit 2
    fi
    sleep 0.05
  done
  [ -n "$line" ] || { echo "bench_service: jic serve ($name) did not start" >&2; exit 2; }
  SERVER_PORT=${line##*:}
}

# stop_server: SIGTERM, and the exit code must be 0.
stop_server() {
  local rc=0
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=
  if [ "$rc" != 0 ]; then
    echo "bench_service: jic serve exited $rc on SIGTERM; its log:" >&2
    tail -20 "$SERVER_LOG" >&2
    FAILED=1
  fi
}

FAILED=0
# load MODE CONNS [ARGS...]: one jic_load run; its JSON line goes to $RUNS.
load() {
  local mode=$1 conns=$2
  shift 2
  local out rc=0
  out=$("$JIC_LOAD" --port "$SERVER_PORT" --mode "$mode" --connections "$conns" \
          --duration-s "$DURATION" --warmup-s "$WARMUP" --threads "$CLIENT_THREADS" "$@" \
          2>"$WORK/load.stderr") || rc=$?
  if [ -n "$out" ]; then
    sed -n 1p <<<"$out" >&2
    sed -n 2p <<<"$out" >>"$RUNS"
  fi
  if [ -s "$WORK/load.stderr" ]; then sed 's/^/  /' "$WORK/load.stderr" >&2; fi
  if [ "$rc" != 0 ]; then
    echo "bench_service: jic_load $mode c=$conns exited $rc" >&2
    FAILED=1
  fi
}

echo "# jic service benchmark: $(date -u +%FT%TZ), $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, data on $(stat -f -c %T "$WORK") ($WORK), server --threads $THREADS, ${DURATION}s runs after ${WARMUP}s warm-up" >&2

# --- the center: first start with the agreement, stop, add a planner, start.
CENTER=$WORK/center
start_server center "$CENTER" --agreement "$AGREEMENT"
stop_server
TOKEN=$("$JIC" user add --data "$CENTER" --name bench-planner --party US --role planner)
start_server center "$CENTER"

index=0
for c in $NOTIFY_CONNS; do
  load notify "$c" --token "$TOKEN" --first-index $((index * 10000000))
  index=$((index + 1))
done

if [ -n "$GET_CONNS" ]; then
  # One operation with a known id, away from jic_load's grid (30-40N, 30-45E).
  OP_ID=bench-get-1
  "$PYTHON" - "$SERVER_PORT" "$TOKEN" "$OP_ID" <<'EOF'
import http.client, json, sys
port, token, op_id = int(sys.argv[1]), sys.argv[2], sys.argv[3]
vertices = [{"lat": 29.0, "lng": 29.0}, {"lat": 29.0, "lng": 29.05},
            {"lat": 29.05, "lng": 29.05}, {"lat": 29.05, "lng": 29.0}]
alt = lambda v: {"value": v, "reference": "W84", "units": "M"}
t = lambda v: {"value": v, "format": "RFC3339"}
op = {"id": op_id, "operator": "US", "category": "isr",
      "aircraft": [{"callsign": "BENCH1", "icao24": "ae1234"}],
      "volumes": [{"volume": {"outline_polygon": {"vertices": vertices},
                              "altitude_lower": alt(6000), "altitude_upper": alt(9000)},
                   "time_start": t("2030-01-01T06:00:00Z"), "time_end": t("2030-01-01T07:00:00Z")}]}
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
c.request("POST", "/v1/operations", body=json.dumps(op),
          headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
r = c.getresponse()
body = r.read().decode()
if r.status != 201:
    sys.exit("bench_service: POST /v1/operations: %d %s" % (r.status, body))
EOF
  for c in $GET_CONNS; do
    load get "$c" --token "$TOKEN" --path "/v1/operations/$OP_ID"
  done
fi
stop_server

# --- the ceiling: the same server stack answering a constant.
if [ -n "$HELLO_CONNS" ]; then
  start_server hello "$WORK/hello" --hello-world
  for c in $HELLO_CONNS; do
    load hello "$c"
  done
  stop_server
fi

[ -z "${RESULTS:-}" ] || cp "$RUNS" "$RESULTS"
echo >&2
"$PYTHON" - "$RUNS" <<'EOF'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
name = {"notify": "notify (POST /v1/operations)", "get": "GET /v1/operations/{id}",
        "hello": "hello (--hello-world)"}
print("| mode | connections | req/s | p50 ms | p99 ms | errors |")
print("|---|---:|---:|---:|---:|---|")
for r in runs:
    errs = r["errors"] + r["warmup_errors"] + r["connect_errors"]
    detail = ", ".join("%s: %d" % kv for kv in r["errors_by_status"].items())
    print("| %s | %d | %.0f | %.2f | %.2f | %d%s |" % (
        name.get(r["mode"], r["mode"]), r["connections"], r["req_per_s"], r["p50_ms"],
        r["p99_ms"], errs, " (" + detail + ")" if detail else ""))
rate = {(r["mode"], r["connections"]): r["req_per_s"] for r in runs}
ratios = []
for (mode, c), v in sorted(rate.items()):
    if mode == "get" and ("hello", c) in rate and rate[("hello", c)] > 0:
        ratios.append("%.2f at %d connections" % (v / rate[("hello", c)], c))
if ratios:
    print()
    print("GET / hello throughput: " + "; ".join(ratios))
EOF

if [ "$FAILED" != 0 ]; then
  echo "bench_service: some requests failed (see errors above)" >&2
  exit 1
fi
