# Shared settings for the ci/ scripts (sourced, not run).
# A cargo target directory outside the clone keeps repeated CI runs incremental.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/ambient-target}"
export AMBIENT_MODEL_DIR="${AMBIENT_MODEL_DIR:-$HOME/.cache/ambient/models}"
export AMBIENT_MODEL="${AMBIENT_MODEL:-$AMBIENT_MODEL_DIR/SmolLM2-135M-Instruct.Q4_1.gguf}"
# rustc's LLVM overflows its default stack optimising solana-ledger 4.2.2 in release builds
# (SIGSEGV in ScalarEvolution); a larger thread stack avoids it.
export RUST_MIN_STACK="${RUST_MIN_STACK:-268435456}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
log() { printf '[ambient-ci] %s\n' "$*" >&2; }
# rustup installs cargo here on a fresh machine.
[ -f "$HOME/.cargo/env" ] && source "$HOME/.cargo/env"
