#!/usr/bin/env bash
# Every check CI runs: formatting, lints, and all tests — end-to-end tests once against
# SQLite with media in a local folder, and once against a throwaway PostgreSQL cluster with
# media in a throwaway S3 protocol server (s3s-fs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages
ensure_desktop_packages
ensure_browser_packages
ensure_operations_packages
ensure_rust
ensure_tauri_driver
ensure_s3s_fs
ensure_schemathesis
ensure_moto

cargo fmt --all --check
# The desktop shell embeds the screens it is built with: build them first (scripts/build-desktop.sh
# builds the screens for wasm32, then the app), and the web app (the same screens with the engine
# for a browser worker), then lint everything.
app=$(scripts/build-desktop.sh)
web="$PWD/$(scripts/build-web.sh)"
cargo clippy --locked --workspace --all-targets -- -D warnings
scripts/check-wasm.sh
# The engine's API is documented: no broken links or missing docs warnings.
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -p tallschool-contract -p tallschool-client-core

if cargo nextest --version >/dev/null 2>&1; then
  run_tests=(cargo nextest run --locked --workspace --exclude tallschool-desktop --no-fail-fast)
else
  run_tests=(cargo test --locked --workspace --exclude tallschool-desktop --no-fail-fast)
fi
# End-to-end tests drive the binaries (the server, the `tallschool` CLI); the desktop app and the
# web app were built above ($app, $web).
cargo build --locked --workspace --exclude tallschool-desktop --exclude tallschool-ui --bins
echo "== tests on SQLite, media in a local folder"
"${run_tests[@]}"
echo "== the desktop app in a real window (Xvfb, tauri-driver), screenshots to docs/screenshots"
TALLSCHOOL_DESKTOP_APP="$app" cargo test --locked -p tallschool-server --test desktop -- --ignored
echo "== the web app on a phone-sized headless Chromium and the admin dashboard, screenshots to docs/screenshots"
TALLSCHOOL_WEB_DIR="$web" cargo test --locked -p tallschool-server --test web -- --ignored --test-threads=1
echo "== tests on PostgreSQL, media in S3 (s3s-fs)"
scripts/with-postgres.sh scripts/with-s3.sh "${run_tests[@]}"
