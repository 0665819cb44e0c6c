//! Three oracles, each with its own key, database and epoch store, compute an epoch of the same
//! reports and post its root through a 2-of-3 quorum to the reward-pool program (in-process
//! bank): the program accepts it, a lying oracle is neither counted nor able to post alone, and
//! a crash between gathering and posting resumes without a second post.
mod support;

use std::sync::Arc;

use fieldproof_tests::world::{TestChain, World};
use ed25519_dalek::SigningKey;
use fieldproof_migrations::{bootstrap, Deployment, KeyDir};
use support::network::EPOCH_SECS;
use fieldproof_oracle::config::OracleConfig;
use fieldproof_oracle::devices::{DeviceDirectory, DeviceEntry};
use fieldproof_oracle::epoch::{EpochFiles, RewardConfig, RewardStream};
use fieldproof_oracle::quorum::{EpochDriver, EpochRecord, EpochStatus, Peer, QuorumError};
use fieldproof_oracle::serve::{self, RunningOracle};
use fieldproof_oracle::log::{LogConfig, PeerLog};
use fieldproof_oracle::objects::Objects;
use fieldproof_oracle::simulate::Fleet;
use fieldproof_sdk::reward_pool::Pool;
use fieldproof_sdk::treasury::{self, Treasury};
use fieldproof_sdk::{Client, OracleClient, Pubkey};
use solana_keypair::Keypair;

/// Pool 0's weight is 3 of 4: 750,000 of each epoch's 1,000,000.
const POOL_EMISSION_PER_EPOCH: u64 = 750_000;

/// A network with the treasury's epochs 0 and 1 emitted, and the bank's clock past epoch 1.
struct Network {
    world: World,
    deployment: Deployment,
    start_ts: i64,
    oracle_keys: Vec<SigningKey>,
    _keys: tempfile::TempDir,
}

impl Network {
    async fn start() -> Self {
        let world = World::start().await;
        let oracle_keys: Vec<SigningKey> = (1..=3u8).map(|i| SigningKey::from_bytes(&[i; 32])).collect();
        let keys = tempfile::tempdir().unwrap();
        let oracles: Vec<Pubkey> = oracle_keys.iter().map(|k| Pubkey::new_from_array(k.verifying_key().to_bytes())).collect();
        let plan = support::network::plan(&oracles, &oracles[0]);
        let deployment = bootstrap(&world.client, &world.payer(), &plan, &KeyDir::new(keys.path()), |_| {}).await.unwrap().deployment;
        let t: Treasury = world.client.account(&deployment.treasury).await.unwrap();
        world.advance_clock(2 * EPOCH_SECS + 60).await;
        for epoch in 0..2 {
            let t: Treasury = world.client.account(&deployment.treasury).await.unwrap();
            world.send(&[treasury::emit_epoch(&t, epoch)], &[]).await.unwrap();
        }
        Self { world, deployment, start_ts: t.params.schedule.start_ts, oracle_keys, _keys: keys }
    }

    fn pool(&self) -> Pubkey {
        self.deployment.pools[0]
    }

    fn rewards(&self) -> RewardConfig {
        RewardConfig { start_ts: self.start_ts, length_secs: EPOCH_SECS, ..RewardConfig::default() }
    }

    /// A time at which epoch 1 has ended and settled.
    fn now_ms(&self) -> i64 {
        (self.start_ts + 2 * EPOCH_SECS + 60) * 1_000
    }

    async fn pool_state(&self) -> Pool {
        self.world.client.pool(&self.pool()).await.unwrap()
    }
}

/// One oracle: its own database and log holding the fleet's epoch-1 reports (those `keep`
/// lets through), sealed through epoch 1's end, and its API.
struct Oracle {
    running: RunningOracle,
    epochs_dir: std::path::PathBuf,
    log: Objects,
    _dir: tempfile::TempDir,
}

