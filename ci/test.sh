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

# The target directory outlives the clone. A change of toolchain, build profiles, patched crates
# or flags rebuilds everything and leaves the old artifacts behind (they once filled the disk), so
# the directory then starts afresh; it also does with less than $MIN_FREE_GB GB left on its disk.
MIN_FREE_GB=8
mkdir -p "$CARGO_TARGET_DIR"
build_settings=$( { cat rust-toolchain.toml; awk '/^\[/ { p = /^\[(profile|patch)/ } p' Cargo.toml
  echo "${CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS:-} ${CARGO_INCREMENTAL:-} ${OPENSSL_NO_VENDOR:-}"
  } | sha256sum | cut -c1-16)
last_settings=$(cat "$CARGO_TARGET_DIR/ambient-build-settings" 2>/dev/null || true)
free_gb=$(( $(df -Pk "$CARGO_TARGET_DIR" | awk 'NR==2 {print $4}') / 1048576 ))
# (No record of the last settings: a directory from before this check, taken as it is.)
if [ -d "$CARGO_TARGET_DIR/debug" ] && { [ "$free_gb" -lt "$MIN_FREE_GB" ] ||
    { [ -n "$last_settings" ] && [ "$build_settings" != "$last_settings" ]; }; }; then
  log "build settings changed or $free_gb GB free: removing $CARGO_TARGET_DIR/debug ($(du -sh "$CARGO_TARGET_DIR/debug" | cut -f1))"
  rm -rf "$CARGO_TARGET_DIR/debug"
fi
echo "$build_settings" >"$CARGO_TARGET_DIR/ambient-build-settings"

# The crates patched in through [patch.crates-io] (agave/, ci/crates/) are path dependencies:
# cargo rebuilds one (and, for the patched solana-runtime, most of Agave) when its files are
# newer than its last build, which in a fresh clone they always are. When their content (git's
# tree ids, with nothing uncommitted there) is the one last built here, their files get an old
# time and the kept build is used; otherwise they build, and the new ids are recorded after.
patched_dirs=(agave ci/crates)
patched_record="$CARGO_TARGET_DIR/ambient-patched-trees"
patched_trees=""
if git rev-parse --git-dir >/dev/null 2>&1 && [ -z "$(git status --porcelain -- "${patched_dirs[@]}")" ]; then
  patched_trees=$(for d in "${patched_dirs[@]}"; do git rev-parse "HEAD:$d"; done | tr '\n' ' ')
fi
if [ -n "$patched_trees" ] && [ "$patched_trees" = "$(cat "$patched_record" 2>/dev/null || true)" ]; then
  find "${patched_dirs[@]}" -type f -exec touch -m -d @946684800 {} +
fi
rm -f "$patched_record"

log "cargo fmt --check"
cargo fmt --all --check
# clippy lints the workspace's crates while they are built for the tests (clippy-driver as the
# workspace's rustc wrapper): one build of the Agave tree instead of a check build and a test
# build (a check build of the tree takes 15+ minutes on 2 cores). Exported for nextest's own
# cargo call too, so it finds everything built and builds nothing again.
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)"
CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
# The validator tests start the `ambient` binary (another package's) and the Solana CLI's
# `solana` (crates.io solana-cli, of the same Agave), which nextest does not build. Built with the
# tests, so the binaries share their features.
log "cargo build --workspace --all-targets, linted by clippy; the Solana CLI"
# --timings: the per-crate build times, in $CARGO_TARGET_DIR/cargo-timings/cargo-timing.html.
cargo build --workspace --all-targets --quiet --timings
cargo build -p solana-cli --bin solana --quiet
[ -z "$patched_trees" ] || echo "$patched_trees" >"$patched_record"
# The CUDA backend (feature `cuda`) builds without a CUDA toolkit: keep it compiling and linted.
log "cargo clippy -p ambient-llm --features cuda"
(unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
 cargo clippy -p ambient-llm --all-targets --features cuda --quiet -- -D warnings)
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
