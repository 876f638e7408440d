#!/usr/bin/env bash
# What a browser runs must build for wasm32-unknown-unknown: `shared/` and the engine's
# contract (built), the engine itself and the screens (checked; its SQLite is C compiled by clang 19, which
# Debian's clang 14 cannot do). Uses rustup's target when installed, else Debian's compiler
# with std built from source.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR}-wasm"
export CC_wasm32_unknown_unknown=clang-19 AR_wasm32_unknown_unknown=llvm-ar-19
# rand's getrandom 0.3 takes its randomness from JavaScript only when told so.
export RUSTFLAGS='--cfg getrandom_backend="wasm_js" -D warnings'
target=(--target wasm32-unknown-unknown)
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  cargo=(cargo)
else
  cargo=(env RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo)
  target+=(-Zbuild-std=std,panic_abort)
fi
"${cargo[@]}" build --locked --release -p tallschool-shared -p tallschool-contract "${target[@]}"
"${cargo[@]}" check --locked -p tallschool-client-core "${target[@]}"
# The screens, with the code only a browser runs (the Tauri bridge).
"${cargo[@]}" check --locked -p tallschool-ui "${target[@]}"
