#!/usr/bin/env bash
# Proves the deploy artefact still builds: `sam build` (cargo lambda build
# --release --arm64, the `api` binary once for every function), then checks
# that every function got an arm64 `bootstrap`. Skipped when the build inputs
# (Cargo files, shared/, functions/, template.yaml) hash to the same value as
# the last successful build here (.aws-sam/erun-inputs.sha256); a fresh
# checkout always builds. scripts/test.sh runs it; FORCE=1 builds anyway.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
install_tools

STAMP=".aws-sam/erun-inputs.sha256"
inputs_hash() {
  { git ls-files -co --exclude-standard -- Cargo.toml Cargo.lock template.yaml shared functions; } \
    | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1
}
hash="$(inputs_hash)"
if [ "${FORCE:-}" != "1" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$hash" ]; then
  log "sam build: inputs unchanged since the last build, skipped"
  exit 0
fi

log "sam build (release, arm64)"
started=$(date +%s)
sam build
"$VENV/bin/python" - <<'PY'
import pathlib, sys, yaml

class Loader(yaml.SafeLoader):
    pass
Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
template = yaml.load(open("template.yaml"), Loader=Loader)
functions = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"]
bad = []
for name in functions:
    path = pathlib.Path(".aws-sam/build") / name / "bootstrap"
    header = path.read_bytes()[:20] if path.exists() else b""
    # ELF, 64-bit, little-endian, e_machine 0xB7 = AArch64
    if not (header[:4] == b"\x7fELF" and header[4] == 2 and header[18:20] == b"\xb7\x00"):
        bad.append(name)
if bad:
    sys.exit(f"sam build produced no arm64 bootstrap for: {', '.join(bad)}")
print(f"sam build: {len(functions)} functions, each with an arm64 bootstrap", file=sys.stderr)
PY
echo "$hash" > "$STAMP"
log "sam build took $(( $(date +%s) - started )) s"
