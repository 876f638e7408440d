#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL cluster on a free loopback port, exported as
# TALLSCHOOL_TEST_PG_URL; the cluster is stopped and deleted afterwards, whatever happens.
set -euo pipefail
bin_dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin_dir/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

cluster=$(mktemp -d /tmp/tallschool-pg.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$cluster"
  as_owner=(runuser -u postgres --)
fi
cleanup() {
  "${as_owner[@]}" "$bin_dir/pg_ctl" -D "$cluster/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$cluster"
}
trap cleanup EXIT

"${as_owner[@]}" "$bin_dir/initdb" -D "$cluster/data" --auth=trust --username=postgres --encoding=UTF8 >/dev/null
# Durable as in production (fsync and synchronous_commit on): the crash tests (a server
# SIGKILLed mid-round, schedules with server restarts) check that what the server acknowledged
# is really stored.
"${as_owner[@]}" "$bin_dir/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
  -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=300" start >/dev/null
export TALLSCHOOL_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL test cluster on 127.0.0.1:$port"
"$@"
