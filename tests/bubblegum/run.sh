#!/usr/bin/env bash
# Runs the native tests against real Bubblegum and account compression (see Cargo.toml):
# writes vendor/ from crates.io, then `cargo test` in this workspace. It builds into the main
# workspace's target dir (same dev profile), so the Solana crates both graphs share compile once
# and exist once on disk.
#   tests/bubblegum/run.sh [cargo test args...]
set -euo pipefail
cd "$(dirname "$0")"
./prepare.sh
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-../../target}" cargo test --locked "$@"
