#!/usr/bin/env bash
# The run command of the README: installs what it needs, fetches the model and starts the main job on
# the embedded defaults: `ambient-validator --dev`, a single-node development cluster (PoH, ledger,
# votes, JSON-RPC on 127.0.0.1:8899, PubSub on :8900, faucet) that Solana clients use unchanged, with
# a miner and a verifier on the bundled model and the OpenAI-compatible REST API on :8901.
# Extra arguments go to ambient-validator (for example --reset, --rpc-port 9000).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$REPO_ROOT"

bash ci/install-deps.sh
source ci/common.sh  # again: the linker it may have installed
bash ci/fetch-model.sh
log "building ambient-validator (release; the first build takes a while)"
cargo build --release --quiet -p ambient-validator
exec "$CARGO_TARGET_DIR/release/ambient-validator" --dev --ledger "${AMBIENT_LEDGER:-$HOME/.local/share/ambient/dev-ledger}" "$@"
