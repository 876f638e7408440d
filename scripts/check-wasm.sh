#!/usr/bin/env bash
# `shared/` must build for wasm32-unknown-unknown (the Dioxus UI uses it). Uses rustup's target
# when installed, else Debian's compiler with std built from source.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR}-wasm"
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  cargo build --locked --release -p tallschool-shared --target wasm32-unknown-unknown
else
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo build --locked --release -p tallschool-shared \
    -Zbuild-std=std,panic_abort --target wasm32-unknown-unknown
fi
