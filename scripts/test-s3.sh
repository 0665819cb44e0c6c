#!/usr/bin/env bash
# Installs (moto from PyPI) and starts a local S3-compatible server for the object-store tests,
# with a `fieldproof-test` bucket; prints the environment to export for them (the `AWS_*`
# variables object_store reads, and FIELDPROOF_TEST_S3_URL). Idempotent: a server already
# answering on the port is reused.
#   eval "$(scripts/test-s3.sh)"      (FIELDPROOF_TEST_S3_PORT: the port, default 4599)
set -euo pipefail
port=${FIELDPROOF_TEST_S3_PORT:-4599}
url="http://127.0.0.1:$port"

if ! curl -sf -o /dev/null "$url/moto-api/" 2>/dev/null; then
  if ! command -v moto_server >/dev/null 2>&1; then
    echo "installing moto's S3 server from PyPI" >&2
    python3 -m pip install -q "moto[server]" >&2
  fi
  log="${TMPDIR:-/tmp}/fieldproof-moto-$port.log"
  nohup moto_server -H 127.0.0.1 -p "$port" > "$log" 2>&1 &
  for _ in $(seq 100); do
    curl -sf -o /dev/null "$url/moto-api/" 2>/dev/null && break
    sleep 0.2
  done
  curl -sf -o /dev/null "$url/moto-api/" || { cat "$log" >&2; echo "moto's server did not start" >&2; exit 1; }
fi
curl -sf -o /dev/null -X PUT "$url/fieldproof-test"
cat <<ENV
export AWS_ENDPOINT=$url AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
export FIELDPROOF_TEST_S3_URL=s3://fieldproof-test
ENV
