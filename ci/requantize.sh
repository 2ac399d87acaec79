#!/usr/bin/env bash
# Makes the requantized copies of the development model that the engine's format tests run:
# SmolLM2-135M-Instruct in Q4_K_M, Q5_K_M, Q6_K, Q8_0 and BF16, written by llama.cpp's own
# `llama-quantize` (from the llama-cpp-python==0.3.36 sdist on PyPI, built here on first use, about
# six minutes on two cores) into $AMBIENT_MODEL_DIR, each checked against its sha256.
# The model's rows of 576 values are not whole K-quant super-blocks, so llama.cpp stores those
# tensors in its fallback formats (Q5_0, Q5_1, Q8_0): the files hold every format the engine reads.
# Quiet when the files are already there. Usage: bash ci/requantize.sh [FORMAT...]
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$REPO_ROOT"

declare -A SHA256=(
  [Q4_K_M]=dc0f3a02e821146247a0af6895adf9872124f368682cb110cb9ed09ff2a9f9f1
  [Q5_K_M]=8170c7ef444692b3b2fe63459c326def0358807ef9be6e3cb020efb86a71015e
  [Q6_K]=a969ae2086dd4945a7c61594bf72b2bcc3b7df8571c92aed8f213918673a7f80
  [Q8_0]=7b46609d11703c058397e5cfe4cc6e4b2508cb1eb4c80ddc472a5d421fbdb508
  [BF16]=994c74505f109ce900a91772a38324b6635a16c1499111f1df4fb031233033d7
)
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(Q4_K_M Q5_K_M Q6_K Q8_0 BF16)

bash ci/fetch-model.sh
model_file() { echo "$AMBIENT_MODEL_DIR/SmolLM2-135M-Instruct.$1.gguf"; }
check() { echo "${SHA256[$1]}  $(model_file "$1")" | sha256sum --check --status; }

todo=()
for f in "${formats[@]}"; do
  [ -n "${SHA256[$f]:-}" ] || { log "unknown format $f (known: ${!SHA256[*]})"; exit 1; }
  [ -f "$(model_file "$f")" ] && check "$f" || todo+=("$f")
done
[ ${#todo[@]} -gt 0 ] || exit 0

# llama-quantize, built once from the sdist (its vendored llama.cpp), without AMX (it crashes on
# VMs that do not grant the tile state) and for AVX2, which every machine here has.
tools="$AMBIENT_MODEL_DIR/../llama.cpp-0.3.36"
quantize="$tools/build/bin/llama-quantize"
if [ ! -x "$quantize" ]; then
  mkdir -p "$tools"
  if [ ! -d "$tools/src" ]; then
    log "downloading the llama-cpp-python==0.3.36 sdist (~75 MB) for llama.cpp's quantizer"
    python3 -m venv "$tools/venv"
    "$tools/venv/bin/python" -m pip install -q scikit-build-core
    "$tools/venv/bin/python" -m pip download -q --no-deps --no-binary :all: --no-build-isolation \
      -d "$tools" "llama-cpp-python==0.3.36"
    mkdir -p "$tools/src"
    tar -xzf "$tools"/llama_cpp_python-0.3.36.tar.gz -C "$tools/src" --strip-components=3 \
      llama_cpp_python-0.3.36/vendor/llama.cpp
  fi
  log "building llama-quantize (about six minutes on two cores)"
  cmake -S "$tools/src" -B "$tools/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF \
    -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF \
    -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF >"$tools/cmake.log" 2>&1
  # Progress: cmake's percentage, one line per ten percent.
  cmake --build "$tools/build" -j"$(nproc)" --target llama-quantize 2>&1 |
    awk -F'[][%]' '/^\[ *[0-9]+%\]/ { p = $2 + 0; if (p >= next_p) { printf "[ambient-ci] llama-quantize %d%%\n", p > "/dev/stderr"; next_p = p - p % 10 + 10 } }'
  [ -x "$quantize" ] || { log "llama-quantize did not build"; exit 1; }
fi

for f in "${todo[@]}"; do
  out="$(model_file "$f")"
  log "requantizing the development model to $f"
  "$quantize" --allow-requantize "$AMBIENT_MODEL" "$out.tmp" "$f" >"$tools/quantize-$f.log" 2>&1 ||
    { tail -5 "$tools/quantize-$f.log"; exit 1; }
  got="$(sha256sum "$out.tmp" | cut -d' ' -f1)"
  if [ "$got" != "${SHA256[$f]}" ]; then
    log "sha256 mismatch for $f: expected ${SHA256[$f]}, got $got ($out.tmp kept)"
    exit 1
  fi
  mv "$out.tmp" "$out"
done
log "requantized models ready in $AMBIENT_MODEL_DIR: ${formats[*]}"
