#!/usr/bin/env bash
# Resize benchmark: our function's code (imaging::resize, release build) vs
# sharp (npm, installed into the git-ignored .local/sharp), on the same
# machine in one run, same inputs, both widths (384 and 758) per image.
#
#   bench/resize.sh              # 10 rounds per input after one warm-up
#   ROUNDS=30 bench/resize.sh
#
# Inputs are made by bench/resize-inputs.js (with sharp): a 4000×3000 camera
# JPEG, a ~2 MB 4032×3024 phone JPEG with EXIF orientation 6, a PNG with
# alpha. Output per input: ms per image (both widths), bytes of both copies,
# peak RSS of the process (/usr/bin/time). sharp runs twice: with libvips'
# default thread pool and with one thread (what a Lambda with ≤ 1 vCPU gets;
# our code is single-threaded).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

ROUNDS="${ROUNDS:-10}"
SHARP_DIR="$LOCAL/sharp"
SHARP_VERSION="0.34.5"
if [ ! -f "$SHARP_DIR/node_modules/sharp/package.json" ] \
  || ! grep -q "\"version\": \"$SHARP_VERSION\"" "$SHARP_DIR/node_modules/sharp/package.json"; then
  log "installing sharp $SHARP_VERSION into $SHARP_DIR"
  mkdir -p "$SHARP_DIR"
  [ -f "$SHARP_DIR/package.json" ] || echo '{"private":true}' > "$SHARP_DIR/package.json"
  (cd "$SHARP_DIR" && npm install --no-audit --no-fund --silent "sharp@$SHARP_VERSION")
fi
export SHARP_DIR

INPUTS="$LOCAL/bench-resize"
mkdir -p "$INPUTS"
log "making the inputs in $INPUTS"
node bench/resize-inputs.js "$INPUTS"

log "building the benchmark (release)"
cargo build --release --quiet -p imaging --example bench
OURS="${CARGO_TARGET_DIR:-target}/release/examples/bench"

measure() { # label, command...
  local label="$1"; shift
  local out rss
  out="$( { /usr/bin/time -f '%M' "$@" ; } 2>"$INPUTS/time.txt" )"
  rss="$(tail -n 1 "$INPUTS/time.txt")"
  read -r ms bytes <<<"$out"
  printf '  %-22s %8s ms/image %9s bytes %7s MB peak RSS\n' "$label" "$ms" "$bytes" "$((rss / 1024))"
}

echo
echo "resize to 384 + 758 px, $ROUNDS rounds, $(nproc) CPUs"
for input in photo-12mp.jpg phone-2mb.jpg alpha.png; do
  file="$INPUTS/$input"
  echo "$input ($(( $(stat -c %s "$file") / 1024 )) KiB)"
  measure "ours (imaging)" "$OURS" "$file" "$ROUNDS"
  measure "sharp (default threads)" node bench/resize-sharp.js "$file" "$ROUNDS"
  THREADS=1 measure "sharp (1 thread)" node bench/resize-sharp.js "$file" "$ROUNDS"
done
