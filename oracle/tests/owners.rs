//! The owner endpoints of a running oracle, against real Bubblegum cNFTs on a node: the ownership
//! proofs of the oracle's own index of the device tree are accepted by the reward pool, also after
//! a transfer, and the claim transactions it prepares pay the owners exactly what the active
//! epoch grants, once; the wallet endpoints show an owner's devices with what each earned, was
//! paid and can claim, and prepare a payout destination the program accepts. Bubblegum runs only
//! on a node (`scripts/test-rpc.sh`), so this is ignored in process.
use std::sync::Arc;
use std::time::Duration;

use fieldproof_tests::world::World;
use ed25519_dalek::SigningKey;
use fieldproof_oracle::config::{OracleConfig, RegistryConfig};
use fieldproof_oracle::devices::DeviceDirectory;
use fieldproof_oracle::epoch::EpochFiles;
use fieldproof_oracle::epoch::RewardStream;
use fieldproof_oracle::quorum::config::PoolConfig;
use fieldproof_oracle::quorum::{EpochRecord, EpochStatus, QuorumConfig};
use fieldproof_oracle::serve::{self, RunningOracle};
use fieldproof_oracle::storage::Store;
use fieldproof_sdk::device_registry::DeviceInfo;
use fieldproof_sdk::reward_pool::PostRootArgs;
use fieldproof_sdk::{OracleApiError, OracleClient, OwnershipSource, Pubkey, RewardFile, RewardLeaf};
use fieldproof_tests::device_network::Network;
use fieldproof_tests::pool_world::PoolWorld;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

/// A device network and a funded pool on the node, three devices issued to `owner`, and an
/// oracle synced from the network whose published epoch 1 is the pool's active root.
struct Scene {
    network: Network,
    pool: PoolWorld,
    devices: Vec<DeviceInfo>,
    file: RewardFile,
    oracle: RunningOracle,
    api: OracleClient,
    _dir: tempfile::TempDir,
}

