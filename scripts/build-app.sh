#!/usr/bin/env bash
# Builds the wallet app (app/) into target/app, which the local network's first oracle serves:
# `npm ci` when its lock file changed, then the programs' error tables from target/idl and
# `vite build`. Cached: nothing runs when neither the app's sources nor the IDLs changed.
# Needs Node 20.19+ and npm, and the IDLs of scripts/build-programs.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v npm >/dev/null || { echo "npm is needed to build the wallet app (Node 20.19 or newer)" >&2; exit 1; }
ls target/idl/*.json >/dev/null 2>&1 || { echo "no IDL in target/idl: run scripts/build-programs.sh first" >&2; exit 1; }
lock=$(sha256sum app/package-lock.json | cut -c1-32)
if [ "$(cat app/node_modules/.lock-digest 2>/dev/null)" != "$lock" ]; then
  (cd app && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock" > app/node_modules/.lock-digest
fi
inputs=$(find app/src app/scripts app/index.html app/vite.config.ts app/tsconfig.json app/package-lock.json target/idl \
           -type f -not -path 'app/src/generated/*' -print0 | sort -z | xargs -0 sha256sum)
digest=$(sha256sum <<< "$inputs" | cut -c1-32)
stamp=target/app.inputs-digest
if [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ] && [ -f target/app/index.html ]; then
  echo "wallet app is up to date (inputs unchanged since it was built)" >&2
  exit 0
fi
(cd app && npm run --silent build)
echo "$digest" > "$stamp"
