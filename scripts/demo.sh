#!/usr/bin/env bash
# make demo: a center on 127.0.0.1:8080 with the jic-2016 scenario.
#
# Starts `jic serve` in a fresh data folder with scenarios/jic-2016's agreement,
# creates demo users (one per party and role), seeds the scenario's
# notifications over HTTP, prints the tokens and a few curl lines, and serves
# until Ctrl-C.
#
#   DEMO_LISTEN=127.0.0.1:8080   where to listen
#   DEMO_DATA=build/demo-data    the data folder (wiped first)
#   DEMO_CHECK=1                 seed, check every decision against the
#                                scenario's expectations, stop (for make test)
set -euo pipefail
cd "$(dirname "$0")/.."
LISTEN=${DEMO_LISTEN:-127.0.0.1:8080}
DATA=${DEMO_DATA:-build/demo-data}
PYTHON=${PYTHON:-/usr/bin/python3}
JIC=./build/jic
SCEN=scenarios/jic-2016

rm -rf "$DATA"
mkdir -p "$(dirname "$DATA")"

# Starts the server, waits for its "listening on" line; sets SERVER_PID, ADDR.
start() {
  local fifo
  fifo=$(mktemp -u)
  mkfifo "$fifo"
  "$JIC" serve --data "$DATA" --listen "$1" "${@:2}" >"$fifo" 2>>"$DATA.log" &
  SERVER_PID=$!
  if ! read -r -t 30 line <"$fifo"; then
    rm -f "$fifo"
    echo "demo: jic serve did not start; see $DATA.log" >&2
    tail -5 "$DATA.log" >&2 || true
    exit 1
  fi
  exec 3<"$fifo" 2>/dev/null || true
  rm -f "$fifo"
  ADDR=${line#listening on }
}

stop() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
  fi
  SERVER_PID=
}
trap stop EXIT

: >"$DATA.log"
# First start: installs the agreement as the log's first entry.
start 127.0.0.1:0 --agreement "$SCEN/agreement.yaml"
stop

# Demo users (the server is stopped: jic user add takes the folder's lock).
declare -A TOKENS
USERS=(us-planner:US:planner us-officer:US:officer ru-planner:RU:planner ru-officer:RU:officer
       us-watch:US:watch observer:UN:observer admin:JIC:admin)
for u in "${USERS[@]}"; do
  IFS=: read -r name party role <<<"$u"
  TOKENS[$name]=$("$JIC" user add --data "$DATA" --name "$name" --party "$party" --role "$role")
done
TOKEN_FILE="$DATA/tokens.txt"
for u in "${USERS[@]}"; do
  IFS=: read -r name party role <<<"$u"
  printf '%-12s %-3s %-9s %s\n' "$name" "$party" "$role" "${TOKENS[$name]}"
done >"$TOKEN_FILE"

start "$LISTEN"
URL="http://$ADDR"

# Seed the scenario's notifications, each by a planner of its submitting party.
SEED_ARGS=(--url "$URL" --notifications "$SCEN/notifications.jsonl" --tokens "$TOKEN_FILE")
if [ "${DEMO_CHECK:-0}" = 1 ]; then
  "$PYTHON" scripts/demo_seed.py "${SEED_ARGS[@]}" --check
  stop
  "$JIC" replay-check --data "$DATA"
  exit 0
fi
"$PYTHON" scripts/demo_seed.py "${SEED_ARGS[@]}"

US=${TOKENS[us-planner]}
USO=${TOKENS[us-officer]}
cat <<TXT

jic is serving the jic-2016 scenario at $URL
  console:  $URL/   (sign in with a token below: us-officer approves, ru-planner notifies, us-watch acknowledges)
  API:      $URL/v1/openapi.json   (OpenAPI 3, needs a token)
  data:     $DATA   (log: $DATA/log.sqlite, server log: $DATA.log)

Demo users and their tokens (also in $TOKEN_FILE):
$(sed 's/^/  /' "$TOKEN_FILE")

Try:
  curl -s -H 'Authorization: Bearer $US' $URL/v1/operations?state=pending_approval
  curl -s -H 'Authorization: Bearer $USO' -H 'Content-Type: application/json' \\
       -d '{"approve": true, "reason": "agreed"}' $URL/v1/operations/op-3/approvals
  curl -s -H 'Authorization: Bearer $US' $URL/v1/operations/op-3
  curl -sN -H 'Authorization: Bearer $US' -H 'Last-Event-ID: 0' $URL/v1/events
  curl -s -H 'Authorization: Bearer $US' $URL/metrics | grep jic_decisions

The ledger (docs/ledger.md): the center's key is $DATA/ledger/center.vkey
  curl -s -H 'Authorization: Bearer $US' $URL/v1/ledger/checkpoint
  $JIC mirror --url $URL --token $US --key "\$(cat $DATA/ledger/center.vkey)" /tmp/us-mirror --once
  $JIC verify --dir /tmp/us-mirror --key "\$(cat $DATA/ledger/center.vkey)"

Ctrl-C stops the center (it finishes what is in flight and exits).
TXT
wait "$SERVER_PID" || true
SERVER_PID=
