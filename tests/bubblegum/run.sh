#!/usr/bin/env bash
# Runs the native tests against real Bubblegum and account compression (see Cargo.toml):
# writes vendor/ from crates.io, then `cargo test` in this workspace with its own target dir.
# (Not the main workspace's: the two graphs build anchor-lang and other crates with different
# features, and sharing the directory once left a main-workspace build failing with two copies of
# anchor-lang in one graph.)
#   tests/bubblegum/run.sh [cargo test args...]
set -euo pipefail
cd "$(dirname "$0")"
./prepare.sh
cargo test --locked "$@"
