#!/usr/bin/env bash
# What a browser runs must build for wasm32-unknown-unknown: `shared/` and the engine's
# contract (built), the engine itself, its browser worker and the screens (checked; its SQLite is C compiled by clang 19, which
# Debian's clang 14 cannot do). Uses rustup's target (added when missing), else Debian's
# compiler with std built from source.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR}-wasm"
export CC_wasm32_unknown_unknown=clang-19 AR_wasm32_unknown_unknown=llvm-ar-19
# rand's getrandom 0.3 takes its randomness from JavaScript only when told so.
export RUSTFLAGS='--cfg getrandom_backend="wasm_js" -D warnings'
ensure_wasm_target
"${wasm_cargo[@]}" build --locked --release -p tallschool-shared -p tallschool-contract "${wasm_target[@]}"
"${wasm_cargo[@]}" check --locked -p tallschool-client-core -p tallschool-web "${wasm_target[@]}"
# The screens, with the code only a browser runs (the Tauri bridge).
"${wasm_cargo[@]}" check --locked -p tallschool-ui "${wasm_target[@]}"
