#!/usr/bin/env bash
# Chat latency benchmark: the release dev gateway (as ./scripts/dev.sh runs
# it) on fresh local engines, 20 socket.io clients in one room (bench/chat.mjs).
#
#   bench/chat.sh                      # 20 clients × 10 messages
#   CLIENTS=20 MESSAGES=20 GAP_MS=500 bench/chat.sh
#
# Production intervals (25 s ping, 20 s hold, 200 ms re-read) unless CHAT_*
# variables say otherwise. Loopback on a shared 2-core machine: a floor.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

install_tools
log "building the release dev gateway"
cargo build --release --quiet -p functions --features dev-gateway --bin dev-gateway

trap 'kill ${GW_PID:-} 2>/dev/null || true; stop_stack' EXIT
start_stack "$(free_port)" "$(free_port)"
PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
TABLE_NAME="bench-$(date +%s)" IMAGE_BUCKET="bench-images-$(date +%s)" \
  TOKENKEY="bench-token-key-0123456789" ENABLE_TEST_ROUTES=1 PORT="$PORT" \
  AWS_LAMBDA_LOG_LEVEL=warn RUST_LOG=warn \
  "${CARGO_TARGET_DIR:-target}/release/dev-gateway" >"$STACK_RUN_DIR/gateway.log" 2>&1 &
GW_PID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "$BASE/" && break; sleep 0.1; done
node bench/chat.mjs "$BASE"
