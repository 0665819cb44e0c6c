#!/usr/bin/env bash
# The local network: solana-test-validator with our four programs and Bubblegum, account
# compression and noop (SBF, built and cached by scripts/build-programs.sh), bootstrapped from
# migrations/localnet.toml with `fieldproof bootstrap`, a simulated fleet onboarded on it (its
# devices issued as cNFTs to a test wallet, its hotspots located), and the oracle's ingest API
# syncing its device directory from the network and receiving a round of the fleet's reports.
# Prints the addresses, then runs until Ctrl-C, which stops everything it started.
#   scripts/localnet.sh          (FIELDPROOF_RPC_PORT: the RPC port, default 8899;
#                                 FIELDPROOF_ORACLE_LISTEN: default 127.0.0.1:8080)
# State lives in target/localnet: the ledger and the oracle's SQLite file (both reset on every
# start), the validator's and the oracle's logs, the test wallet, and the mint's and the device
# tree's keys (target/localnet/keys), so the network has the same addresses on every start.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
port=${FIELDPROOF_RPC_PORT:-8899}
listen=${FIELDPROOF_ORACLE_LISTEN:-127.0.0.1:8080}
state="$root/target/localnet"
step() { printf '\n== %s\n' "$*" >&2; }

step "building the programs and the Metaplex programs (cached)"
scripts/build-programs.sh >/dev/null
step "building the command-line tool and the oracle (cached)"
cargo build --quiet -p fieldproof-cli -p fieldproof-oracle
source scripts/lib/programs.sh
localnet_programs

oracle_pid=
stop() {
  trap - EXIT INT TERM
  if [ -n "$oracle_pid" ] && kill -0 "$oracle_pid" 2>/dev/null; then
    # SIGTERM: the oracle finishes the requests in flight and stores what it acknowledged.
    kill -TERM "$oracle_pid"
    wait "$oracle_pid" 2>/dev/null || true
  fi
  scripts/sbf/start-validator.sh --stop --dir "$state"
}
trap stop EXIT
trap 'exit 130' INT TERM

step "starting solana-test-validator on port $port"
url=$(scripts/sbf/start-validator.sh --dir "$state" --port "$port" --metaplex target/deploy/metaplex "${PROGRAMS[@]}")
# The faucet's keypair holds the genesis SOL of the local ledger: it deploys the network.
deployer="$state/ledger/faucet-keypair.json"

step "bootstrapping the network from migrations/localnet.toml"
target/debug/fieldproof --url "$url" --keypair "$deployer" bootstrap --plan migrations/localnet.toml --keys "$state/keys"
# A rerun sends nothing (the plan is in place): it is how the addresses are read, as JSON.
deployment=$(target/debug/fieldproof --url "$url" --keypair "$deployer" --json bootstrap --plan migrations/localnet.toml --keys "$state/keys")
field() { python3 -c 'import json, sys; v = json.loads(sys.argv[1])[sys.argv[2]]; print(" ".join(v) if isinstance(v, list) else v)' "$deployment" "$1"; }
network=$(field network)

step "onboarding a simulated fleet: devices issued as cNFTs by the local maker, hotspots located"
# The same seed as the traffic below, so the devices that send reports are the ones registered.
RUST_LOG=warn target/debug/fieldproof-oracle simulate --onboard-url "$url" --network "$network" \
  --maker-keypair migrations/localnet/maker.json --payer-keypair "$deployer" \
  --owner-keypair "$state/owner.json" --price-submitter-keypair migrations/localnet/oracle-1.json

step "starting the oracle on $listen"
# The ledger starts empty every time, and so does the oracle: its reports belong to that chain.
rm -f "$state"/oracle.sqlite*
cat > "$state/oracle.toml" <<TOML
listen = "$listen"
database_url = "sqlite://$state/oracle.sqlite"

[registry]
rpc_url = "$url"
network = "$network"
TOML
target/debug/fieldproof-oracle --config "$state/oracle.toml" serve > "$state/oracle.log" 2>&1 &
oracle_pid=$!
for _ in $(seq 50); do
  curl -sf "http://$listen/health" >/dev/null 2>&1 && break
  kill -0 "$oracle_pid" 2>/dev/null || { tail -20 "$state/oracle.log" >&2; echo "the oracle exited during start-up" >&2; exit 1; }
  sleep 0.2
done

step "sending one round of the fleet's reports (honest devices and cheaters) to the oracle"
RUST_LOG=warn target/debug/fieldproof-oracle simulate --oracle "http://$listen"

cat <<INFO

The local network is up.
  RPC                $url
  oracle API         http://$listen   (log: $state/oracle.log)
  network            $network
  network token      $(field network_mint)
  reward pools       $(field pools)
  device tree        $(field device_tree)
  deployer (funded)  $deployer   (also holds the premint of the network token)
  test wallet        $state/owner.json   (owns the fleet's device cNFTs)
  maker key          migrations/localnet/maker.json
  try                target/debug/fieldproof --url $url --keypair $state/owner.json devices --network $network
                     target/debug/fieldproof --url $url pool $(field pools | cut -d' ' -f1)

Ctrl-C stops the oracle and the validator.
INFO
wait "$oracle_pid"
