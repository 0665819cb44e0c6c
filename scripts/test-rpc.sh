#!/usr/bin/env bash
# Runs the SDK's tests against our programs as SBF binaries on solana-test-validator, instead of
# natively in an in-process bank, and checks every instruction's compute units against its
# budget in docs/compute-units.md.
#   scripts/test-rpc.sh [--update-table]        (FIELDPROOF_RPC_PORT: the RPC port, default 18899)
# Builds what is missing first (scripts/build-programs.sh, cached: our programs, their IDLs, and
# Bubblegum, account compression and noop); the validator comes from PATH, a prebuilt
# copy, or a build from crates.io (scripts/sbf/validator.sh). Programs are loaded at the ids in
# Anchor.toml's [programs.localnet].
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/build-programs.sh
source scripts/lib/programs.sh
localnet_programs

state="$root/target/localnet-test"
trap 'scripts/sbf/start-validator.sh --stop --dir "$state"' EXIT
url=$(scripts/sbf/start-validator.sh --dir "$state" --port "${FIELDPROOF_RPC_PORT:-18899}" --metaplex target/deploy/metaplex "${PROGRAMS[@]}")

log="$root/target/compute-units.log"
: > "$log"
# The device-registry test that plants a device account directly in the bank runs in process only;
# the devices, claims and CLI claim tests need Bubblegum, which only the node has.
FIELDPROOF_RPC_URL=$url FIELDPROOF_CU_LOG=$log cargo test -p fieldproof-sdk \
  --test data_credits --test treasury --test reward_pool --test device_registry \
  -- --skip device_status_changes_and_the_network_lists_its_devices
FIELDPROOF_RPC_URL=$url FIELDPROOF_CU_LOG=$log cargo test -p fieldproof-sdk --test devices --test claims -- --include-ignored
FIELDPROOF_RPC_URL=$url cargo test -p fieldproof-cli --test commands --test governance --test operators --test watch -- --include-ignored
# The network bootstrap, its device tree included (Bubblegum again).
FIELDPROOF_RPC_URL=$url cargo test -p fieldproof-migrations --test bootstrap -- --include-ignored
# A simulated fleet onboarded on a bootstrapped network and synced by the oracle.
FIELDPROOF_RPC_URL=$url cargo test -p fieldproof-oracle --test onboard --test owners --test story -- --include-ignored
python3 scripts/compute_units.py "$log" docs/compute-units.md "$@"
