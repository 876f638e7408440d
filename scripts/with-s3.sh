#!/usr/bin/env bash
# Run a command with a throwaway S3 protocol server (s3s-fs, files in a temporary folder) on a
# free loopback port, exported as TALLSCHOOL_TEST_S3_ENDPOINT with AWS_* credentials; the
# server and its files are removed afterwards, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_s3s_fs

root=$(mktemp -d /tmp/tallschool-s3.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=tallschool-test AWS_SECRET_ACCESS_KEY=tallschool-test-secret AWS_REGION=us-east-1
s3s-fs --host 127.0.0.1 --port "$port" --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" \
  "$root" >"$root.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$root" "$root.log"
}
trap cleanup EXIT
# Poll until it accepts connections (10 s at most).
deadline=$((SECONDS + 10))
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; do
  if ! kill -0 "$server" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
    echo "s3s-fs did not start:" >&2; cat "$root.log" >&2; exit 1
  fi
done
export TALLSCHOOL_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
echo "S3 test server (s3s-fs) on 127.0.0.1:$port"
"$@"
