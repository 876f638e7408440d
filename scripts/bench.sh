#!/usr/bin/env bash
# Benchmarks (release build): sync figures beside their peers, on SQLite and on a throwaway
# PostgreSQL cluster; then studying, reports and the Lobby on a device; then fetching media
# against curl, and answering cards while media downloads. Prints Markdown tables;
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
