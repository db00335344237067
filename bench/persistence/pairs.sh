#!/bin/bash
# QoS 1 to persistent sessions (pairs, clean session 0), in memory or with SQLite:
#   bench/persistence/pairs.sh memory|normal|full [more mqtt-load options]
# The broker (bench/persistence/broker.ts) is pinned to CPU 0, mqtt-load to CPU 1, as in
# ../shared/bench/run-compare.sh; SQLite gets a new temp data directory per run.
set -euo pipefail
mode=${1:?memory, normal or full}
shift
cd "$(dirname "$0")/../.."
LOAD=${MQTT_LOAD:-../shared/bench/mqtt-load}
PORT=$((20000 + RANDOM % 10000))
DIR=$(mktemp -d /tmp/edgemq-pairs-XXXXXX)
trap 'rm -rf "$DIR"' EXIT
persist=1
sync=$mode
if [ "$mode" = memory ]; then persist=0; sync=full; fi
PORT=$PORT PERSIST=$persist SYNC=$sync DATA_DIR=$DIR \
  taskset -c 0 node --import tsx bench/persistence/broker.ts >"$DIR/broker.out" 2>&1 &
BPID=$!
for _ in $(seq 1 100); do grep -q READY "$DIR/broker.out" 2>/dev/null && break; sleep 0.1; done
trap 'kill "$BPID" 2>/dev/null; rm -rf "$DIR"' EXIT
taskset -c 1 "$LOAD" -s pairs -P 4 -q 1 -c 0 -d 5 --warmup 1 -p "$PORT" --broker-pid "$BPID" "$@" |
  grep -E 'sent  |received  |latency|broker  '
kill "$BPID"
wait "$BPID" 2>/dev/null || true
grep commits "$DIR/broker.out" || true
