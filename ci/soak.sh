#!/usr/bin/env bash
# The long soak: the dev node (release build, the defaults of `ci/start.sh`, a new ledger, ledger
# cleanup with --limit-ledger-size) under steady load for SOAK_MINUTES (default 120): a confirmed
# transfer every second and a chat completion every 20 s (ci/soak.py, which samples slots, RSS
# and disk every minute into $SOAK_DIR/samples.csv). Then a clean stop and a restart from the
# newest snapshot. Exit status 0 only if every request was answered, nothing confirmed was lost
# and the node stopped and restarted cleanly.
#   bash ci/soak.sh [extra ambient-validator flags]
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$REPO_ROOT"

SOAK_MINUTES="${SOAK_MINUTES:-120}"
SOAK_DIR="${SOAK_DIR:-/var/tmp/ambient-soak}"
LIMIT_LEDGER_SIZE="${LIMIT_LEDGER_SIZE:-100000}"
bash ci/install-deps.sh
source ci/common.sh  # again: the linker it may have installed
bash ci/fetch-model.sh
source ci/clients.sh
# AMBIENT_VALIDATOR_BIN: a release binary built before (skips the build).
bin="${AMBIENT_VALIDATOR_BIN:-$CARGO_TARGET_DIR/release/ambient-validator}"
if [ -z "${AMBIENT_VALIDATOR_BIN:-}" ]; then
  log "building ambient-validator (release)"
  cargo build --release --quiet -p ambient-validator
fi
rm -rf "$SOAK_DIR"
mkdir -p "$SOAK_DIR"
ledger="$SOAK_DIR/ledger"

start_node() {
  "$bin" --dev --ledger "$ledger" --limit-ledger-size "$LIMIT_LEDGER_SIZE" "$@" \
    > "$SOAK_DIR/node.out" 2>&1 &
  node=$!
  for _ in $(seq 600); do
    grep -q "ready" "$SOAK_DIR/node.out" 2>/dev/null && return 0
    kill -0 "$node" 2>/dev/null || { cat "$SOAK_DIR/node.out"; return 1; }
    sleep 0.5
  done
  log "the node was not ready within 300 s"; return 1
}

log "starting the dev node (ledger $ledger, --limit-ledger-size $LIMIT_LEDGER_SIZE)"
start_node "$@"
log "load for $SOAK_MINUTES minutes (samples in $SOAK_DIR/samples.csv)"
status=0
"$AMBIENT_PYTHON" ci/soak.py --ledger "$ledger" --pid "$node" --minutes "$SOAK_MINUTES" \
  --csv "$SOAK_DIR/samples.csv" | tee "$SOAK_DIR/load.out" || status=1
log "stopping the node (SIGTERM)"
kill -TERM "$node"
wait "$node" || { log "the node's exit status was $?"; status=1; }
# grep -c exits 1 on no match, which pipefail and -e would turn into an abort.
echo "snapshots taken: $(grep -c "Successfully created .*snapshot-" "$ledger/validator.log" || true)"
grep -E "panicked|the validator stopped" "$ledger/validator.log" && status=1
log "restarting from the newest snapshot"
start_node "$@"
grep -o "Processing ledger from slot [0-9]*" "$ledger/validator.log" | tail -1
kill -TERM "$node"
wait "$node" || status=1
log "soak finished with status $status"
exit "$status"
