#!/usr/bin/env bash
# The local network: solana-test-validator with our four programs and Bubblegum, account
# compression and noop (SBF, built and cached by scripts/build-programs.sh), bootstrapped from
# migrations/localnet.toml with `fieldproof bootstrap` (minute-long epochs), a simulated fleet
# onboarded on it (its devices issued as cNFTs to a test wallet, its hotspots located), three
# oracles in a 2-of-3 quorum syncing their device directories from the network, the fleet
# reporting to all three, cheaters included, and the wallet app (app/) served by the first
# oracle. The oracles verify the reports, emit the treasury's epochs, compute each epoch and post
# its roots; after the dispute window the test wallet can claim (in the app, or with the CLI).
# Prints the addresses, then runs until Ctrl-C, which stops everything it started.
#   scripts/localnet.sh          (FIELDPROOF_RPC_PORT: the RPC port, default 8899;
#                                 FIELDPROOF_ORACLE_LISTEN: the first oracle's address, default
#                                 127.0.0.1:8080; the others take the next two ports;
#                                 FIELDPROOF_LOCALNET_STATE: the state directory, default
#                                 target/localnet;
#                                 FIELDPROOF_MAP_TILES and FIELDPROOF_MAP_ATTRIBUTION: a raster
#                                 tile URL template and its credit, for a basemap under the
#                                 app's map (none by default: the map is drawn offline);
#                                 FIELDPROOF_OWNER_CHALLENGE_TTL_SECS: how long an owner's
#                                 signed challenge lasts, default 600)
# State lives in that directory: the ledger, the oracles' SQLite files and epoch stores (all
# reset on every start), the logs, the test wallet, and the mint's and the device tree's keys
# (keys/), so the network has the same addresses on every start.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
port=${FIELDPROOF_RPC_PORT:-8899}
listen=${FIELDPROOF_ORACLE_LISTEN:-127.0.0.1:8080}
state="$root/${FIELDPROOF_LOCALNET_STATE:-target/localnet}"
step() { printf '\n== %s\n' "$*" >&2; }

step "building the programs and the Metaplex programs (cached)"
scripts/build-programs.sh >/dev/null
step "building the command-line tool and the oracle (cached)"
cargo build --quiet -p fieldproof-cli -p fieldproof-oracle
step "building the wallet app (cached)"
scripts/build-app.sh >/dev/null
source scripts/lib/programs.sh
localnet_programs

