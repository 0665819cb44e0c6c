//! The commands over the SDK's test chain: a real pool with a posted root, claimed from a reward
//! file by the owner of the devices' cNFTs; nothing left to claim; a wrong pool; the rewards
//! table after paying. Claims need Bubblegum, so those run on a node (`scripts/test-rpc.sh`) and
//! are ignored in process.

use fieldproof_tests::{device_network, pool_world, world};
use std::sync::Arc;

use world::{TestChain, World, SPL_TOKEN};
use ed25519_dalek::SigningKey;
mod support;

use fieldproof_cli::{execute, Command, Context, Failure};
use support::{command, fund, refusal, run, KeyFiles};
use fieldproof_sdk::{Client, Pubkey, RewardFile};
use device_network::{Network, TreeMirror};
use pool_world::PoolWorld;
use solana_keypair::Keypair;
use solana_signer::Signer;

struct Setup {
    pool: PoolWorld,
    /// The devices' network, when there are devices.
    network: Option<Network>,
    /// The index of no tree, for the commands that prove no ownership.
    no_tree: TreeMirror,
    dir: tempfile::TempDir,
    owner: Keypair,
}

impl Setup {
    /// A funded pool whose active root grants `leaves`, written as the reward file
    /// `rewards.json`; the owner's keypair is `owner.json`, and they pay their own fees.
    async fn with_rewards(world: Arc<World>, network: Option<Network>, owner: Keypair, leaves: &[(Pubkey, u64)]) -> Self {
        let pool = match &network {
            Some(network) => PoolWorld::of_network_token(world, network.network_mint, network.authority.insecure_clone(), 0).await,
            None => PoolWorld::on(world, 0).await,
        };
        let file = RewardFile::new(pool.pool, 1, leaves.to_vec()).unwrap();
        let args = pool.root_args(1, &pool_world::rewards(leaves), u64::try_from(file.cumulative_total()).unwrap()).await;
        pool.post(args, &[0, 1]).await.expect("post root");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rewards.json"), file.to_json()).unwrap();
        let world = &pool.world;
        let fund = anchor_lang::solana_program::system_instruction::transfer(&world.payer().pubkey(), &owner.pubkey(), 1_000_000_000);
        world.send(&[fund], &[]).await.unwrap();
        solana_keypair::write_keypair_file(&owner, dir.path().join("owner.json")).unwrap();
        Self { pool, network, no_tree: TreeMirror::default(), dir, owner }
    }

    /// Rewards for assets that are no devices: enough for the commands that only read.
    async fn without_devices(leaves: &[(Pubkey, u64)]) -> Self {
        Self::with_rewards(Arc::new(World::start().await), None, Keypair::new(), leaves).await
    }

    /// `amounts.len()` devices issued to the owner, granted `amounts`; returns their assets.
    async fn with_devices(amounts: &[u64]) -> (Self, Vec<Pubkey>) {
        let world = Arc::new(World::start().await);
        let network = Network::on(world.clone()).await;
        network.give_dc(&world.payer().pubkey(), 1_000_000).await;
        let owner = Keypair::new();
        let mut leaves = Vec::new();
        for (seed, amount) in (1u8..).zip(amounts) {
            let address = network.issue(&SigningKey::from_bytes(&[seed; 32]), &owner.pubkey()).await.expect("issue");
            leaves.push((network.device(&address).await.asset, *amount));
        }
        let assets = leaves.iter().map(|(asset, _)| *asset).collect();
        (Self::with_rewards(world, Some(network), owner, &leaves).await, assets)
    }

    fn context(&self) -> Context<TestChain, &TreeMirror> {
        Context {
            client: Client::new(self.pool.world.chain()),
            ownership: self.network.as_ref().map_or(&self.no_tree, |n| &n.tree),
            keypair: self.dir.path().join("owner.json"),
            progress: false,
        }
    }