/// The fleet's traffic of epoch 1: two rounds from a minute into it.
fn epoch_1_traffic(net: &Network, fleet: &Fleet) -> Vec<fieldproof_oracle::simulate::SimReport> {
    support::fleet::traffic(fleet, u64::try_from((net.start_ts + EPOCH_SECS) * 1_000 + 60_000).unwrap(), 2)
}

async fn oracle(net: &Network, fleet: &Fleet) -> Oracle {
    oracle_receiving(net, &epoch_1_traffic(net, fleet), |_| true).await
}

async fn oracle_receiving(net: &Network, traffic: &[fieldproof_oracle::simulate::SimReport], keep: impl Fn(usize) -> bool) -> Oracle {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("oracle.sqlite").display());
    let epochs_dir = dir.path().join("epochs");
    let log_config = support::fleet::log_config(dir.path());
    let config = OracleConfig { listen: "127.0.0.1:0".parse().unwrap(), database_url, epochs_store: epochs_dir.display().to_string(), log: log_config.clone(), ..OracleConfig::default() };
    let running = serve::start(&config, Arc::new(DeviceDirectory::default()), None).await.unwrap();
    support::fleet::ingest(&running.writer, &running.sealer, traffic.iter().enumerate().filter(|(i, _)| keep(*i)).map(|(_, r)| r)).await;
    // Past epoch 1's last bucket of reports (its witnesses reach a little past its end).
    support::fleet::seal_until(&running.sealer, net.now_ms() + 2 * running.sealer.bucket_ms).await;
    let log = Objects::open(&log_config.store).unwrap();
    Oracle { running, epochs_dir, log, _dir: dir }
}

fn driver(net: &Network, oracles: &[Oracle], me: usize, devices: Arc<DeviceDirectory>, payer: Keypair) -> EpochDriver<TestChain> {
    let peers: Vec<Peer> = (0..oracles.len())
        .filter(|i| *i != me)
        .map(|i| Peer {
            client: OracleClient::new(format!("http://{}", oracles[i].running.addr), std::time::Duration::from_secs(5)).unwrap().with_retries(1, std::time::Duration::ZERO),
            key: Pubkey::new_from_array(net.oracle_keys[i].verifying_key().to_bytes()),
        })
        .collect();
    let peer_logs = peers.iter().map(|p| PeerLog { name: p.key.to_string(), client: p.client.clone() }).collect();
    EpochDriver {
        store: oracles[me].running.store.clone(),
        files: EpochFiles::open(oracles[me].epochs_dir.to_str().unwrap()).unwrap(),
        devices,
        client: Client::new(net.world.chain()),
        key: net.oracle_keys[me].clone(),
        payer,
        peers,
        pools: vec![(net.pool(), RewardStream::Coverage)],
        treasury: net.deployment.treasury,
        rewards: net.rewards(),
        verification: fieldproof_oracle::verify::VerificationConfig::default(),
        denylist: fieldproof_oracle::verify::Denylist::default(),
        blocks: support::fleet::blocks(&oracles[me].running.store),
        log: oracles[me].log.clone(),
        peer_logs,
        oracle_id: "local".into(),
        bucket_ms: LogConfig::default().bucket_ms(),
        root_validity_secs: 7 * 86_400,
        settle_ms: 0,
        peer_wait_ms: 0,
    }
}

async fn status(d: &EpochDriver<TestChain>, net: &Network) -> Result<EpochStatus, QuorumError> {
    d.advance(&net.pool(), RewardStream::Coverage, 1, net.now_ms()).await
}

async fn record(d: &EpochDriver<TestChain>, net: &Network) -> EpochRecord {
    EpochRecord::load(&d.store, &net.pool(), 1).await.unwrap().expect("a record of epoch 1")
}

async fn three_oracles(net: &Network, fleet: &Fleet) -> Vec<Oracle> {
    let mut oracles = Vec::new();
    for _ in 0..3 {
        oracles.push(oracle(net, fleet).await);
    }
    oracles
}

