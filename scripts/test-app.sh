#!/usr/bin/env bash
# The wallet app's browser tests (app/tests): Debian's chromium driven by playwright-core against
# a local network that the tests start themselves (scripts/localnet.sh on RPC port 28899, oracles
# on 127.0.0.1:28180-28182, state in target/localnet-app) and stop at the end, even on failure.
# Screenshots land in target/app-screenshots/, the network's output in target/app-tests/.
# Installs chromium from Debian's packages when it is missing; needs Node 20.19+ and npm.
# About 10 minutes, most of it waiting for the network's first reward roots.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
fi
# The tests' own dependencies (playwright-core), and the app built as localnet.sh serves it.
scripts/build-programs.sh >/dev/null
scripts/build-app.sh >/dev/null
cd app
CHROMIUM=${CHROMIUM:-$(command -v chromium)} exec npm test
