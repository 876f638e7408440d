#!/usr/bin/env bash
# Benchmarks (release build): sync figures beside their peers, on SQLite and on a throwaway
# PostgreSQL cluster; then studying, reports and the Lobby on a device; then fetching media
# against curl, and answering cards while media downloads; then the apps: the desktop app beside
# a hello-world Tauri window, and the web app in Chromium, in one run. Prints Markdown tables;
# BENCHMARKS.md keeps the latest ones.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages
ensure_rust
scripts/with-postgres.sh cargo bench --locked -p tallschool-server --bench sync
cargo bench --locked -p tallschool-client-core --bench study
cargo bench --locked -p tallschool-client-core --bench reads
cargo bench --locked -p tallschool-server --bench media
# The desktop app in a real window beside a hello-world Tauri window built the same way, and the
# web app in headless Chromium.
ensure_desktop_packages
ensure_browser_packages
ensure_tauri_driver
app=$(scripts/build-desktop.sh)
web="$PWD/$(scripts/build-web.sh)"
cargo build --locked --release -p tallschool-desktop --example hello
TALLSCHOOL_DESKTOP_APP="$app" TALLSCHOOL_DESKTOP_PEER="${CARGO_TARGET_DIR}/release/examples/hello" \
  TALLSCHOOL_WEB_DIR="$web" cargo bench --locked -p tallschool-server --bench apps