#[tokio::test]
async fn two_of_three_oracles_post_a_root_the_program_accepts() {
    let net = Network::start().await;
    let fleet = support::fleet::fleet();
    let oracles = three_oracles(&net, &fleet).await;
    let devices = support::fleet::directory(&fleet);
    let drivers: Vec<_> = (0..3).map(|i| driver(&net, &oracles, i, devices.clone(), net.world.payer())).collect();

    assert_eq!(drivers[0].settled_epoch(net.now_ms()), Some(1));
    // Epoch 0 is the pool's initial root state: nothing to post for it (epoch 1 allocates its emission).
    let initial = drivers[0].advance(&net.pool(), RewardStream::Coverage, 0, net.now_ms()).await;
    assert!(matches!(initial, Err(QuorumError::BeforeFirstRoot { epoch: 0, initial: 0 })), "{initial:?}");
    // The first alone has only its own signature; the second finds the first's and posts.
    assert_eq!(status(&drivers[0], &net).await.unwrap(), EpochStatus::Signed);
    assert_eq!(status(&drivers[1], &net).await.unwrap(), EpochStatus::Active, "no dispute window: active at once");
    let posted = record(&drivers[1], &net).await;
    assert!(posted.post_tx.is_some());
    assert_eq!(posted.signatures.len(), 2);
    let args = posted.own.unwrap().args;

    let pool = net.pool_state().await;
    assert_eq!((pool.active.epoch, pool.active.root, pool.active.leaf_count), (1, args.root, args.leaf_count));
    // Epoch 0 cannot have a root of its own (a pool starts at epoch 0): its emission comes with epoch 1's.
    assert_eq!(pool.active.cumulative_total, 2 * POOL_EMISSION_PER_EPOCH);
    let file = drivers[1].files.reward_file_bytes(&net.pool(), 1).await.unwrap().unwrap();
    assert_eq!(pool.active.content_hash, fieldproof_oracle::epoch::content_hash(&file));
    let posted_at = pool.active.posted_at;

    // The first oracle finds the root on chain: no second post. The third has nothing to do.
    assert_eq!(status(&drivers[0], &net).await.unwrap(), EpochStatus::Active);
    assert_eq!(record(&drivers[0], &net).await.post_tx, None, "the first oracle never sent a post");
    assert_eq!(net.pool_state().await.active.posted_at, posted_at);
    assert_eq!(drivers[0].files.reward_file_bytes(&net.pool(), 1).await.unwrap().unwrap(), file, "byte-identical files");
    // The third finds the root active without it: it takes the file from a peer, so that it
    // serves the epoch's proofs too; its own judgement (over the emission since the root before,
    // not the active one) agrees, so it signs the very message its peers signed.
    assert_eq!(status(&drivers[2], &net).await.unwrap(), EpochStatus::Active);
    assert_eq!(drivers[2].files.reward_file_bytes(&net.pool(), 1).await.unwrap().unwrap(), file);
    let late = record(&drivers[2], &net).await.own.expect("the late oracle signs the root it agrees with");
    assert!(late.same_message(&args, &net.pool()) && late.verify(&net.pool()));

    // Every leaf's proof, served by either oracle, verifies against the root on chain.
    let leaves = fieldproof_sdk::RewardFile::from_json(std::str::from_utf8(&file).unwrap()).unwrap();
    for (i, (asset, amount)) in leaves.leaves().iter().enumerate() {
        let api = OracleClient::new(format!("http://{}", oracles[i % 3].running.addr), std::time::Duration::from_secs(5)).unwrap();
        let proof = api.reward_proof(&net.pool(), asset).await.unwrap().expect("a proof for every leaf");
        assert_eq!((proof.epoch, proof.root, proof.leaf.cumulative_amount), (1, pool.active.root, *amount));
        assert!(proof.verify());
    }
    let api = OracleClient::new(format!("http://{}", oracles[0].running.addr), std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(api.reward_proof(&net.pool(), &Pubkey::new_unique()).await.unwrap(), None, "an asset without a leaf");
    assert_eq!(api.reward_proof(&Pubkey::new_unique(), &Pubkey::new_unique()).await.unwrap(), None, "a pool without an active root");

    // The status is visible in the API.
    let view: serde_json::Value = reqwest::get(format!("http://{}/v1/epochs/{}/1", oracles[1].running.addr, net.pool())).await.unwrap().json().await.unwrap();
    assert_eq!((view["status"].as_str(), view["signatures"].as_u64()), (Some("active"), Some(2)));
    for o in oracles {
        o.running.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn a_lying_oracle_is_not_counted_and_cannot_post_alone() {
    let net = Network::start().await;
    let fleet = support::fleet::fleet();
    let oracles = three_oracles(&net, &fleet).await;
    let honest = support::fleet::directory(&fleet);
    // The liar pays an honest hotspot's reward to an asset of its own.
    let lying = DeviceDirectory::default();
    let robbed = fleet.devices.iter().find(|d| d.role == fieldproof_oracle::simulate::Role::Honest).unwrap().key.verifying_key().to_bytes();
    for (key, entry) in honest.snapshot().entries {
        lying.upsert(key, if key == robbed { DeviceEntry { asset: Some([0xee; 32]), ..entry } } else { entry });
    }
    let liar = driver(&net, &oracles, 2, Arc::new(lying), net.world.payer());
    let first_honest = driver(&net, &oracles, 0, honest.clone(), net.world.payer());

    assert_eq!(status(&liar, &net).await.unwrap(), EpochStatus::Signed);
    assert_eq!(status(&first_honest, &net).await.unwrap(), EpochStatus::Signed, "the liar's signature is over another root");
    assert_eq!(status(&liar, &net).await.unwrap(), EpochStatus::Signed, "the liar cannot use an honest signature");
    assert_eq!(net.pool_state().await.latest_root().posted_at, 0, "nothing was posted");

    let second_honest = driver(&net, &oracles, 1, honest, net.world.payer());
    assert_eq!(status(&second_honest, &net).await.unwrap(), EpochStatus::Active);
    let pool = net.pool_state().await;
    assert_eq!(pool.active.root, record(&first_honest, &net).await.own.unwrap().args.root);
    assert_ne!(pool.active.root, record(&liar, &net).await.own.unwrap().args.root);
    for o in oracles {
        o.running.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn a_crash_between_gathering_and_posting_resumes_without_a_second_post() {
    let net = Network::start().await;
    let fleet = support::fleet::fleet();
    let oracles = three_oracles(&net, &fleet).await;
    let devices = support::fleet::directory(&fleet);
    let first = driver(&net, &oracles, 0, devices.clone(), net.world.payer());
    assert_eq!(status(&first, &net).await.unwrap(), EpochStatus::Signed);

    // The second gathers a quorum, but its post fails (a payer without funds): it stays posted.
    let broke = driver(&net, &oracles, 1, devices.clone(), Keypair::new());
    assert!(matches!(status(&broke, &net).await, Err(QuorumError::Chain(_))));
    assert_eq!(record(&broke, &net).await.status, EpochStatus::Posted, "the quorum is stored before the post");
    assert_eq!(net.pool_state().await.latest_root().posted_at, 0);

    // Restarted over the same database, it posts with the stored signatures.
    let restarted = driver(&net, &oracles, 1, devices.clone(), net.world.payer());
    assert_eq!(status(&restarted, &net).await.unwrap(), EpochStatus::Active);
    let posted_at = net.pool_state().await.active.posted_at;
    assert_eq!(net.pool_state().await.active.epoch, 1);

    // As if it had crashed after the post landed but before storing it: the next pass finds
    // the root on chain and sends nothing.
    let mut rewound = record(&restarted, &net).await;
    rewound.status = EpochStatus::Posted;
    rewound.post_tx = None;
    rewound.save(&restarted.store, 0).await.unwrap();
    assert_eq!(status(&restarted, &net).await.unwrap(), EpochStatus::Active);
    assert_eq!(record(&restarted, &net).await.post_tx, None, "no second post was sent");
    assert_eq!(net.pool_state().await.active.posted_at, posted_at);
    for o in oracles {
        o.running.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn an_oracle_without_the_posted_epochs_file_takes_it_from_a_peer_only_as_posted() {
    let net = Network::start().await;
    let fleet = support::fleet::fleet();
    let oracles = three_oracles(&net, &fleet).await;
    let devices = support::fleet::directory(&fleet);
    let drivers: Vec<_> = (0..2).map(|i| driver(&net, &oracles, i, devices.clone(), net.world.payer())).collect();
    assert_eq!(status(&drivers[0], &net).await.unwrap(), EpochStatus::Signed);
    assert_eq!(status(&drivers[1], &net).await.unwrap(), EpochStatus::Active);

    // Epoch 2 ends (nobody emits it from the treasury: the oracle cranks it). The third oracle
    // never computed epoch 1 (it joined later, or lost its epoch store), so it must add epoch 2
    // to a file it does not have.
    net.world.advance_clock(EPOCH_SECS).await;
    let epoch_2_ms = net.now_ms() + EPOCH_SECS * 1_000;
    for o in &oracles {
        support::fleet::seal_until(&o.running.sealer, epoch_2_ms + 2 * o.running.sealer.bucket_ms).await;
    }
    let third = |peers: Vec<Peer>| EpochDriver { peers, ..driver(&net, &oracles, 2, devices.clone(), net.world.payer()) };
    let peer = |addr: std::net::SocketAddr, key: usize| Peer {
        client: OracleClient::new(format!("http://{addr}"), std::time::Duration::from_secs(5)).unwrap().with_retries(1, std::time::Duration::ZERO),
        key: Pubkey::new_from_array(net.oracle_keys[key].verifying_key().to_bytes()),
    };

    // A peer serving another file of epoch 1 (one leaf inflated) is not believed.
    let forger = oracle(&net, &fleet).await;
    // The poster's files are the posted root's (the other signer's stay candidates until it sees
    // the root on chain).
    let posted = drivers[1].files.reward_file(&net.pool(), 1).await.unwrap().unwrap();
    let mut inflated = posted.leaves().to_vec();
    inflated[0].1 += 1;
    let forged = fieldproof_sdk::RewardFile::new(net.pool(), 1, inflated).unwrap();
    let at = forger.epochs_dir.join(EpochFiles::file_path(&net.pool(), 1).as_ref());
    std::fs::create_dir_all(at.parent().unwrap()).unwrap();
    std::fs::write(at, forged.to_json()).unwrap();
    support::fleet::seal_until(&forger.running.sealer, epoch_2_ms + 2 * forger.running.sealer.bucket_ms).await;
    let misled = third(vec![peer(forger.running.addr, 0)]);
    let refused = misled.advance(&net.pool(), RewardStream::Coverage, 2, epoch_2_ms).await;
    assert!(matches!(refused, Err(QuorumError::PostedFileMissing { epoch: 1 })), "{refused:?}");
    assert!(misled.files.reward_file_bytes(&net.pool(), 1).await.unwrap().is_none(), "nothing forged was kept");

    // With an honest peer behind the forger, the posted file is taken, byte for byte, and the
    // epoch builds on it.
    let fetcher = third(vec![peer(forger.running.addr, 0), peer(oracles[0].running.addr, 0)]);
    assert_eq!(fetcher.advance(&net.pool(), RewardStream::Coverage, 2, epoch_2_ms).await.unwrap(), EpochStatus::Signed);
    assert_eq!(
        fetcher.files.reward_file_bytes(&net.pool(), 1).await.unwrap(),
        drivers[1].files.reward_file_bytes(&net.pool(), 1).await.unwrap(),
    );
    let t: Treasury = net.world.client.account(&net.deployment.treasury).await.unwrap();
    assert_eq!(t.next_epoch, 3, "the oracle emitted the treasury's ended epoch 2");
    let signed = EpochRecord::load(&fetcher.store, &net.pool(), 2).await.unwrap().and_then(|r| r.candidate).expect("epoch 2 signed");
    let epoch_2 = fetcher.files.candidate_file_bytes(&net.pool(), 2, &signed).await.unwrap().expect("epoch 2 computed");
    let epoch_2 = fieldproof_sdk::RewardFile::from_json(std::str::from_utf8(&epoch_2).unwrap()).unwrap();
    assert_eq!(epoch_2.leaves(), posted.leaves(), "nobody reported in epoch 2: the posted amounts carry over");
    for o in oracles.into_iter().chain([forger]) {
        o.running.shutdown().await.unwrap();
    }
}

/// Devices reach oracles unevenly: each of three oracles misses a different fifth of the
/// reports. Each gathers the others' sealed segments, checks them, and all compute the same
/// epoch from the union: the root posted is the root of every report, byte-identical at all
/// three.
#[tokio::test]
async fn oracles_that_missed_different_reports_converge_on_the_root_of_all_of_them() {
    let net = Network::start().await;
    let fleet = support::fleet::fleet();
    let traffic = epoch_1_traffic(&net, &fleet);
    let mut oracles = Vec::new();
    for k in 0..3 {
        oracles.push(oracle_receiving(&net, &traffic, |i| i % 5 != k).await);
    }
    let devices = support::fleet::directory(&fleet);
    let drivers: Vec<_> = (0..3).map(|i| driver(&net, &oracles, i, devices.clone(), net.world.payer())).collect();
    assert_eq!(status(&drivers[0], &net).await.unwrap(), EpochStatus::Signed);
    assert_eq!(status(&drivers[1], &net).await.unwrap(), EpochStatus::Active, "the second signs the same root: posted");
    assert_eq!(status(&drivers[0], &net).await.unwrap(), EpochStatus::Active);
    assert_eq!(status(&drivers[2], &net).await.unwrap(), EpochStatus::Active);

    let file = drivers[1].files.reward_file_bytes(&net.pool(), 1).await.unwrap().unwrap();
    for d in &drivers {
        assert_eq!(d.files.reward_file_bytes(&net.pool(), 1).await.unwrap().as_deref(), Some(&file[..]), "byte-identical files");
    }
    // The posted epoch is the one of every report: an oracle that received them all (and no
    // peer) computes the same file.
    let manifest = drivers[1].files.manifest(&net.pool(), 1).await.unwrap().unwrap();
    let (whole, computed) = epoch_of_everything(&net, &fleet, manifest.emission).await;
    assert_eq!(computed.file_bytes.as_deref(), Some(&file[..]));
    assert_eq!(computed.manifest.input.digest, manifest.input.digest, "the same reports");
    for o in oracles.into_iter().chain([whole]) {
        o.running.shutdown().await.unwrap();
    }
}

/// One oracle is down for the whole epoch (it receives nothing) while the other two miss
/// different fifths: the two converge and post; the third, back, catches up and holds the same
/// files.
#[tokio::test]
async fn an_oracle_down_for_a_whole_epoch_catches_up_with_the_same_files() {
    let net = Network::start().await;
    let fleet = support::fleet::fleet();
    let traffic = epoch_1_traffic(&net, &fleet);
    let oracles = vec![
        oracle_receiving(&net, &traffic, |i| i % 5 != 0).await,
        oracle_receiving(&net, &traffic, |i| i % 5 != 1).await,
        oracle_receiving(&net, &traffic, |_| false).await,
    ];
    let devices = support::fleet::directory(&fleet);
    let drivers: Vec<_> = (0..3).map(|i| driver(&net, &oracles, i, devices.clone(), net.world.payer())).collect();
    assert_eq!(status(&drivers[0], &net).await.unwrap(), EpochStatus::Signed);
    assert_eq!(status(&drivers[1], &net).await.unwrap(), EpochStatus::Active);
    assert_eq!(status(&drivers[2], &net).await.unwrap(), EpochStatus::Active, "back, the third finds the root active");
    let file = drivers[1].files.reward_file_bytes(&net.pool(), 1).await.unwrap().unwrap();
    assert_eq!(drivers[2].files.reward_file_bytes(&net.pool(), 1).await.unwrap().as_deref(), Some(&file[..]));
    // Its own judgement gives the active root, and it signs that root as it would have in time.
    let late = record(&drivers[2], &net).await.own.expect("the late oracle signs the root its judgement agrees with");
    let posted = record(&drivers[1], &net).await.own.unwrap();
    assert!(late.same_message(&posted.args, &net.pool()), "the very message its peers signed");
    assert!(late.verify(&net.pool()), "a valid signature of the late oracle");
    // Every report reached one of the two: the union is all of them.
    let manifest = drivers[1].files.manifest(&net.pool(), 1).await.unwrap().unwrap();
    let (whole, computed) = epoch_of_everything(&net, &fleet, manifest.emission).await;
    assert_eq!(computed.manifest.input.digest, manifest.input.digest);
    for o in oracles.into_iter().chain([whole]) {
        o.running.shutdown().await.unwrap();
    }
}

/// Epoch 1 of the coverage pool as an oracle that received every report computes it alone.
async fn epoch_of_everything(net: &Network, fleet: &Fleet, emission: u64) -> (Oracle, fieldproof_oracle::epoch::ComputedEpoch) {
    let whole = oracle(net, fleet).await;
    let devices = support::fleet::directory(fleet);
    let alone = driver(net, std::slice::from_ref(&whole), 0, devices.clone(), net.world.payer());
    let spec = fieldproof_oracle::epoch::EpochSpec { pool: net.pool(), stream: RewardStream::Coverage, epoch: 1, emission };
    let (start_ms, end_ms) = net.rewards().window_ms(1).unwrap();
    let segments = support::fleet::segments(&whole.running.store, RewardStream::Coverage, fieldproof_oracle::verify::Window { start_ms, end_ms }).await;
    let directory = devices.snapshot();
    let inputs = fieldproof_oracle::epoch::EpochInputs {
        reports: fieldproof_oracle::epoch::ReportSet { objects: &whole.log, segments: &segments },
        directory: &directory,
        denylist: &alone.denylist,
        verification: &alone.verification,
        blocks: fieldproof_oracle::epoch::BlockFacts::Chain(&alone.blocks),
    };
    let computed = fieldproof_oracle::epoch::compute(&inputs, &Default::default(), &spec, &net.rewards()).await.unwrap();
    (whole, computed)
}

/// A crash while computing or signing (the record of the epoch not yet stored) is finished by
/// the next pass: the same candidate files, the same signature, one post.
#[tokio::test]
async fn a_crash_while_computing_or_signing_resumes_with_the_same_root() {
    let net = Network::start().await;
    let fleet = support::fleet::fleet();
    let oracles = three_oracles(&net, &fleet).await;
    let devices = support::fleet::directory(&fleet);
    let first = driver(&net, &oracles, 0, devices.clone(), net.world.payer());
    assert_eq!(status(&first, &net).await.unwrap(), EpochStatus::Signed);
    let signed = record(&first, &net).await;
    // The process died after publishing its candidate and before storing its record.
    sqlx::query("DELETE FROM epochs").execute(first.store.pool()).await.unwrap();
    let restarted = driver(&net, &oracles, 0, devices.clone(), net.world.payer());
    assert_eq!(status(&restarted, &net).await.unwrap(), EpochStatus::Signed);
    let again = record(&restarted, &net).await;
    assert_eq!(again.candidate, signed.candidate, "the same candidate");
    assert_eq!(again.own.map(|s| s.to_json()), signed.own.map(|s| s.to_json()), "the same signature");
    let second = driver(&net, &oracles, 1, devices, net.world.payer());
    assert_eq!(status(&second, &net).await.unwrap(), EpochStatus::Active);
    assert_eq!(status(&restarted, &net).await.unwrap(), EpochStatus::Active);
    assert!(record(&restarted, &net).await.post_tx.is_none(), "one post, by the second");
    for o in oracles {
        o.running.shutdown().await.unwrap();
    }
}
