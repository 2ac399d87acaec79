#!/usr/bin/env bash
# Installs the system packages and tools the build and the tests need (chromium: the web
# console's browser tests; iptables: the cluster's partition test; qemu-user: the engine's AVX2
# kernels run on an emulated CPU without AVX-512; mold: the linker, for the many test binaries).
# Idempotent: prints nothing and changes nothing when everything is already there.
set -euo pipefail
source "$(dirname "$0")/common.sh"

APT_PACKAGES=(libclang-dev clang libssl-dev pkg-config zlib1g-dev protobuf-compiler libprotobuf-dev
  libudev-dev cmake python3-pip python3-venv chromium iptables qemu-user mold)
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js (with npm) for the @solana/web3.js client tests, unless a node is already installed.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  log "installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  # A fresh machine: install the Rust toolchain pinned in rust-toolchain.toml through rustup.
  log "installing the Rust toolchain (rustup)"
  command -v curl >/dev/null 2>&1 || { $SUDO apt-get install -y -qq curl >/dev/null; }
  curl -sSf https://sh.rustup.rs | sh -s -- -y -q --default-toolchain none
  # shellcheck disable=SC1091
  source "$HOME/.cargo/env"
fi

if ! command -v cargo-nextest >/dev/null 2>&1; then
  log "installing cargo-nextest"
  cargo install --locked -q cargo-nextest
fi
