#!/usr/bin/env bash
# Build the screens (client/ui) for wasm32 and bundle them with wasm-bindgen into
# client/ui/dist: the same screens for the desktop app (build-desktop.sh) and the web app
# (build-web.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages
ensure_rust
ensure_wasm_bindgen
ensure_wasm_target

wasm_target_dir="${CARGO_TARGET_DIR}-wasm"
# The same flags as scripts/check-wasm.sh, so the two share one build of the dependencies.
CARGO_TARGET_DIR="$wasm_target_dir" RUSTFLAGS='--cfg getrandom_backend="wasm_js" -D warnings' \
  "${wasm_cargo[@]}" build --locked --profile ui -p tallschool-ui "${wasm_target[@]}" >&2
dist=client/ui/dist
rm -rf "$dist"
mkdir -p "$dist"
wasm-bindgen --target web --no-typescript --out-dir "$dist" \
  "$wasm_target_dir/wasm32-unknown-unknown/ui/tallschool-ui.wasm" >&2
cp client/ui/static/* "$dist/"
