#!/usr/bin/env bash
# Cold start with and without the SSM secret fetch, same binary:
#   bench/coldstart-secrets.sh [target/release/api] [runs]
# Starts moto (SSM) on loopback, stores /erunjrun/bench/TOKENKEY as a
# SecureString, then runs bench/coldstart.py twice: plain TOKENKEY in the
# environment, and ERUN_SECRETS=TOKENKEY (one GetParameters call to moto).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
BINARY="${1:-target/release/api}"
RUNS="${2:-30}"
install_tools
trap stop_stack EXIT
start_stack "$(free_port)" "$(free_port)"
AWS_DEFAULT_REGION="$AWS_REGION" "$VENV/bin/python" - <<'PY'
import boto3
boto3.client("ssm").put_parameter(Name="/erunjrun/bench/TOKENKEY", Value="bench-token-key-from-ssm-0123",
                                   Type="SecureString", Overwrite=True)
PY
log "secrets as plain environment values"
python3 bench/coldstart.py "$BINARY" "$RUNS"
log "secrets from SSM (ERUN_SECRETS=TOKENKEY, moto on loopback)"
ERUN_SECRETS=TOKENKEY ERUN_SECRETS_PATH=/erunjrun/bench python3 bench/coldstart.py "$BINARY" "$RUNS"
