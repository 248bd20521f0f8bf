#!/usr/bin/env bash
# Runs the whole backend locally on http://127.0.0.1:${PORT:-3000}: installs
# what it needs (into .local/), starts DynamoDB Local (data kept in
# .local/dynamodb-data) and moto, and serves every route of template.yaml
# through the dev gateway. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

install_tools
trap stop_stack EXIT
start_stack "${DDB_PORT:-8000}" "${MOTO_PORT:-5000}" "$LOCAL/dynamodb-data"

export TABLE_NAME="${TABLE_NAME:-erunjrun-local}"
export IMAGE_BUCKET="${IMAGE_BUCKET:-erunjrun-local-images}"
export TOKENKEY="${TOKENKEY:-local-development-key-not-secret}"
export ENABLE_TEST_ROUTES="${ENABLE_TEST_ROUTES:-1}"
export PORT="${PORT:-3000}"
# Every image URL the API returns points at the dev gateway, which serves the
# local bucket under /__images (uploads, their resized copies, theme defaults).
export CDN_BASE_URL="${CDN_BASE_URL:-http://localhost:$PORT/__images}"
export DEFAULT_IMAGE_BASE="${DEFAULT_IMAGE_BASE:-$CDN_BASE_URL}"
cargo run --release -p functions --features dev-gateway --bin dev-gateway
