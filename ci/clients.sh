# Installs the client libraries the validator tests drive (sourced by ci/test.sh; exports
# AMBIENT_PYTHON): @solana/web3.js from clients/js/package-lock.json, Playwright (driving Debian's
# chromium) from clients/browser/package-lock.json, the TypeScript SDK's packages
# (clients/ts/package-lock.json), and solana-py / solders /
# pytest from clients/python/requirements.txt, the Python SDK (clients/python) and the engine's
# reference tools (gguf-py, llm-cuda/reference/requirements.txt) into a venv under ~/.cache/ambient.
# Quiet and quick when they are already installed.

for js in "$REPO_ROOT/clients/js" "$REPO_ROOT/clients/browser" "$REPO_ROOT/clients/ts"; do
  if [ ! -f "$js/node_modules/.package-lock.json" ] || [ "$js/package-lock.json" -nt "$js/node_modules/.package-lock.json" ]; then
    log "installing the npm packages of ${js#"$REPO_ROOT"/} (npm ci)"
    npm ci --prefix "$js" --no-audit --no-fund --loglevel=error >/dev/null
  fi
done

venv="${AMBIENT_PY_VENV:-$HOME/.cache/ambient/pyenv}"
req="$REPO_ROOT/clients/python/requirements.txt"
stamp="$venv/.requirements.sha256"
engine_req="$REPO_ROOT/llm-cuda/reference/requirements.txt"
want="$(cat "$req" "$engine_req" "$REPO_ROOT/clients/python/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing solana-py (venv $venv)"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" -r "$engine_req"
  # The Python SDK itself, as a user installs it (its dependencies come with it).
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "$REPO_ROOT/clients/python"
  echo "$want" > "$stamp"
fi
export AMBIENT_PYTHON="$venv/bin/python"
