#!/usr/bin/env bash
# Fetches NVRTC (CUDA's run-time compiler, a plain shared library) from the PyPI wheel
# nvidia-cuda-nvrtc-cu12 into $AMBIENT_NVRTC_DIR (default ~/.cache/ambient/nvrtc) and prints the
# library's path. No GPU or CUDA toolkit is needed: tests/cuda_kernels.rs compiles the CUDA kernels
# to PTX with it. Quiet when already there.
set -euo pipefail
source "$(dirname "$0")/common.sh"

VERSION="12.8.93"
dir="${AMBIENT_NVRTC_DIR:-$HOME/.cache/ambient/nvrtc}/$VERSION"
lib="$dir/libnvrtc.so.12"
if [ ! -f "$lib" ]; then
  mkdir -p "$dir"
  tmp="$(mktemp -d "$dir/.fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  log "downloading nvidia-cuda-nvrtc-cu12==$VERSION (NVRTC, ~60 MB) into $dir" >&2
  python3 -m pip download --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --progress-bar off -d "$tmp" \
    "nvidia-cuda-nvrtc-cu12==$VERSION" >&2
  python3 - "$(ls "$tmp"/nvidia_cuda_nvrtc_cu12-*.whl)" "$tmp" <<'PY'
import os, shutil, sys, zipfile
wheel, out = sys.argv[1:3]
with zipfile.ZipFile(wheel) as z:
    for m in z.namelist():
        if "/lib/" in m and ".so" in m and ".alt." not in m:
            with z.open(m) as src, open(os.path.join(out, os.path.basename(m)), "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
PY
  mv "$tmp"/libnvrtc* "$dir"/
fi
echo "$lib"