    fn rewards_file(&self) -> std::path::PathBuf {
        self.dir.path().join("rewards.json")
    }
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn claim_pays_then_there_is_nothing_to_claim() {
    let (setup, assets) = Setup::with_devices(&[100, 250, 7]).await;
    let ctx = setup.context();
    let claim = Command::Claim { file: Some(setup.rewards_file()), pool: None, assets: vec![assets[0].to_string(), assets[1].to_string()] };

    let outcome = execute(&claim, &ctx).await.expect("claim");
    assert_eq!(outcome.json["paid"], 350);
    let sent = outcome.json["transactions"].as_array().unwrap().len();
    assert!(outcome.human.starts_with(&format!("claimed 350 for 2 device(s) in {sent} transaction(s)")), "{}", outcome.human);
    let ata = anchor_spl::associated_token::get_associated_token_address(&setup.owner.pubkey(), &setup.pool.mint);
    assert_eq!(setup.pool.world.token_balance(ata).await, 350);

    let again = execute(&claim, &ctx).await.unwrap_err();
    assert!(matches!(again, Failure::NothingToClaim(_)), "{again:?}");
    assert_eq!(again.exit_code(), 6);
    assert_eq!(setup.pool.world.token_balance(ata).await, 350, "nothing moved");

    // The owner's devices, and a network that is not one.
    let network = setup.network.as_ref().unwrap().network.to_string();
    let listed = execute(&Command::Devices { network }, &ctx).await.expect("devices");
    let mut listed: Vec<String> = listed.json["devices"].as_array().unwrap().iter().map(|d| d["asset"].as_str().unwrap().to_string()).collect();
    let mut expected: Vec<String> = assets.iter().map(|a| a.to_string()).collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
    let not_a_network = execute(&Command::Devices { network: setup.pool.pool.to_string() }, &ctx).await.unwrap_err();
    assert_eq!(not_a_network.exit_code(), 5, "{not_a_network}");

    let table = execute(&Command::Rewards { file: setup.rewards_file(), assets: vec![] }, &ctx).await.unwrap();
    let rows = table.json["rewards"].as_array().unwrap();
    let row = |i: usize| (rows[i]["granted"].as_u64(), rows[i]["paid"].as_u64(), rows[i]["claimable"].as_u64());
    assert_eq!((row(0), row(1), row(2)), ((Some(100), Some(100), Some(0)), (Some(250), Some(250), Some(0)), (Some(7), Some(0), Some(7))));
}

#[tokio::test]
async fn pool_shows_the_active_root_and_a_wrong_pool_is_not_found() {
    let asset = Pubkey::new_unique();
    let setup = Setup::without_devices(&[(asset, 40)]).await;
    let ctx = setup.context();
    let shown = execute(&Command::Pool { pool: setup.pool.pool.to_string() }, &ctx).await.unwrap();
    assert_eq!((shown.json["active"]["epoch"].as_u64(), shown.json["active"]["cumulative_total"].as_u64()), (Some(1), Some(40)));
    assert_eq!(shown.json["threshold"], 2);
    assert_eq!(shown.json["timelock_secs"], world::TIMELOCK_SECS);
    assert_eq!(shown.json["pending_changes"].as_array().map(Vec::len), Some(0));

    // A proposed change shows, for the guardian to see before it may apply.
    let (authority, world) = (&setup.pool.authority, &setup.pool.world);
    let proposal = fieldproof_sdk::reward_pool::OracleSetArgs { oracles: (0..3).map(|_| Pubkey::new_unique()).collect(), threshold: 2 };
    world.send(&[fieldproof_sdk::reward_pool::propose_oracle_set(&setup.pool.pool, &authority.pubkey(), proposal)], &[authority]).await.unwrap();
    let shown = execute(&Command::Pool { pool: setup.pool.pool.to_string() }, &ctx).await.unwrap();
    assert_eq!(shown.json["pending_changes"][0]["change"], "oracle_set");
    assert!(shown.human.contains("proposed    oracles 2 of 3"), "{}", shown.human);

    let missing = execute(&Command::Pool { pool: Pubkey::new_unique().to_string() }, &ctx).await.unwrap_err();
    assert_eq!(missing.exit_code(), 5, "{missing}");
    // The mint is an account, but not a pool.
    let not_a_pool = execute(&Command::Pool { pool: setup.pool.mint.to_string() }, &ctx).await.unwrap_err();
    assert_eq!(not_a_pool.exit_code(), 5, "{not_a_pool}");
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn set_destination_redirects_the_next_claim_and_is_the_owners_only() {
    let (setup, assets) = Setup::with_devices(&[90]).await;
    let ctx = setup.context();
    let elsewhere = setup.pool.world.create_token_account(SPL_TOKEN, &setup.pool.mint, &Pubkey::new_unique()).await;
    let set = Command::SetDestination { pool: setup.pool.pool.to_string(), asset: assets[0].to_string(), to: elsewhere.to_string() };
    execute(&set, &ctx).await.expect("set destination");
    execute(&Command::Claim { file: Some(setup.rewards_file()), pool: None, assets: vec![assets[0].to_string()] }, &ctx).await.expect("claim");
    assert_eq!(setup.pool.world.token_balance(elsewhere).await, 90);

    // The operator's lookup table for the pool's claimants.
    let tree = setup.network.as_ref().unwrap().config.active_tree;
    let made = execute(&Command::CreateLookupTable { pool: setup.pool.pool.to_string(), trees: vec![tree.to_string()] }, &ctx).await.expect("table");
    let table: Pubkey = made.json["lookup_table"].as_str().unwrap().parse().unwrap();
    let held = ctx.client.lookup_table(&table).await.unwrap().addresses;
    assert_eq!((held.len(), held[0], held[6]), (7, setup.pool.pool, tree));

    // Someone else's keypair: the device is not theirs, and nothing is sent.
    let stranger = Keypair::new();
    solana_keypair::write_keypair_file(&stranger, setup.dir.path().join("stranger.json")).unwrap();
    let theirs = Context { keypair: setup.dir.path().join("stranger.json"), ..setup.context() };
    let refused = execute(&set, &theirs).await.unwrap_err();
    assert_eq!(refused.exit_code(), 3, "{refused}");
    assert!(refused.to_string().contains("not by the signer"), "{refused}");
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn assert_location_moves_the_owners_device_only() {
    let (setup, assets) = Setup::with_devices(&[5]).await;
    let network = setup.network.as_ref().unwrap();
    network.give_dc(&setup.owner.pubkey(), 1_000_000).await;
    let ctx = setup.context();
    let assert = Command::AssertLocation { asset: assets[0].to_string(), h3: 0x8828308281fffff, elevation: 8, gain: 52 };

    let done = execute(&assert, &ctx).await.expect("assert location");
    assert_eq!(done.json["h3_cell"], "8828308281fffff");
    let (_, device) = ctx.client.device_by_asset(&assets[0]).await.unwrap();
    assert_eq!((device.location.h3_cell, device.location.elevation, device.location.gain), (0x8828308281fffff, 8, 52));

    let stranger = Keypair::new();
    solana_keypair::write_keypair_file(&stranger, setup.dir.path().join("stranger.json")).unwrap();
    let theirs = Context { keypair: setup.dir.path().join("stranger.json"), ..setup.context() };
    let refused = execute(&assert, &theirs).await.unwrap_err();
    assert_eq!(refused.exit_code(), 3, "{refused}");
    let unknown = Command::AssertLocation { asset: Pubkey::new_unique().to_string(), h3: 1, elevation: 0, gain: 0 };
    assert_eq!(execute(&unknown, &ctx).await.unwrap_err().exit_code(), 5);
}

/// `migrations/localnet.toml` without its device tree (the in-process bank has no Bubblegum).
fn localnet_plan_without_tree() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/localnet.toml");
    let plan = std::fs::read_to_string(path).unwrap();
    plan.lines().filter(|line| !line.starts_with("device_tree")).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn bootstrap_creates_the_network_then_finds_it_in_place_and_reports_drift() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    solana_keypair::write_keypair_file(&world.payer(), dir.path().join("deployer.json")).unwrap();
    let plan = dir.path().join("net.toml");
    std::fs::write(&plan, localnet_plan_without_tree()).unwrap();
    let ctx = Context { client: Client::new(world.chain()), ownership: TreeMirror::default(), keypair: dir.path().join("deployer.json"), progress: false };
    let bootstrap = Command::Bootstrap { plan: plan.clone(), keys: None };

    let first = execute(&bootstrap, &ctx).await.expect("bootstrap");
    assert_eq!(first.json["changed"], true);
    assert!(first.human.lines().filter(|l| l.starts_with("created")).count() >= 8, "{}", first.human);
    assert!(first.human.ends_with("the network now matches the plan\n"), "{}", first.human);
    assert_eq!(first.json["epoch_length_secs"], 60, "the treasury's epochs, for the oracles' [epochs]");
    // The mint's key is kept beside the plan, so the rerun finds the same network.
    assert!(dir.path().join("net-keys/network-mint.json").exists());

    let second = execute(&bootstrap, &ctx).await.expect("second run");
    assert_eq!(second.json["changed"], false);
    assert_eq!(second.json["network"], first.json["network"]);
    assert!(second.human.ends_with("nothing to do: the network already matches the plan\n"), "{}", second.human);
    assert!(second.human.lines().take_while(|l| !l.starts_with("epochs of")).all(|l| l.starts_with("in place")), "{}", second.human);
    // The guardian is the key directory's, never the deployer.
    let guardian = solana_keypair::read_keypair_file(dir.path().join("net-keys/guardian.json")).unwrap().pubkey();
    assert_eq!((second.json["guardian"].as_str(), guardian == world.payer().pubkey()), (Some(guardian.to_string().as_str()), false));

    // An oracle threshold changes only through the pool's time-locked proposal.
    std::fs::write(&plan, localnet_plan_without_tree().replacen("threshold = 2", "threshold = 3", 1)).unwrap();
    let drift = execute(&bootstrap, &ctx).await.unwrap_err();
    assert_eq!(drift.exit_code(), 7, "{drift}");
    assert!(drift.to_string().contains("reward pool 0") && drift.to_string().contains("threshold: on chain 2, in the plan 3"), "{drift}");

    std::fs::write(&plan, "[network_token]\ndecimals = 6\n").unwrap();
    let incomplete = execute(&bootstrap, &ctx).await.unwrap_err();
    assert_eq!(incomplete.exit_code(), 3, "{incomplete}");
    assert!(incomplete.to_string().contains("missing field `treasury`"), "{incomplete}");
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn a_maker_issues_a_device_and_its_owner_transfers_it() {
    let world = Arc::new(World::start().await);
    let network = Network::on(world.clone()).await;
    network.give_dc(&world.payer().pubkey(), 1_000_000).await;
    let (owner, buyer, device) = (fieldproof_tests::keys::keypair(), fieldproof_tests::keys::keypair(), fieldproof_tests::keys::keypair());
    fund(&world, &owner).await;
    fund(&world, &buyer).await;
    let files = KeyFiles::new();
    let (payer_file, owner_file, buyer_file) = (files.write("payer", &world.payer()), files.write("owner", &owner), files.write("buyer", &buyer));
    let maker_file = files.write("maker", &Keypair::new_from_array(network.maker_key.to_bytes())).display().to_string();
    let device_file = files.write("device", &device).display().to_string();
    let (net, maker_id, owner_key) = (network.network.to_string(), network.maker_id.to_string(), owner.pubkey().to_string());
    let issue = command(&["issue-device", "--network", &net, "--maker-id", &maker_id, "--maker-keypair", &maker_file, "--device-keypair", &device_file, "--owner", &owner_key, "--kind", "mapper"]);

    // The maker issues it; the payer's DC pays the onboarding fee.
    let dc_before = network.dc_balance(&world.payer().pubkey()).await;
    let issued = run(&world, &network.tree, &payer_file, &issue).await.expect("issued");
    assert_eq!(issued.json["device_key"], device.pubkey().to_string());
    let asset: Pubkey = issued.json["asset"].as_str().unwrap().parse().unwrap();
    let (address, info) = world.client.device_by_asset(&asset).await.unwrap();
    assert_eq!((address.to_string(), info.kind), (issued.json["device"].as_str().unwrap().to_string(), fieldproof_sdk::device_registry::DeviceKind::Mapper));
    assert_eq!(network.dc_balance(&world.payer().pubkey()).await, dc_before - device_network::ONBOARDING_FEE);
    network.tree.append(info.clone(), owner.pubkey());
    assert_eq!(refusal(run(&world, &network.tree, &payer_file, &issue).await, "device_registry"), "DeviceAlreadyRegistered");

    // Only its owner gives it away; then it is the buyer's.
    let transfer = command(&["transfer-device", "--asset", &asset.to_string(), "--to", &buyer.pubkey().to_string()]);
    let refused = run(&world, &network.tree, &buyer_file, &transfer).await.unwrap_err();
    assert_eq!(refused.exit_code(), 3, "{refused}");
    let moved = run(&world, &network.tree, &owner_file, &transfer).await.expect("transferred");
    assert_eq!(moved.json["to"], buyer.pubkey().to_string());
    network.tree.transfer(&asset, buyer.pubkey());
    let devices = command(&["devices", "--network", &net]);
    assert_eq!(run(&world, &network.tree, &buyer_file, &devices).await.expect("devices").json["devices"][0]["asset"], asset.to_string());
    assert_eq!(run(&world, &network.tree, &owner_file, &devices).await.expect("devices").json["devices"], serde_json::json!([]));

    // The network's authority deactivates it (a proven spoofer, say); nobody else can.
    fund(&world, &network.authority).await;
    let authority_file = files.write("authority", &network.authority);
    let deactivate = command(&["device-status", "--network", &net, "--device-key", &device.pubkey().to_string(), "--status", "inactive"]);
    assert_eq!(refusal(run(&world, &network.tree, &buyer_file, &deactivate).await, "device_registry"), "NotAuthority");
    let done = run(&world, &network.tree, &authority_file, &deactivate).await.expect("deactivated");
    assert_eq!((done.json["status"].as_str(), done.json["asset"].as_str()), (Some("inactive"), Some(asset.to_string().as_str())));
    assert_eq!(refusal(run(&world, &network.tree, &authority_file, &deactivate).await, "device_registry"), "StatusUnchanged");
}
