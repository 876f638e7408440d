#!/usr/bin/env bash
# Build the desktop app: the screens (client/ui) for wasm32, bundled by wasm-bindgen into
# client/ui/dist, then the Tauri shell (src-tauri) that embeds them. Prints the app's path.
# `--ui-only` stops after the screens.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages
ensure_desktop_packages
ensure_rust
ensure_wasm_bindgen

ensure_wasm_target

profile=ui
wasm_target_dir="${CARGO_TARGET_DIR}-wasm"
# The same flags as scripts/check-wasm.sh, so the two share one build of the dependencies.
CARGO_TARGET_DIR="$wasm_target_dir" RUSTFLAGS='--cfg getrandom_backend="wasm_js" -D warnings' \
  "${wasm_cargo[@]}" build --locked --profile "$profile" -p tallschool-ui "${wasm_target[@]}" >&2
dist=client/ui/dist
rm -rf "$dist"
mkdir -p "$dist"
wasm-bindgen --target web --no-typescript --out-dir "$dist" \
  "$wasm_target_dir/wasm32-unknown-unknown/$profile/tallschool-ui.wasm" >&2
cp client/ui/static/* "$dist/"
[ "${1:-}" = "--ui-only" ] && exit 0

cargo build --locked --release -p tallschool-desktop >&2
echo "$CARGO_TARGET_DIR/release/tallschool-desktop"
