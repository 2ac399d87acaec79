#!/usr/bin/env bash
# The run command of the README: installs what it needs, fetches the model and starts the main job on
# the embedded defaults. Until the validator exists, that is an interactive chat with the bundled model.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$REPO_ROOT"

bash ci/install-deps.sh
bash ci/fetch-model.sh
cargo build --release --quiet -p ambient-cli
exec "$CARGO_TARGET_DIR/release/ambient" chat --model "$AMBIENT_MODEL" "$@"
