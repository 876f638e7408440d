#!/usr/bin/env bash
# Build the desktop app if needed and start it, offering the given school server on the first
# sign-in: `scripts/desktop.sh http://127.0.0.1:8080` (the demo server of scripts/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
app=$(scripts/build-desktop.sh)
TALLSCHOOL_SERVER="${1:-${TALLSCHOOL_SERVER:-}}" exec "$app"
