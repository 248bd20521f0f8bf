#!/usr/bin/env bash
# Runs every test: formatting and lints, unit tests, the black-box API tests
# against DynamoDB Local and moto (started here on free loopback ports and
# stopped on exit), cfn-lint + sam validate on template.yaml, and — when its
# inputs changed — the release arm64 `sam build` (scripts/sam-build.sh).
# Installs whatever is missing first (into .local/).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

install_tools
trap stop_stack EXIT
start_stack "$(free_port)" "$(free_port)"

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings
log "template.yaml: cfn-lint"
cfn-lint template.yaml
log "template.yaml: sam validate"
sam validate --template template.yaml --region "$AWS_REGION" >/dev/null
log "cargo test (unit + API tests)"
cargo test --workspace --all-features --exclude iam-check
# After every API test: their recorded AWS calls against template.yaml's policies.
# (`--workspace --all-features` keeps the dependency features of the build
# above: `-p iam-check` alone would rebuild the AWS SDKs, ~5 min cold.)
log "IAM coverage (tests/iam)"
cargo test --workspace --all-features --test iam
log "sam build (only when its inputs changed)"
"$ROOT/scripts/sam-build.sh"
