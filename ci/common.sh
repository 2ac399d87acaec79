# Shared settings for the ci/ scripts (sourced, not run).
# A cargo target directory outside the clone keeps repeated CI runs incremental.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/ambient-target}"
export AMBIENT_MODEL_DIR="${AMBIENT_MODEL_DIR:-$HOME/.cache/ambient/models}"
export AMBIENT_MODEL="${AMBIENT_MODEL:-$AMBIENT_MODEL_DIR/SmolLM2-135M-Instruct.Q4_1.gguf}"
# rustc's LLVM overflows its default stack optimising solana-ledger 4.2.2 in release builds
# (SIGSEGV in ScalarEvolution); a larger thread stack avoids it.
export RUST_MIN_STACK="${RUST_MIN_STACK:-268435456}"
# Incremental compilation's caches (about 9 GB for the workspace) pay off when editing, not in CI,
# where the sources are a fresh clone; without them the target directory fits the disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# OpenSSL from the system (Debian's libssl-dev) instead of compiling the copy Agave's secp256r1
# precompile vendors (about 5 minutes of a cold build on 2 cores).
export OPENSSL_NO_VENDOR="${OPENSSL_NO_VENDOR:-1}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
# Each log line carries the minutes since the run began (the first script that sourced this file).
export AMBIENT_CI_START="${AMBIENT_CI_START:-$(date +%s)}"
log() { printf "[ambient-ci %3dm] %s\n" $(( ($(date +%s) - AMBIENT_CI_START) / 60 )) "$*" >&2; }
# mold links the many large test binaries (each holds Agave) several times faster than GNU ld;
# used where installed (ci/install-deps.sh installs it; scripts source this file again after it).
if command -v mold >/dev/null 2>&1; then
  export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="${CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS:--C link-arg=-fuse-ld=mold}"
fi
# rustup installs cargo here on a fresh machine.
[ -f "$HOME/.cargo/env" ] && source "$HOME/.cargo/env"
