# Shared by the scripts: where builds go, and installing what is missing.
# Builds live outside the clone so that repeated runs (and fresh clones) reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tallschool/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Debian packages the server and its tests need. Installed only when missing.
# rustc-web … lld-22: Debian's compiler and std sources, to build shared/ for wasm32 where
# rustup cannot download the target.
SYSTEM_PACKAGES=(build-essential pkg-config curl python3 python3-venv postgresql rustc-web cargo-web rust-web-src rust-web-llvm lld-22 clang-19 llvm-19)

ensure_packages() {
  local missing=()
  for package in "${SYSTEM_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing missing packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
}

# The S3 protocol server the tests run media against (a Rust binary, built once).
ensure_s3s_fs() {
  if s3s-fs --version 2>/dev/null | grep -q '0\.14\.1'; then return 0; fi
  echo "Installing s3s-fs 0.14.1 (S3 test server)"
  cargo install s3s-fs --version 0.14.1 --features binary --quiet
}

# Schemathesis (PyPI) checks the API against its OpenAPI document (tests/contract.rs), in a
# virtual environment of its own, pinned.
SCHEMATHESIS_VERSION=4.32.5
MSGPACK_VERSION=1.2.4
ensure_schemathesis() {
  local venv="$HOME/.cache/tallschool/schemathesis"
  if ! "$venv/bin/st" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION" \
     || ! "$venv/bin/python" -c 'import msgpack' 2>/dev/null; then
    echo "Installing Schemathesis $SCHEMATHESIS_VERSION (API contract tests)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      "schemathesis==$SCHEMATHESIS_VERSION" "msgpack==$MSGPACK_VERSION"
  fi
  export TALLSCHOOL_SCHEMATHESIS="$venv/bin/st"
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "Rust is missing: install it from https://rustup.rs (rustup), then run this again." >&2
    exit 1
  fi
}

# The desktop app: WebKitGTK and friends for Tauri, Xvfb and WebKit's WebDriver for its tests.
DESKTOP_PACKAGES=(libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev libdbus-1-dev xvfb webkit2gtk-driver x11-apps)
ensure_desktop_packages() {
  local SYSTEM_PACKAGES=("${DESKTOP_PACKAGES[@]}")
  ensure_packages
}

# tauri-driver puts WebKit's WebDriver in front of the desktop app for its end-to-end test.
ensure_tauri_driver() {
  # It has no --version: ask cargo what it installed.
  if cargo install --list 2>/dev/null | grep -qF 'tauri-driver v2.1.0:'; then return 0; fi
  echo "Installing tauri-driver 2.1.0"
  cargo install tauri-driver --version 2.1.0 --quiet
}

# wasm-bindgen's command-line tool, at exactly the version in Cargo.lock (it must match).
ensure_wasm_bindgen() {
  local version
  version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
  if wasm-bindgen --version 2>/dev/null | grep -qF " $version"; then return 0; fi
  echo "Installing wasm-bindgen-cli $version"
  cargo install wasm-bindgen-cli --version "$version" --quiet
}
