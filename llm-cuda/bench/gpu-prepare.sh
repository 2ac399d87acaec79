#!/usr/bin/env bash
# Prepares a GPU session (issue 4): the device machine has no network and no Rust toolchain, so
# everything it runs is built here into gpu/ (untracked and not ignored, so it travels with the
# working tree): the CUDA parity tests and the throughput bench built with `--features cuda`, the
# kernels as PTX (no NVRTC needed there), the model (renamed: *.gguf is ignored), llama.cpp's source
# (trimmed, ~9 MB, from the llama-cpp-python sdist) for its CUDA build there, and gpu/run.sh.
# On the device: `bash gpu/run.sh [parity|bench|llama]...` (all three by default; results under
# $OUT, else gpu/out). Each step fits one call of the device tool.
set -euo pipefail
source "$(dirname "$0")/../../ci/common.sh"
cd "$REPO_ROOT"
bash ci/fetch-model.sh
AMBIENT_NVRTC="$(bash ci/nvrtc.sh)"
export AMBIENT_NVRTC
mkdir -p gpu
log "kernels -> gpu/kernels.ptx (compute_80, JIT-compiled by the driver for newer GPUs)"
AMBIENT_CUDA_PTX_OUT="$PWD/gpu/kernels.ptx" cargo test -q -p ambient-llm --release --test cuda_kernels
[[ -s gpu/kernels.ptx ]] || { echo "no PTX written (is NVRTC there?)" >&2; exit 1; }
# The executables cargo builds, by target name.
executables() {
  python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["target"]["name"], m["executable"])'
}
log "building the CUDA tests and bench (release, --features cuda)"
{
  cargo test -p ambient-llm --features cuda --release --no-run --test cuda_parity --message-format=json
  cargo bench -p ambient-llm --features cuda --no-run --bench throughput --message-format=json
} | executables | while read -r name exe; do
  cp "$exe" "gpu/$name"
  strip --strip-debug "gpu/$name"
done
cp "$AMBIENT_MODEL" gpu/model.q4_1
llama_version=0.3.36
cache="$HOME/.cache/ambient/llama-src"
if [[ ! -s "$cache/llama-src-$llama_version.tgz" ]]; then
  log "llama.cpp source (llama-cpp-python $llama_version sdist, trimmed)"
  tmp="$(mktemp -d)"
  python3 -m pip download -q --no-deps --no-binary :all: "llama-cpp-python==$llama_version" -d "$tmp"
  tar xzf "$tmp"/llama_cpp_python-*.tar.gz -C "$tmp"
  mkdir -p "$cache"
  tar czf "$cache/llama-src-$llama_version.tgz" -C "$tmp"/llama_cpp_python-*/vendor/llama.cpp \
    --exclude=./models --exclude=./docs --exclude=./tests --exclude=./benches --exclude=./examples \
    --exclude=./tools/server/public --exclude=./tools/ui .
  rm -rf "$tmp"
fi
cp "$cache/llama-src-$llama_version.tgz" gpu/llama-src.tgz
cat > gpu/run.sh <<'RUN'
#!/usr/bin/env bash
# Runs on the GPU machine from the repository root. Steps: parity (the CUDA parity tests), bench
# (CPU and CUDA throughput in one run), llama (llama.cpp's CUDA build and llama-bench on the same
# model). Default: all three.
set -uo pipefail
out="${OUT:-gpu/out}"; mkdir -p "$out"
export AMBIENT_MODEL="$PWD/gpu/model.q4_1" AMBIENT_CUDA_PTX="$PWD/gpu/kernels.ptx"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
steps=("$@"); ((${#steps[@]})) || steps=(parity bench llama)
for step in "${steps[@]}"; do
  case "$step" in
    parity) timeout 300 gpu/cuda_parity --include-ignored --nocapture 2>&1 | tee "$out/parity.txt" ;;
    bench) timeout 240 gpu/throughput --prefill 512 --decode 128 --runs 3 --threads "$(nproc)" --cuda 2>&1 | tee "$out/bench.txt" ;;
    llama)
      nvcc="$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)"
      if [[ -z "$nvcc" ]]; then echo "SKIPPED llama.cpp: no nvcc on this machine" | tee "$out/llama.txt"; continue; fi
      mkdir -p /tmp/llama && tar xzf gpu/llama-src.tgz -C /tmp/llama
      cmake -S /tmp/llama -B /tmp/llama/build -DGGML_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc" \
        -DCMAKE_CUDA_ARCHITECTURES=native -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
        -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DCMAKE_BUILD_TYPE=Release > "$out/llama-build.txt" 2>&1 &&
        timeout 420 cmake --build /tmp/llama/build --target llama-bench -j "$(nproc)" >> "$out/llama-build.txt" 2>&1 &&
        timeout 120 /tmp/llama/build/bin/llama-bench -m "$AMBIENT_MODEL" -p 512 -n 128 -r 3 -ngl 99 2>&1 | tee "$out/llama.txt" ||
        { echo "llama.cpp failed; see llama-build.txt"; tail -20 "$out/llama-build.txt"; } ;;
    *) echo "unknown step $step (parity, bench, llama)"; exit 2 ;;
  esac
done
RUN
ls -la gpu
du -sh gpu
echo "gpu/ is untracked on purpose (it must travel to the device): delete it after the session, never commit it"