impl Scene {
    async fn new(owner: &Pubkey, amounts: &[u64]) -> Self {
        let world = Arc::new(World::start().await);
        let url = world.rpc_url().expect("on a node");
        let network = Network::on(world.clone()).await;
        // The pool pays this network's devices (a claim refuses a device of another network).
        let pool = PoolWorld::of_network_token(world.clone(), network.network_mint, network.authority.insecure_clone(), 0).await;
        network.give_dc(&world.payer().pubkey(), 1_000_000).await;
        let mut devices = Vec::new();
        for (seed, _) in amounts.iter().enumerate() {
            let address = network.issue(&SigningKey::from_bytes(&[seed as u8 + 40; 32]), owner).await.expect("issue");
            devices.push(network.device(&address).await);
        }

        // Epoch 1 of the pool, published by the oracle and posted by the pool's oracles.
        let file = RewardFile::new(pool.pool, 1, devices.iter().zip(amounts).map(|(d, a)| (d.asset, *a)).collect()).unwrap();
        let bytes = file.to_json().into_bytes();
        let args = PostRootArgs {
            config_version: pool.pool().await.config_version,
            epoch: 1,
            root: file.root(),
            cumulative_total: amounts.iter().sum(),
            leaf_count: amounts.len() as u64,
            content_hash: fieldproof_oracle::epoch::content_hash(&bytes),
            expires_at: world.clock().await.unix_timestamp + 3_600,
        };
        pool.post(args, &[0, 1]).await.expect("post root");

        let dir = tempfile::tempdir().unwrap();
        let epochs = dir.path().join("epochs").display().to_string();
        // The file where the oracle publishes it (the epoch pipeline itself is tested in quorum.rs).
        let at = dir.path().join("epochs").join(EpochFiles::file_path(&pool.pool, 1).as_ref());
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, &bytes).unwrap();
        let config = OracleConfig {
            quorum: QuorumConfig { pools: vec![PoolConfig { address: pool.pool.to_string(), stream: RewardStream::Coverage }], ..QuorumConfig::default() },
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: format!("sqlite://{}", dir.path().join("oracle.sqlite").display()),
            epochs_store: epochs,
            log: fieldproof_oracle::log::LogConfig::in_dir(dir.path()),
            registry: RegistryConfig { rpc_url: Some(url), network: Some(network.network.to_string()), refresh_secs: 1, ..RegistryConfig::default() },
            ..OracleConfig::default()
        };
        let store = Store::open(&config.database_url).await.unwrap();
        let mut record = EpochRecord::new(pool.pool, 1);
        record.status = EpochStatus::Active;
        record.save(&store, 0).await.unwrap();
        let oracle = serve::start(&config, Arc::new(DeviceDirectory::default()), None).await.unwrap();
        let api = OracleClient::new(format!("http://{}", oracle.addr), Duration::from_secs(30)).unwrap().with_retries(1, Duration::ZERO);
        let scene = Self { network, pool, devices, file, oracle, api, _dir: dir };
        scene.wait_for_the_registry_sync().await;
        scene
    }

    fn world(&self) -> &World {
        &self.network.world
    }

    /// The oracle syncs its directory, and so learns the device tree, right after it starts.
    async fn wait_for_the_registry_sync(&self) {
        for _ in 0..120 {
            if self.api.asset_proof(&self.devices[0]).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("the oracle never served an ownership proof");
    }

    fn leaf(&self, i: usize) -> RewardLeaf {
        self.file.leaf(&self.devices[i].asset).unwrap()
    }

    fn paid_to(&self, owner: &Pubkey) -> Pubkey {
        anchor_spl::associated_token::get_associated_token_address(owner, &self.pool.mint)
    }

    /// Gives `owner` lamports for fees and token accounts.
    async fn fund(&self, owner: &Pubkey) {
        let ix = anchor_lang::solana_program::system_instruction::transfer(&self.world().payer().pubkey(), owner, 1_000_000_000);
        self.world().send(&[ix], &[]).await.unwrap();
    }

    /// Signs the oracle's transactions as `owner`, the only signer, and sends them in order.
    async fn sign_and_send(&self, owner: &Keypair, transactions: Vec<VersionedTransaction>) {
        for unsigned in transactions {
            assert_eq!(unsigned.message.static_account_keys()[0], owner.pubkey(), "the owner pays the fee");
            let signed = VersionedTransaction::try_new(unsigned.message, &[owner]).expect("the owner is the only signer");
            let signature = fieldproof_sdk::Chain::send_transaction(&self.world().chain(), &signed).await.expect("the claim lands");
            self.world().record(&signature).await;
        }
    }
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn the_oracles_own_index_proves_ownership_and_follows_a_transfer() {
    let owner = Keypair::new();
    let scene = Scene::new(&owner.pubkey(), &[70, 30, 0]).await;
    let (world, client, payer) = (scene.world(), &scene.world().client, scene.world().payer());

    // The oracle's proofs are the tree's, for every device.
    for device in &scene.devices {
        assert_eq!(scene.api.asset_proof(device).await.expect("served"), scene.network.tree.asset_proof(device).await.unwrap());
    }

    // The device changes hands: the oracle's index follows, and the program accepts its proof
    // for the new owner and refuses the old one's claim before sending anything.
    let buyer = Keypair::new();
    scene.network.transfer(&scene.devices[0], &owner, &buyer.pubkey()).await;
    let seen = scene.api.asset_proof(&scene.devices[0]).await.expect("served after the transfer");
    assert_eq!(seen.owner, buyer.pubkey());
    assert_eq!(seen, scene.network.tree.asset_proof(&scene.devices[0]).await.unwrap());
    let refused = client.claim(&payer, &owner, &scene.pool.pool, &scene.leaf(0), &scene.api).await;
    assert!(matches!(refused, Err(fieldproof_sdk::SdkError::NotDeviceOwner { owner: o, .. }) if o == buyer.pubkey()), "{refused:?}");
    let (paid, signature) = client.claim(&payer, &buyer, &scene.pool.pool, &scene.leaf(0), &scene.api).await.expect("the new owner claims");
    world.record(&signature).await;
    assert_eq!(paid, 70);
    assert_eq!(world.token_balance(scene.paid_to(&buyer.pubkey())).await, 70);

    // What the index does not hold, and what is not an address, are refused by name.
    let unknown = scene.api.asset_proof_of(&Pubkey::new_unique()).await;
    assert!(matches!(unknown, Err(fieldproof_sdk::OwnershipSourceError::UnknownAsset { .. })), "{unknown:?}");
    let malformed = reqwest::get(format!("http://{}/v1/ownership/not-an-address", scene.oracle.addr)).await.unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(malformed.json::<serde_json::Value>().await.unwrap()["code"], "malformed_encoding");
    scene.oracle.shutdown().await.unwrap();
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn the_oracles_claim_transactions_pay_each_owner_once() {
    let owner = Keypair::new();
    let scene = Scene::new(&owner.pubkey(), &[70, 30, 0]).await;
    let (world, pool) = (scene.world(), scene.pool.pool);
    let buyer = Keypair::new();
    scene.network.transfer(&scene.devices[0], &owner, &buyer.pubkey()).await;
    scene.fund(&owner.pubkey()).await;
    scene.fund(&buyer.pubkey()).await;

    // One device by name: only its owner gets transactions for it.
    let refused = scene.api.claim_transactions(&pool, &owner.pubkey(), Some(&scene.devices[0].asset)).await;
    assert!(matches!(&refused, Err(OracleApiError::Rejected { status: 403, code, .. }) if code == "not_device_owner"), "{refused:?}");
    let one = scene.api.claim_transactions(&pool, &buyer.pubkey(), Some(&scene.devices[0].asset)).await.expect("the buyer's claim");
    assert_eq!((one.epoch, one.paid, one.claimed.as_slice()), (1, 70, &[scene.devices[0].asset][..]));
    scene.sign_and_send(&buyer, one.transactions).await;
    assert_eq!(world.token_balance(scene.paid_to(&buyer.pubkey())).await, 70);

    // All of an owner's devices: the two they still hold, one of which earned nothing.
    let all = scene.api.claim_transactions(&pool, &owner.pubkey(), None).await.expect("the owner's claims");
    assert_eq!(all.paid, 30);
    assert_eq!(all.claimed, vec![scene.devices[1].asset]);
    assert_eq!(all.nothing_to_claim, vec![scene.devices[2].asset]);
    assert_eq!(all.transactions.len(), 1, "the token account's creation and the claim fit one transaction");
    scene.sign_and_send(&owner, all.transactions).await;
    assert_eq!(world.token_balance(scene.paid_to(&owner.pubkey())).await, 30);

    // Claimed already: nothing more to sign, for either.
    let again = scene.api.claim_transactions(&pool, &owner.pubkey(), None).await.unwrap();
    let mut held = vec![scene.devices[1].asset, scene.devices[2].asset];
    held.sort();
    assert_eq!((again.paid, again.transactions.len(), again.nothing_to_claim.clone()), (0, 0, held));
    let again = scene.api.claim_transactions(&pool, &buyer.pubkey(), None).await.unwrap();
    assert_eq!((again.paid, again.nothing_to_claim.clone()), (0, vec![scene.devices[0].asset]));
    assert_eq!(world.token_balance(scene.paid_to(&buyer.pubkey())).await, 70);

    // A pool without an active root here, an asset without a leaf, a malformed owner.
    let code = |r: Result<_, OracleApiError>| match r {
        Err(OracleApiError::Rejected { status, code, .. }) => (status, code),
        other => panic!("expected a refusal, got {:?}", other.map(|c: fieldproof_sdk::ClaimTransactions| c.paid)),
    };
    assert_eq!(code(scene.api.claim_transactions(&Pubkey::new_unique(), &owner.pubkey(), None).await), (404, "no_active_root".into()));
    assert_eq!(code(scene.api.claim_transactions(&pool, &owner.pubkey(), Some(&Pubkey::new_unique())).await), (404, "unknown_asset".into()));
    let malformed = reqwest::get(format!("http://{}/v1/claims/{pool}/0wner", scene.oracle.addr)).await.unwrap();
    assert_eq!(malformed.status(), 400);
    scene.oracle.shutdown().await.unwrap();
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn the_wallet_endpoints_show_an_owners_rewards_and_set_a_destination() {
    let owner = Keypair::new();
    let scene = Scene::new(&owner.pubkey(), &[70, 30, 0]).await;
    let (world, pool, base) = (scene.world(), scene.pool.pool, format!("http://{}", scene.oracle.addr));
    scene.fund(&owner.pubkey()).await;
    let devices_of = |who: Pubkey| {
        let url = format!("{base}/v1/owners/{who}/devices");
        async move {
            let answer = reqwest::get(url).await.unwrap();
            assert_eq!(answer.status(), 200);
            answer.json::<serde_json::Value>().await.unwrap()
        }
    };
    let reward = |view: &serde_json::Value, asset: &Pubkey| {
        let device = view["devices"].as_array().unwrap().iter().find(|d| d["asset"] == asset.to_string()).expect("listed").clone();
        device["rewards"][0].clone()
    };

    // Every device the owner holds, each with its key, kind, status and what it earned.
    let view = devices_of(owner.pubkey()).await;
    assert_eq!(view["devices"].as_array().unwrap().len(), 3);
    assert_eq!(view["pools"][0]["pool"], pool.to_string());
    assert_eq!((view["pools"][0]["active_epoch"].as_u64(), view["pools"][0]["claimable_epoch"].as_u64()), (Some(1), Some(1)));
    assert!(view["pools"][0]["pending_epoch"].is_null());
    for (device, amount) in scene.devices.iter().zip([70, 30, 0]) {
        let listed = view["devices"].as_array().unwrap().iter().find(|d| d["asset"] == device.asset.to_string()).unwrap();
        assert_eq!(listed["device_key"], hex::encode(device.device_key.to_bytes()));
        assert_eq!((listed["kind"].as_str(), listed["status"].as_str()), (Some("hotspot"), Some("active")));
        assert!(listed["last_valid_report_ms"].is_null(), "no report was sent");
        let r = &listed["rewards"][0];
        assert_eq!((r["cumulative"].as_u64(), r["claimed"].as_u64(), r["claimable"].as_u64()), (Some(amount), Some(0), Some(amount)));
    }
    assert_eq!(devices_of(Pubkey::new_unique()).await["devices"], serde_json::json!([]), "a stranger holds nothing");

    // Once claimed, the claim record on chain says so.
    let one = scene.api.claim_transactions(&pool, &owner.pubkey(), Some(&scene.devices[1].asset)).await.unwrap();
    scene.sign_and_send(&owner, one.transactions).await;
    let r = reward(&devices_of(owner.pubkey()).await, &scene.devices[1].asset);
    assert_eq!((r["cumulative"].as_u64(), r["claimed"].as_u64(), r["claimable"].as_u64()), (Some(30), Some(30), Some(0)));

    // A destination: the transaction is the owner's alone to sign, the program takes it, and the
    // next claim of that device pays there.
    // Another wallet's token account of the pool's mint.
    let elsewhere = Pubkey::new_unique();
    let create = anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent(
        &world.payer().pubkey(),
        &elsewhere,
        &scene.pool.mint,
        &anchor_spl::token::ID,
    );
    world.send(&[create], &[]).await.unwrap();
    let destination = scene.paid_to(&elsewhere);
    let url = |asset: &Pubkey, to: &str| format!("{base}/v1/destinations/{pool}/{}/{asset}?to={to}", owner.pubkey());
    let answer: serde_json::Value = reqwest::get(url(&scene.devices[0].asset, &destination.to_string())).await.unwrap().json().await.unwrap();
    assert_eq!(answer["destination"], destination.to_string());
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, answer["transaction"].as_str().unwrap()).unwrap();
    let unsigned: VersionedTransaction = bincode::deserialize(&bytes).unwrap();
    assert_eq!(unsigned.message.header().num_required_signatures, 1, "the owner is the only signer");
    scene.sign_and_send(&owner, vec![unsigned]).await;
    assert_eq!(reward(&devices_of(owner.pubkey()).await, &scene.devices[0].asset)["destination"], destination.to_string());
    let claim = scene.api.claim_transactions(&pool, &owner.pubkey(), Some(&scene.devices[0].asset)).await.unwrap();
    scene.sign_and_send(&owner, claim.transactions).await;
    assert_eq!(world.token_balance(destination).await, 70, "paid to the destination");

    // Refusals, by name: not the owner, no such pool here, no destination, not an address.
    let refusal = |url: String| async move {
        let answer = reqwest::get(url).await.unwrap();
        (answer.status().as_u16(), answer.json::<serde_json::Value>().await.unwrap()["code"].as_str().unwrap().to_string())
    };
    let stranger = Pubkey::new_unique();
    assert_eq!(
        refusal(format!("{base}/v1/destinations/{pool}/{stranger}/{}?to={destination}", scene.devices[0].asset)).await,
        (403, "not_device_owner".into())
    );
    assert_eq!(refusal(format!("{base}/v1/destinations/{stranger}/{}/{}?to={destination}", owner.pubkey(), scene.devices[0].asset)).await, (404, "unknown_pool".into()));
    assert_eq!(refusal(format!("{base}/v1/destinations/{pool}/{}/{}", owner.pubkey(), scene.devices[0].asset)).await, (400, "malformed_encoding".into()));
    assert_eq!(refusal(url(&scene.devices[0].asset, "nowhere")).await, (400, "malformed_encoding".into()));
    assert_eq!(refusal(format!("{base}/v1/owners/0wner/devices")).await, (400, "malformed_encoding".into()));
    scene.oracle.shutdown().await.unwrap();
}
