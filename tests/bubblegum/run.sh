#!/usr/bin/env bash
# Runs the native tests against real Bubblegum and account compression (see Cargo.toml):
# writes vendor/ from crates.io, then `cargo test` in this workspace with its own target dir.
#   tests/bubblegum/run.sh [cargo test args...]
set -euo pipefail
cd "$(dirname "$0")"
./prepare.sh
cargo test --locked "$@"
