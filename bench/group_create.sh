#!/usr/bin/env bash
# POST /group latency against a dev gateway binary (default: the debug build).
#   bench/group_create.sh [gateway-binary] [rounds] [users]
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
GW="${1:-${CARGO_TARGET_DIR:-target}/debug/dev-gateway}"
install_tools
trap 'kill ${GW_PID:-} 2>/dev/null || true; stop_stack' EXIT
start_stack "$(free_port)" "$(free_port)"
PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
TABLE_NAME="bench-$(date +%s)" IMAGE_BUCKET="bench-images-$(date +%s)" \
  TOKENKEY="bench-token-key-0123456789" ENABLE_TEST_ROUTES=1 PORT="$PORT" \
  AWS_LAMBDA_LOG_LEVEL=warn RUST_LOG=warn "$GW" >"$STACK_RUN_DIR/gateway.log" 2>&1 &
GW_PID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "$BASE/" && break; sleep 0.1; done
python3 bench/group_create.py "$BASE" "${2:-10}" "${3:-20}"