oracle_pids=()
fleet_pid=
watcher_pid=
stop() {
  trap - EXIT INT TERM
  [ -n "$fleet_pid" ] && kill "$fleet_pid" 2>/dev/null || true
  [ -n "$watcher_pid" ] && kill "$watcher_pid" 2>/dev/null || true
  for pid in "${oracle_pids[@]}"; do
    # SIGTERM: an oracle finishes the requests in flight and stores what it acknowledged.
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${oracle_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
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

# The test wallet pays its own claims' fees: 10 SOL from the validator's faucet.
owner=$(python3 scripts/lib/pubkey.py "$state/owner.json")
curl -sf "$url" -H 'Content-Type: application/json' \
  -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"requestAirdrop\",\"params\":[\"$owner\",10000000000]}" >/dev/null

step "creating each pool's address lookup table, which the oracles' claim transactions go through"
tables=()
for pool in $(field pools); do
  made=$(target/debug/fieldproof --url "$url" --keypair "$deployer" --json create-lookup-table --pool "$pool" --tree "$(field device_tree)")
  tables+=("\"$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["lookup_table"])' "$made")\"")
done
lookup_tables=$(IFS=,; echo "${tables[*]}")

# The three local oracles, in quorum: each its own key (migrations/localnet/), database and
# epoch store, the two others its peers. Their epochs are the treasury's.
epoch_start=$(field epoch_start_ts)
epoch_length=$(field epoch_length_secs)
host=${listen%:*}
first_port=${listen##*:}
urls=()
for i in 1 2 3; do urls+=("http://$host:$((first_port + i - 1))"); done
# The ledger starts empty every time, and so do the oracles: their state belongs to that chain.
rm -rf "$state"/oracle-*.sqlite* "$state"/epochs-* "$state"/log-* "$state"/wal-*
# The wallet app, served by the first oracle beside its API, learns its network here: the node,
# the wallet-standard chain, and the genesis hash that tells this ledger from any other.
genesis=$(curl -sf "$url" -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"getGenesisHash"}' |
          python3 -c 'import json, sys; print(json.load(sys.stdin)["result"])')
python3 - "$url" "$genesis" "${FIELDPROOF_MAP_TILES:-}" "${FIELDPROOF_MAP_ATTRIBUTION:-}" > target/app/config.json <<'PY'
import json, sys
url, genesis, tiles, attribution = sys.argv[1:]
config = {"rpcUrl": url, "chain": "solana:localnet", "genesisHash": genesis}
if tiles:
    config["basemap"] = {"tiles": tiles, "attribution": attribution}
print(json.dumps(config))
PY
for i in 1 2 3; do
  app_dir=""
  local_wallet=""
  # The first oracle serves the app and, this being a local network, its test owner key for the
  # app's local test wallet: on a loopback address only (the oracle refuses it elsewhere), and
  # in no other configuration.
  if [ "$i" = 1 ]; then
    app_dir="app_dir = \"$root/target/app\""
    case $host in
      127.*|localhost|'[::1]') local_wallet="local_test_wallet = \"$state/owner.json\"" ;;
    esac
  fi
  peers=""
  for j in 1 2 3; do
    [ "$j" = "$i" ] && continue
    peers+="{ url = \"${urls[j-1]}\", key = \"$(python3 scripts/lib/pubkey.py migrations/localnet/oracle-$j.json)\" }, "
  done
  cat > "$state/oracle-$i.toml" <<TOML
listen = "$host:$((first_port + i - 1))"
admin_listen = "$host:$((first_port + 100 + i - 1))"   # /metrics and /health, for the operator (clear of the validator's port range)
database_url = "sqlite://$state/oracle-$i.sqlite"
epochs_store = "$state/epochs-$i"
$app_dir
$local_wallet
owner_challenge_ttl_secs = ${FIELDPROOF_OWNER_CHALLENGE_TTL_SECS:-600}

[ingest]
max_clock_skew_secs = 30      # the fleet's devices report as things happen; an epoch is computed this much sooner

[log]                         # ten-second buckets: a minute's epoch is sealed about 45 s after its end
store = "$state/log-$i"
wal_dir = "$state/wal-$i"
bucket_secs = 10
seal_grace_secs = 5

[registry]
rpc_url = "$url"
network = "$network"
refresh_secs = 5

[epochs]
start_ts = $epoch_start
length_secs = $epoch_length

[quorum]
keypair = "$root/migrations/localnet/oracle-$i.json"
payer_keypair = "$deployer"
rpc_url = "$url"
treasury = "$(field treasury)"
pools = [{ address = "$(field pools | cut -d' ' -f1)", stream = "coverage" }, { address = "$(field pools | cut -d' ' -f2)", stream = "mapping" }]
peers = [${peers%, }]
every_secs = 5

[claims]
lookup_tables = [$lookup_tables]
TOML
done
start_oracle() {
  target/debug/fieldproof-oracle --config "$state/oracle-$1.toml" serve >> "$state/oracle-$1.log" 2>&1 &
  oracle_pids[$1 - 1]=$!
}
for i in 1 2 3; do
  step "starting oracle $i on ${urls[i-1]}"
  start_oracle "$i"
done
for i in 1 2 3; do
  for _ in $(seq 100); do
    curl -sf "${urls[i-1]}/health" >/dev/null 2>&1 && break
    kill -0 "${oracle_pids[i-1]}" 2>/dev/null || { tail -20 "$state/oracle-$i.log" >&2; echo "oracle $i exited during start-up" >&2; exit 1; }
    sleep 0.2
  done
done

# A pool's first root is of epoch 1 (epoch 0 is its initial state): the fleet starts reporting
# then, so that its first round earns in the first root.
wait=$((epoch_start + epoch_length + 1 - $(date +%s)))
if [ "$wait" -gt 0 ]; then
  step "waiting ${wait}s for epoch 1, the pools' first postable epoch"
  sleep "$wait"
fi
step "the fleet reports to the three oracles: a beacon round every ten minutes, honest devices and cheaters"
oracle_args=()
for u in "${urls[@]}"; do oracle_args+=(--oracle "$u"); done
RUST_LOG=warn target/debug/fieldproof-oracle simulate "${oracle_args[@]}" --rounds 0 --resend-window-secs 30 > "$state/fleet.log" 2>&1 &
fleet_pid=$!

pool0=$(field pools | cut -d' ' -f1)
cat <<INFO

The local network is up.
  wallet app         ${urls[0]}/   (open it in a browser and press "Use the local test wallet")
  network page       ${urls[0]}/network.html
  RPC                $url
  oracles (2 of 3)   ${urls[*]}   (logs: $state/oracle-{1,2,3}.log)
  fleet              reports to the three oracles every ten minutes (log: $state/fleet.log)
  network            $network
  network token      $(field network_mint)
  reward pools       $(field pools)   (coverage, mapping)
  device tree        $(field device_tree)
  epochs             $epoch_length s
  deployer (funded)  $deployer   (also holds the premint of the network token)
  test wallet        $state/owner.json   $owner (owns the fleet's device cNFTs, 10 SOL for fees)
  maker key          migrations/localnet/maker.json

The fleet's first round takes a minute and a half. Once its epoch has ended and settled (about a
minute more), the oracles post each pool's root; it is active 30 s later. Then:
  target/debug/fieldproof --url $url pool $pool0
  target/debug/fieldproof --url $url --oracle ${urls[0]} --keypair $state/owner.json claim --pool $pool0
  target/debug/fieldproof --url $url --keypair $state/owner.json devices --network $network
  curl ${urls[0]}/v1/devices/<device key hex>/rejections     (what the oracles refused, and why)
  target/debug/fieldproof-oracle tally --epochs-store $state/epochs-1 $(for p in $(field pools); do printf -- '--pool %s ' "$p"; done)  (what the fleet earned, by role: cheaters nothing)

Ctrl-C stops the fleet, the oracles and the validator. The network is 2 of 3: while an oracle is
paused (kill -STOP), crashed or restarting, the other two go on, the fleet queues that oracle's
reports and resends them once it answers (within its 30 s skew window), and this screen says
so; an oracle that exits is started again over its own files.
INFO
# What the fleet says of the oracles comes to this screen too. `tail --pid` ends the pipeline
# when this script ends: a tail left behind would hold this script's output open, and whoever
# reads it (the browser tests) would wait for its end forever.
tail --pid=$$ -n 0 -F "$state/fleet.log" 2>/dev/null | grep --line-buffered -E "is away|is back|skipped" | sed -u 's/^/fleet: /' >&2 &
watcher_pid=$!
# Until Ctrl-C, or until the validator or the fleet stops (its log says why). The validator runs
# detached (start-validator.sh), so it is polled; an oracle that exits is started again.
validator_pid=$(cat "$state/validator.pid")
while :; do
  kill -0 "$validator_pid" 2>/dev/null || { echo "the validator stopped; see $state/validator.log" >&2; break; }
  kill -0 "$fleet_pid" 2>/dev/null || { echo "the fleet stopped; see $state/fleet.log" >&2; break; }
  for i in 1 2 3; do
    if ! kill -0 "${oracle_pids[i-1]}" 2>/dev/null; then
      code=0
      wait "${oracle_pids[i-1]}" 2>/dev/null || code=$?
      echo "oracle $i exited ($code; see $state/oracle-$i.log): the other two go on; starting it again" >&2
      start_oracle "$i"
    fi
  done
  sleep 2
done
