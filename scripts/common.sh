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
  echo "Installing missing packages: ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  # Progress goes to stderr: scripts print only their result on stdout (build-desktop.sh the app's path).
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2
}

# The S3 protocol server the tests run media against (a Rust binary, built once).
ensure_s3s_fs() {
  if s3s-fs --version 2>/dev/null | grep -q '0\.14\.1'; then return 0; fi
  echo "Installing s3s-fs 0.14.1 (S3 test server)" >&2
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
    echo "Installing Schemathesis $SCHEMATHESIS_VERSION (API contract tests)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      "schemathesis==$SCHEMATHESIS_VERSION" "msgpack==$MSGPACK_VERSION"
  fi
  export TALLSCHOOL_SCHEMATHESIS="$venv/bin/st"
}

# moto_server (PyPI) stands in for AWS Secrets Manager in the key-provider tests
# (tests/pii_keys.rs), in a virtual environment of its own, pinned.
MOTO_VERSION=5.2.6
ensure_moto() {
  local venv="$HOME/.cache/tallschool/moto"
  if ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null \
     || [ ! -x "$venv/bin/moto_server" ]; then
    echo "Installing moto $MOTO_VERSION (Secrets Manager stand-in for the tests)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  export TALLSCHOOL_MOTO_SERVER="$venv/bin/moto_server"
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "Rust is missing: install it from https://rustup.rs (rustup), then run this again." >&2
    exit 1
  fi
}

# The desktop app: WebKitGTK and friends for Tauri, Xvfb and WebKit's WebDriver for its tests.
# gstreamer1.0-tools and -plugins-good make the test's video (WebKit plays video through GStreamer).
DESKTOP_PACKAGES=(libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev libdbus-1-dev xvfb webkit2gtk-driver x11-apps gstreamer1.0-tools gstreamer1.0-plugins-good)
ensure_desktop_packages() {
  local SYSTEM_PACKAGES=("${DESKTOP_PACKAGES[@]}")
  ensure_packages
}

# The operations tests run the real Prometheus (with promtool) and NATS server, each started by
# the test on loopback (their packaged services are not used).
OPERATIONS_PACKAGES=(prometheus nats-server)
ensure_operations_packages() {
  local SYSTEM_PACKAGES=("${OPERATIONS_PACKAGES[@]}")
  ensure_packages
}

# The web app's tests: Debian's Chromium and its matching ChromeDriver (nothing downloads a browser).
BROWSER_PACKAGES=(chromium chromium-driver)
ensure_browser_packages() {
  local SYSTEM_PACKAGES=("${BROWSER_PACKAGES[@]}")
  ensure_packages
}

# tauri-driver puts WebKit's WebDriver in front of the desktop app for its end-to-end test.
ensure_tauri_driver() {
  # It has no --version: ask cargo what it installed.
  if cargo install --list 2>/dev/null | grep -qF 'tauri-driver v2.1.0:'; then return 0; fi
  echo "Installing tauri-driver 2.1.0" >&2
  cargo install tauri-driver --version 2.1.0 --quiet
}

# wasm-bindgen's command-line tool, at exactly the version in Cargo.lock (it must match).
ensure_wasm_bindgen() {
  local version
  version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
  if wasm-bindgen --version 2>/dev/null | grep -qF " $version"; then return 0; fi
  echo "Installing wasm-bindgen-cli $version" >&2
  cargo install wasm-bindgen-cli --version "$version" --quiet
}

# Cargo for wasm32-unknown-unknown: rustup's target (added when missing and rustup can fetch
# it), else Debian's rustc-web with std built from source. Sets `wasm_cargo` and `wasm_target`
# (arrays) for `"${wasm_cargo[@]}" build … "${wasm_target[@]}"`.
ensure_wasm_target() {
  wasm_target=(--target wasm32-unknown-unknown)
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown >&2 2>/dev/null || true
  fi
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    wasm_cargo=(cargo)
  else
    wasm_cargo=(env RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo)
    wasm_target+=(-Zbuild-std=std,panic_abort)
  fi
}
