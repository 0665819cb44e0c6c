#!/usr/bin/env bash
# Writes vendor/curve25519-dalek (3.2.1) and vendor/aes-gcm-siv (0.10.3): the crates.io sources,
# unchanged but for their manifests' `zeroize < 1.4` and `subtle < 2.5` bounds, which would
# otherwise make the Solana 1.16 graph (Bubblegum 0.11) unresolvable beside ed25519-dalek 2.
# Idempotent; nothing third-party is committed.
set -euo pipefail
cd "$(dirname "$0")"
CRATES=(curve25519-dalek@3.2.1 aes-gcm-siv@0.10.3)
stamp="${CRATES[*]} $(sha256sum prepare.sh | cut -c1-16)"
[ "$(cat vendor/.stamp 2>/dev/null)" = "$stamp" ] && exit 0

fetch=$(mktemp -d)
trap 'rm -rf "$fetch"' EXIT
mkdir -p "$fetch/src" && : > "$fetch/src/lib.rs"
{
  printf '[package]\nname = "pin-fetch"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n'
  for c in "${CRATES[@]}"; do printf '%s = { version = "=%s", default-features = false }\n' "${c%@*}" "${c#*@}"; done
  printf '\n[workspace]\n'
} > "$fetch/Cargo.toml"
# A throwaway package makes cargo download and unpack the exact releases.
cargo metadata --quiet --format-version 1 --manifest-path "$fetch/Cargo.toml" > "$fetch/metadata.json"

rm -rf vendor && mkdir -p vendor
for c in "${CRATES[@]}"; do
  name=${c%@*} version=${c#*@}
  src=$(python3 -c '
import json, os, sys
meta = json.load(open(sys.argv[1]))
print(next(os.path.dirname(p["manifest_path"]) for p in meta["packages"]
           if p["name"] == sys.argv[2] and p["version"] == sys.argv[3]))' "$fetch/metadata.json" "$name" "$version")
  cp -a "$src" "vendor/$name" && chmod -R u+w "vendor/$name"
  sed -i -e 's/^version = ">=1, <1.4"$/version = "1"/' -e 's/^version = ">=2, <2.5"$/version = "2"/' "vendor/$name/Cargo.toml"
  if grep -qE '<1\.4|<2\.5' "vendor/$name/Cargo.toml"; then
    echo "prepare.sh: could not relax the pins of $c" >&2
    exit 1
  fi
done
echo "$stamp" > vendor/.stamp
