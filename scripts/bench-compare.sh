#!/usr/bin/env bash
# The side-by-side broker comparison (../shared/bench/run-compare.sh: mosquitto, aedes and
# edgemq on the same cores) with edgemq built from this checkout. Arguments and environment
# go to run-compare.sh, e.g. `npm run bench:compare -- --scenarios "pairs-q1 conn"`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
npm --prefix "$ROOT" run --silent build
# $PORT is expanded by run-compare.sh (bash -c) for each broker start, not here.
export EDGEMQ_CMD="${EDGEMQ_CMD:-node $ROOT/bin/edgemq.js start --url nmq-tcp://127.0.0.1:\$PORT}"
exec bash "$ROOT/../shared/bench/run-compare.sh" "$@"
