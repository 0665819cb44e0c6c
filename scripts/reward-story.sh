#!/usr/bin/env bash
# The reward story (tests/bubblegum/examples/reward_story.rs): devices issued as cNFTs, a
# quorum-posted root, owners claiming with a proof of owning their device. Runs in-process with
# the real Bubblegum and account compression, so it builds in the Bubblegum workspace
# (tests/bubblegum/prepare.sh writes its vendored crates from crates.io first).
#   scripts/reward-story.sh [devices]
set -euo pipefail
cd "$(dirname "$0")/.."
tests/bubblegum/prepare.sh
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}" cargo run --quiet --locked \
  --manifest-path tests/bubblegum/Cargo.toml --example reward_story -- "$@"
