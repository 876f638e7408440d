#!/usr/bin/env bash
# Benchmarks (release build): sync figures beside their peers, on SQLite and on a throwaway
# PostgreSQL cluster. Prints a Markdown table; BENCHMARKS.md keeps the latest one.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages
ensure_rust
scripts/with-postgres.sh cargo bench --locked -p tallschool-server --bench sync
