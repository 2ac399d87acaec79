#!/usr/bin/env bash
# Engine vs llama.cpp on the same GGUF and the same prompt tokens, in one run.
# Installs llama-cpp-python from PyPI (built from source for this CPU) on first use.
# Usage: bash llm-cuda/bench/compare.sh [--prefill 128] [--decode 64] [--runs 3] [--threads 1,2]
# Another model (e.g. a copy from ci/requantize.sh): AMBIENT_MODEL=FILE.gguf bash llm-cuda/bench/compare.sh
set -euo pipefail
source "$(dirname "$0")/../../ci/common.sh"
cd "$REPO_ROOT"
bash ci/fetch-model.sh
if ! python3 -c "import llama_cpp" 2>/dev/null; then
  log "installing llama-cpp-python (compiles llama.cpp, several minutes)"
  # Every x86 SIMD level this CPU has up to AVX-512 VNNI, but no AMX: -march=native turns AMX on,
  # and on VMs without AMX tile permission ggml's AMX kernels crash (seen here).
  avx512="-DGGML_AVX512=OFF"
  grep -qw avx512_vnni /proc/cpuinfo && avx512="-DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX_VNNI=ON"
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
    $avx512 -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
    python3 -m pip install -q "llama-cpp-python==0.3.36" numpy
fi
out="$(mktemp -d)"
threads=1,2; runs=3
args=("$@")
while (($#)); do
  case "$1" in --threads) threads="$2"; shift;; --runs) runs="$2"; shift;; esac
  shift
done
cargo bench -q -p ambient-llm --bench throughput -- "${args[@]}" --tokens-out "$out/tokens.json" --json "$out/ambient.json"
python3 -u llm-cuda/bench/llama_cpp_bench.py "$AMBIENT_MODEL" "$out/tokens.json" --threads "$threads" --runs "$runs" --json "$out/llama.json" \
  | grep -v '^|---'
python3 - "$out/ambient.json" "$out/llama.json" <<'PY'
import json, sys
a, l = (json.load(open(p)) for p in sys.argv[1:3])
print("\n| threads | prefill ambient / llama.cpp | decode ambient / llama.cpp |\n|---|---|---|")
for x, y in zip(a, l):
    print(f"| {x['threads']} | {x['prefill_tps'] / y['prefill_tps']:.2f}x | {x['decode_tps'] / y['decode_tps']:.2f}x |")
PY
