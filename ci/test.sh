#!/usr/bin/env bash
# The test command of the README: installs what it needs, fetches the model, then checks formatting,
# lints and runs the whole test suite.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$REPO_ROOT"

bash ci/install-deps.sh
source ci/common.sh  # again: the linker it may have installed
bash ci/fetch-model.sh
# The development model in every other weight format (llama.cpp's quantizer, built on first use).
bash ci/requantize.sh
# Gemma 3 270M (Q4_K_M): its SentencePiece tokenizer is checked against llama.cpp's.
bash ci/fetch-model.sh gemma3
# NVRTC, so the CUDA kernels are compiled (to PTX) and checked without a GPU.
AMBIENT_NVRTC="$(bash ci/nvrtc.sh)"
export AMBIENT_NVRTC
source ci/clients.sh
# The browser tests' screenshots (the web console) are kept here.
export AMBIENT_ARTIFACTS="${AMBIENT_ARTIFACTS:-$REPO_ROOT/artifacts}"

log "cargo fmt --check"
cargo fmt --all --check
log "cargo clippy (target dir $CARGO_TARGET_DIR)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The CUDA backend (feature `cuda`) builds without a CUDA toolkit: keep it compiling.
cargo clippy -p ambient-llm --all-targets --features cuda --quiet -- -D warnings
# The validator tests start the `ambient` binary (another package's) and the Solana CLI's
# `solana` (crates.io solana-cli, of the same Agave), which nextest does not build. Built with the
# tests, so the binaries share their features and nextest finds everything built.
log "cargo build --workspace --bins --tests; the Solana CLI"
cargo build --workspace --bins --tests --quiet
cargo build -p solana-cli --bin solana --quiet
log "cargo nextest"
# Tests that cannot run on this machine (no root, no GPU, a CPU feature missing) list themselves
# here; AMBIENT_REQUIRE_ALL=1 makes them fail instead (where every resource exists).
AMBIENT_SKIPPED_LOG="$(mktemp)"
export AMBIENT_SKIPPED_LOG
status=0
cargo nextest run --workspace --no-fail-fast --failure-output final --status-level fail "$@" || status=$?
if [ -s "$AMBIENT_SKIPPED_LOG" ]; then
  log "tests that did not run on this machine (they passed nothing):"
  sort -u "$AMBIENT_SKIPPED_LOG"
else
  log "every test ran"
fi
rm -f "$AMBIENT_SKIPPED_LOG"
exit "$status"
