#!/usr/bin/env bash
# The crates a browser runs must build for wasm32-unknown-unknown: `shared/` and the engine's
# contract (`client/contract`, the messages the UI exchanges with the engine). Uses rustup's
# target when installed, else Debian's compiler with std built from source.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR}-wasm"
crates=(-p tallschool-shared -p tallschool-contract)
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  cargo build --locked --release "${crates[@]}" --target wasm32-unknown-unknown
else
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo build --locked --release "${crates[@]}" \
    -Zbuild-std=std,panic_abort --target wasm32-unknown-unknown
fi
