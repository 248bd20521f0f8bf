#!/usr/bin/env bash
# Scaling benchmark (issue 14): the same frontend list requests against the
# same release dev gateway build at 1× and 10× the data (and 100× with
# FACTORS="1 10 100"), measured back to back so the machine's load is
# comparable, side by side with the 10×/1× ratio of req/s and the DynamoDB
# calls per request.
#
#   bench/scale.sh                          # FACTORS="1 10", 5 s per request
#   FACTORS="1 10 100" DURATION=5s bench/scale.sh
#   ONLY=/course bench/scale.sh             # only the paths containing this
#
# Each factor gets its own table and gateway process (bench/scale_seed.py
# seeds it through the API). wrk, the gateways and DynamoDB Local share the
# machine's cores: figures are a floor and only comparable within one run.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

FACTORS="${FACTORS:-1 10}"
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-16}"

install_tools
command -v wrk >/dev/null || { log "installing wrk"; apt_install wrk; }
log "building the release dev gateway"
cargo build --release --quiet -p functions --features dev-gateway --bin dev-gateway

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; stop_stack' EXIT
start_stack "$(free_port)" "$(free_port)"
declare -A BASE SEED
stamp="$(date +%s)"
for k in $FACTORS; do
  port="$(free_port)"
  TABLE_NAME="scale${k}-$stamp" IMAGE_BUCKET="scale${k}-images-$stamp" \
    TOKENKEY="bench-token-key-0123456789" ENABLE_TEST_ROUTES=1 PORT="$port" \
    AWS_LAMBDA_LOG_LEVEL=warn RUST_LOG=warn \
    "${CARGO_TARGET_DIR:-target}/release/dev-gateway" >"$STACK_RUN_DIR/gateway-$k.log" 2>&1 &
  PIDS+=($!)
  BASE[$k]="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -s -o /dev/null "${BASE[$k]}/" && break; sleep 0.1; done
  started=$SECONDS
  SEED[$k]="$(python3 bench/scale_seed.py "${BASE[$k]}" "$k" 8)"
  log "${k}× seeded in $((SECONDS - started)) s: ${SEED[$k]}"
done

field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# One measurement: prints "req/s p50 p99 calls".
measure() {
  local base="$1" path="$2" header="$3" calls out
  calls=$(curl -s -o /dev/null -D - -H "$header" "$base$path" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-erun-ddb-calls"{print $2}')
  wrk -t2 -c"$CONNECTIONS" -d2s -H "$header" "$base$path" >/dev/null 2>&1 || true
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "$header" "$base$path")
  echo "$(awk '/Requests\/sec/{print $2}' <<<"$out") $(awk '$1=="50%"{print $2}' <<<"$out") $(awk '$1=="99%"{print $2}' <<<"$out") ${calls:-?}"
}

set -- $FACTORS
first="$1"
header_line="request"
for k in $FACTORS; do header_line+=" | ${k}× req/s | p50 | p99 | calls"; done
for k in $FACTORS; do [ "$k" = "$first" ] || header_line+=" | ${k}×/${first}× req/s | calls"; done
echo
echo "$header_line"
while read -r path auth; do
  [ -z "${path:-}" ] || [ "${path:0:1}" = "#" ] && continue
  [ -n "${ONLY:-}" ] && [[ "$path" != *"$ONLY"* ]] && continue
  row="\`GET $path\` ($auth)"
  declare -A RPS CALLS
  for k in $FACTORS; do
    p="$path"
    for name in groupId courseId userId; do p="${p//\{$name\}/$(field "${SEED[$k]}" "$name")}"; done
    if [ "$auth" = token ]; then header="Authorization: Bearer $(field "${SEED[$k]}" token)"; else header="Authorization: Bearer undefined"; fi
    read -r rps p50 p99 calls <<<"$(measure "${BASE[$k]}" "$p" "$header")"
    RPS[$k]="$rps"; CALLS[$k]="$calls"
    row+=" | $rps | $p50 | $p99 | $calls"
  done
  for k in $FACTORS; do
    [ "$k" = "$first" ] && continue
    ratio=$(python3 -c "import sys; a,b=float(sys.argv[1] or 0),float(sys.argv[2] or 0); print(f'{b/a:.2f}' if a else '?')" "${RPS[$first]}" "${RPS[$k]}")
    row+=" | $ratio | ${CALLS[$first]} → ${CALLS[$k]}"
  done
  echo "$row"
done < bench/scale-requests.txt
