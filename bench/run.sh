#!/usr/bin/env bash
# Benchmark: seeds data through the API, drives the release dev gateway with
# wrk (Debian), and prints req/s, p50, p99 and DynamoDB round-trips per
# request (the SDK interceptor's count, read from the gateway's
# x-erun-ddb-calls header) for every endpoint in bench/endpoints.txt.
#
#   bench/run.sh              # 10 s per endpoint, 16 connections
#   DURATION=30s CONNECTIONS=32 bench/run.sh
#   ONLY=/group/all bench/run.sh   # only the endpoints whose path contains this
#
# Everything runs on loopback; wrk shares the machine's 2 cores with the
# gateway and DynamoDB Local, so figures are a floor, not a ceiling.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-16}"

install_tools
command -v wrk >/dev/null || { log "installing wrk"; apt_install wrk; }
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

log "seeding through the API: 50 users, 200 runs (160 upcoming), ~440 applications"
SEED="$(python3 bench/seed.py "$BASE")"
log "seeded: $SEED"
export TOKEN="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["token"])' "$SEED")"
GROUP_ID="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["groupId"])' "$SEED")"
COURSE_ID="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["courseId"])' "$SEED")"
USER_ID="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["userId"])' "$SEED")"

printf '\n%-44s %10s %10s %10s %12s\n' "endpoint" "req/s" "p50" "p99" "DynamoDB/req"
while read -r method path auth; do
  [ -z "${method:-}" ] || [ "${method:0:1}" = "#" ] && continue
  [ -n "${ONLY:-}" ] && [[ "$path" != *"$ONLY"* ]] && continue
  path="${path//\{groupId\}/$GROUP_ID}"
  path="${path//\{courseId\}/$COURSE_ID}"
  path="${path//\{userId\}/$USER_ID}"
  case "$auth" in
    token) header="Authorization: Bearer $TOKEN" ;;
    anonymous) header="Authorization: Bearer undefined" ;;
    *) header="X-None: 1" ;;
  esac
  calls=$(curl -s -o /dev/null -D - -X "$method" -H "$header" "$BASE$path" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-erun-ddb-calls"{print $2}')
  # One throw-away pass warms DynamoDB Local's JIT.
  wrk -t2 -c"$CONNECTIONS" -d3s -H "$header" "$BASE$path" >/dev/null 2>&1 || true
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "$header" -s <(printf 'wrk.method = "%s"\n' "$method") "$BASE$path")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/{print $NF}' <<<"$out")
  printf '%-44s %10s %10s %10s %12s %s\n' "$method $path ($auth)" "$rps" "$p50" "$p99" "${calls:-?}" "${non2xx:+(non-2xx: $non2xx)}"
done < bench/endpoints.txt
