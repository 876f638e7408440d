#!/usr/bin/env bash
# Build the desktop app: the screens (scripts/build-ui.sh), then the Tauri shell (src-tauri)
# that embeds them. Prints the app's path. `--ui-only` stops after the screens.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages
ensure_desktop_packages
ensure_rust

scripts/build-ui.sh
[ "${1:-}" = "--ui-only" ] && exit 0

cargo build --locked --release -p tallschool-desktop >&2
echo "$CARGO_TARGET_DIR/release/tallschool-desktop"
