#!/usr/bin/env bash
# Installs (Debian's package) and starts a local PostgreSQL for the storage tests, with a
# `fieldproof` role and database; prints the URL to put in FIELDPROOF_TEST_POSTGRES_URL.
# Idempotent: safe to run again on a machine where it already ran.
set -euo pipefail

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

read -r version cluster port status _ < <(pg_lsclusters --no-header | head -n 1)
if [ "$status" != "online" ]; then
  pg_ctlcluster "$version" "$cluster" start >&2
fi

as_postgres() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q -p "$port" "$@"; }
if [ "$(as_postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'fieldproof'")" != "1" ]; then
  as_postgres -c "CREATE ROLE fieldproof LOGIN PASSWORD 'fieldproof'" >&2
fi
# Each test creates a database of its own, so tests running at once never see each other's rows.
as_postgres -c "ALTER ROLE fieldproof CREATEDB" >&2
if [ "$(as_postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'fieldproof_test'")" != "1" ]; then
  as_postgres -c "CREATE DATABASE fieldproof_test OWNER fieldproof" >&2
fi
echo "postgres://fieldproof:fieldproof@127.0.0.1:$port/fieldproof_test"
