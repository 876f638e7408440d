#!/usr/bin/env bash
# Build the web app into client/web/dist (the server serves it at /, see
# sync-server/src/web_app.rs): the screens (scripts/build-ui.sh) and the engine compiled for a
# browser worker (client/web; SQLite's C compiled by clang 19), all under app/<version>/ where
# <version> is a hash of the files; the page, the service worker (which precaches exactly
# these files), the manifest and the icons beside them. Prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages
ensure_rust
ensure_wasm_bindgen
ensure_wasm_target

scripts/build-ui.sh
wasm_target_dir="${CARGO_TARGET_DIR}-wasm"
CARGO_TARGET_DIR="$wasm_target_dir" RUSTFLAGS='--cfg getrandom_backend="wasm_js" -D warnings' \
  CC_wasm32_unknown_unknown=clang-19 AR_wasm32_unknown_unknown=llvm-ar-19 \
  "${wasm_cargo[@]}" build --locked --profile ui -p tallschool-web "${wasm_target[@]}" >&2

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$stage" \
  "$wasm_target_dir/wasm32-unknown-unknown/ui/tallschool_web.wasm" >&2
# The screens with the JavaScript snippets their crates bring (snippets/), not the desktop page.
cp -r client/ui/dist/. "$stage/"
rm -f "$stage/index.html" "$stage/icon.svg"
cp client/web/static/start.js client/web/static/engine-worker.js client/web/static/admin.js "$stage/"
version=$(cd "$stage" && find . -type f | sort | xargs cat | sha256sum | cut -c1-12)

dist=client/web/dist
rm -rf "$dist"
mkdir -p "$dist/app/$version" "$dist/icons"
cp -r "$stage/." "$dist/app/$version/"
cp icons/icon.svg "$dist/icons/icon.svg"
cp icons/android/mipmap-xxxhdpi/ic_launcher.png "$dist/icons/icon-192.png"
cp icons/icon.png "$dist/icons/icon-512.png"
cp client/web/static/manifest.webmanifest "$dist/"
sed "s/__VERSION__/$version/g" client/web/static/index.html > "$dist/index.html"
# The admin dashboard: the same screens, started without the engine (served at /admin).
sed "s/__VERSION__/$version/g" client/web/static/admin.html > "$dist/admin.html"
files=$(cd "$dist" && { echo /; echo /manifest.webmanifest; find app icons -type f | sort | sed 's|^|/|'; } \
  | python3 -c 'import json, sys; print(json.dumps([line.strip() for line in sys.stdin]))')
sed -e "s/__VERSION__/$version/g" -e "s|__FILES__|$files|" client/web/static/sw.js > "$dist/sw.js"
# Served precompressed (the server sends the .gz copy to browsers that take gzip).
find "$dist/app" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) -exec gzip -9 -k {} +
echo "$dist"
