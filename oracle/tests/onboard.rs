//! A simulated fleet put on a real network: bootstrapped with the migrations, its devices issued
//! as Bubblegum cNFTs and its hotspots located, followed all along by the oracle's registry
//! follower.
//! Bubblegum runs only on a node (`scripts/test-rpc.sh`), so this is ignored in process.
use std::time::Duration;

use ed25519_dalek::SigningKey;
use fieldproof_migrations::{bootstrap, KeyDir, NetworkPlan};
use fieldproof_oracle::devices::{DeviceDirectory, DeviceKind};
use fieldproof_oracle::onboard::{onboard, OnboardSummary, Onboarding};
use fieldproof_oracle::registry_sync::RegistryFollower;
use fieldproof_oracle::simulate::{Cheaters, Fleet, FleetSpec};
use fieldproof_sdk::{Client, RpcChain, TreeHistory};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;

/// A payer funded by the node's faucet.
async fn funded(url: &str) -> Keypair {
    let rpc = RpcClient::new_with_commitment(url.to_string(), CommitmentConfig::confirmed());
    let payer = Keypair::new();
    let signature = rpc.request_airdrop(&payer.pubkey(), 100_000_000_000).await.expect("airdrop");
    for _ in 0..120 {
        if rpc.confirm_transaction(&signature).await.expect("airdrop status") {
            return payer;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the airdrop did not arrive");
}

fn chain(url: &str) -> RpcChain {
    RpcChain::new(url.to_string(), Duration::from_secs(30), CommitmentConfig::confirmed())
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn a_simulated_fleet_is_onboarded_once_and_the_oracle_sees_it() {
    let url = std::env::var("FIELDPROOF_RPC_URL").expect("FIELDPROOF_RPC_URL");
    let deployer = funded(&url).await;
    let submitter = Keypair::new();
    let maker = SigningKey::from_bytes(&[77; 32]);
    let maker_id = fieldproof_sdk::Pubkey::new_from_array(maker.verifying_key().to_bytes());
    // The local network's plan, with this test's price submitter and maker.
    let plan = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/localnet.toml")).unwrap();
    let localnet = NetworkPlan::parse(&plan).unwrap();
    let plan = plan
        .replace(&localnet.data_credits.price_submitters[0].to_string(), &submitter.pubkey().to_string())
        .replace(&localnet.makers[0].id.to_string(), &maker_id.to_string());
    let keys = tempfile::tempdir().unwrap();
    let client = Client::new(chain(&url));
    let report = bootstrap(&client, &deployer, &NetworkPlan::parse(&plan).unwrap(), &KeyDir::new(keys.path()), |_| {}).await.expect("bootstrap");
    let network = report.deployment.network;
    // The oracle follows the registry from before the first device: a full read of nothing.
    let directory = DeviceDirectory::default();
    let mut follower = RegistryFollower::new(network);
    let first_pass = follower.pass(&chain(&url), &directory).await.expect("first pass");
    assert_eq!((first_pass.full, first_pass.devices), (true, 0));

    let fleet = Fleet::new(FleetSpec { seed: 3, hotspots: 4, mappers: 1, cheaters: Cheaters { spoofers: 1, ..Cheaters::default() } });
    let owner = Keypair::new();
    let o = Onboarding { network, maker_id, maker_key: &maker, payer: &deployer, owner: &owner, price: Some((&submitter, 150_000_000)) };
    let index = TreeHistory::new(chain(&url));
    let first = onboard(&client, &index, &fleet, &o).await.expect("onboard");
    assert_eq!(first, OnboardSummary { issued: 5, located: 4, in_place: 0 });
    let again = onboard(&client, &index, &fleet, &o).await.expect("onboard again");
    assert_eq!(again, OnboardSummary { issued: 0, located: 0, in_place: 5 });

    // The next pass reads only what the registry's transactions since wrote, and knows every
    // device where it is asserted.
    let pass = follow(&mut follower, &chain(&url), &directory).await;
    assert!(!pass.full && pass.transactions > 0, "{pass:?}");
    assert!(pass.devices >= 5 && pass.changed >= 5, "each device read and entered: {pass:?}");
    assert_eq!(directory.len(), 5);
    for device in &fleet.devices {
        let entry = directory.lookup(&device.key.verifying_key().to_bytes()).expect("a synced device");
        assert_eq!(entry.kind, device.kind);
        assert_eq!(entry.location_h3, device.asserted_h3);
        assert!(entry.active);
    }
    let hotspots = fleet.devices.iter().filter(|d| d.kind == DeviceKind::Hotspot).count();
    assert_eq!(hotspots, 4);
    // Nothing has happened since (onboarding again sent nothing): nothing to read.
    let pass = follower.pass(&chain(&url), &directory).await.expect("quiet pass");
    assert_eq!((pass.full, pass.transactions, pass.devices, pass.changed), (false, 0, 0, 0));
    // A full read from scratch gives the same directory as following did.
    let scratch = DeviceDirectory::default();
    assert!(RegistryFollower::new(network).pass(&chain(&url), &scratch).await.expect("full read").full);
    assert_eq!(scratch.snapshot().entries, directory.snapshot().entries);
}

/// One pass, again while the node's history index has not yet caught up with the devices'
/// accounts (it indexes a transaction a moment after the bank applies it).
async fn follow(follower: &mut RegistryFollower, chain: &RpcChain, directory: &DeviceDirectory) -> fieldproof_oracle::registry_sync::SyncSummary {
    let mut total = fieldproof_oracle::registry_sync::SyncSummary::default();
    for _ in 0..20 {
        let pass = follower.pass(chain, directory).await.expect("pass");
        total.full |= pass.full;
        total.transactions += pass.transactions;
        total.devices += pass.devices;
        total.changed += pass.changed;
        if directory.len() == 5 && directory.snapshot().entries.iter().filter(|(_, e)| e.location_h3.is_some()).count() == 4 {
            return total;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    total
}
