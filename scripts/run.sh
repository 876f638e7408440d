#!/usr/bin/env bash
# Install what is missing, build, and start the sync server with SQLite, a local data folder,
# a demo school and the web app (open the printed URL in a browser, on a phone too); prints its
# URL and the demo logins. Extra arguments go to the server,
# e.g. `scripts/run.sh --bind 0.0.0.0:8080`. DATABASE_URL=postgres://… uses PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages
ensure_rust
web=$(scripts/build-web.sh)
cargo build --release --locked -p tallschool-server -p tallschool-cli
exec "$CARGO_TARGET_DIR/release/tallschool-server" --demo --data-dir "${TALLSCHOOL_DATA_DIR:-data}" --web-dir "$web" "$@"
