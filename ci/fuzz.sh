#!/usr/bin/env bash
# The long fuzzing run: builds ambient-fuzz in release and runs every target (auction and registry
# instruction data and accounts, receipts and openings, GGUF headers, REST chat bodies, blob
# uploads) for a million inputs each, printing a table of inputs, inputs/s and failures. Failing
# inputs (panics, oversize allocations, crashes, hangs) are kept in fuzz/regressions/<target>/,
# which the CI tests replay. Exit status 1 when any target failed.
# Extra arguments go to ambient-fuzz and override the defaults, for example:
#   bash ci/fuzz.sh --target gguf --iterations 10000000
#   bash ci/fuzz.sh --minutes 30 --seed 42
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$REPO_ROOT"

# The chat-body target needs the model (its tokenizer and chat template).
bash ci/fetch-model.sh
log "building ambient-fuzz (release)"
cargo build --release --quiet -p ambient-fuzz
log "fuzzing on $(nproc) CPUs"
exec "$CARGO_TARGET_DIR/release/ambient-fuzz" --iterations 1000000 "$@"
