#!/usr/bin/env bash
# Builds everything the local network loads, as `anchor build` would where platform-tools exist:
#   target/deploy/<program>.so      our four programs, SBF (SBPF v3)
#   target/idl/<program>.json       their Anchor IDLs (host build with the `idl-build` feature)
#   target/deploy/metaplex/*.so     Bubblegum, account compression and noop (crates.io sources)
# Everything is cached (~/.cache/sbf-upstream and cargo's target dirs): a rerun with nothing
# changed takes seconds. Without platform-tools this is the route; see scripts/sbf/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/sbf/install.sh
# Each program is its own cargo build (build.sh), and a dependency program's cdylib overwrites
# the dependent's unhashed one, so cargo always rebuilds some; a digest of every input decides
# instead whether anything is to be done.
inputs=$(find programs scripts/sbf -type f -not -path '*/target/*' -print0 | sort -z | xargs -0 sha256sum;
         sha256sum Cargo.toml Cargo.lock rust-toolchain.toml)
digest=$(sha256sum <<< "$inputs" | cut -c1-32)
stamp=target/deploy/.inputs-digest
programs=()
for program in programs/*/; do
  # The program crates: a cdylib with Anchor's `idl-build` feature.
  grep -q '^idl-build *=' "$program/Cargo.toml" 2>/dev/null && grep -q 'cdylib' "$program/Cargo.toml" && programs+=("$program")
done
built() {
  local program name
  for program in "${programs[@]}"; do
    name=$(basename "$program" | tr - _)
    [ -f "target/deploy/$name.so" ] && [ -f "target/idl/$name.json" ] || return 1
  done
}
if [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ] && built; then
  echo "programs and IDLs are up to date (inputs unchanged since they were built)" >&2
else
  rm -f "$stamp"
  scripts/sbf/build.sh --workspace . target/deploy
  for program in "${programs[@]}"; do
    scripts/sbf/idl.sh "$program"
  done
  echo "$digest" > "$stamp"
fi
scripts/sbf/build-metaplex.sh target/deploy/metaplex
ls -l target/deploy/*.so target/idl/*.json target/deploy/metaplex/*.so
