#!/usr/bin/env bash
# Prepares a GPU session (issue 4): the device machine has no network and no Rust toolchain, so
# everything it runs is built here into gpu/ (untracked and not ignored, so it travels with the
# working tree): the CUDA parity tests and the throughput bench built with `--features cuda`, the
# kernels as PTX (no NVRTC needed there), the model (renamed: *.gguf is ignored), and gpu/run.sh.
# On the device: `bash gpu/run.sh` (results under $OUT, else gpu/out).
set -euo pipefail
source "$(dirname "$0")/../../ci/common.sh"
cd "$REPO_ROOT"
bash ci/fetch-model.sh
AMBIENT_NVRTC="$(bash ci/nvrtc.sh)"
export AMBIENT_NVRTC
mkdir -p gpu
log "kernels -> gpu/kernels.ptx (sm_90)"
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
cat > gpu/run.sh <<'RUN'
#!/usr/bin/env bash
# Runs on the GPU machine from the repository root: parity tests, then the benchmark.
set -uo pipefail
out="${OUT:-gpu/out}"; mkdir -p "$out"
export AMBIENT_MODEL="$PWD/gpu/model.q4_1" AMBIENT_CUDA_PTX="$PWD/gpu/kernels.ptx"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
timeout 300 gpu/cuda_parity --include-ignored --nocapture 2>&1 | tee "$out/parity.txt"
timeout 200 gpu/throughput --prefill 512 --decode 128 --runs 3 --threads "$(nproc)" --cuda 2>&1 | tee "$out/bench.txt"
RUN
ls -la gpu
du -sh gpu
echo "gpu/ is untracked on purpose (it must travel to the device): delete it after the session, never commit it"
