//! The whole story on a node, end to end: the network bootstrapped from the local plan (with
//! 40-second epochs), a simulated fleet onboarded as Bubblegum cNFTs, three oracles (each its own
//! key, database, log and epoch store) receiving the fleet's signed reports over HTTP (a cheater
//! of every class included), each missing a different fifth of them, one of them a process of
//! its own, killed with SIGKILL while reports reach it in
//! the middle of the epoch and started again over the same files; the oracles gather the union of
//! their logs, judge it, crank the treasury, compute the epoch and post its root through a 2-of-3
//! quorum; after the
//! dispute window the owners claim through the oracle's claim endpoint. Balances equal the reward
//! files exactly, cheaters got nothing, a device transferred before the claims pays its new
//! owner, a second claim pays nothing, the root was posted once and no report was lost; a
//! hotspot's data-transfer sessions burned exactly their DC once from the payer's escrow.
//!
//! Bubblegum runs only on a node (`scripts/test-rpc.sh`), so this is ignored in process.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ed25519_dalek::SigningKey;
use fieldproof_migrations::{bootstrap, Deployment, KeyDir, NetworkPlan};
use fieldproof_oracle::config::{IngestConfig, OracleConfig, RegistryConfig};
use fieldproof_oracle::dc_burns::DcBurnConfig;
use fieldproof_oracle::devices::{DeviceDirectory, DeviceKind};
use fieldproof_oracle::epoch::{EpochFiles, RewardConfig, RewardStream};
use fieldproof_oracle::onboard::{onboard, Onboarding};
use fieldproof_oracle::quorum::config::{PeerConfig, PoolConfig};
use fieldproof_oracle::quorum::{EpochRecord, EpochStatus, QuorumConfig};
use fieldproof_oracle::serve::{self, RunningOracle};
use fieldproof_oracle::log::LogConfig;
use fieldproof_oracle::simulate::{Cheaters, Fleet, FleetSpec, Role, SimReport};
use fieldproof_oracle::storage::Store;
use fieldproof_sdk::data_credits;
use fieldproof_sdk::device_registry::{self, DeviceInfo};
use fieldproof_sdk::treasury::Treasury;
use fieldproof_sdk::{Chain, Client, OracleApiError, OracleClient, Pubkey, RewardFile, RpcChain, TreeHistory};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

const EPOCH_SECS: i64 = 40;
/// DC a payer delegates to the router's escrow that the sessions are charged to.
const DELEGATED_DC: u64 = 10_000;

/// A data-transfer session `hotspot` carried at `at_ms`, costing `dc`, charged to `escrow` and
/// countersigned by its router.
fn session(hotspot: &SigningKey, at_ms: u64, escrow: &Pubkey, router: &SigningKey, dc: u64) -> fieldproof_reports::SignedReport {
    let header = fieldproof_reports::ReportHeader { device_key: hotspot.verifying_key().to_bytes(), timestamp_ms: at_ms, nonce: rand::random() };
    let mut session = fieldproof_reports::DataTransferReport {
        header,
        payer_escrow: escrow.to_bytes(),
        router: router.verifying_key().to_bytes(),
        upload_bytes: 20_000,
        download_bytes: 500_000,
        dc_amount: dc,
        started_at_ms: at_ms - 60_000,
        ended_at_ms: at_ms,
        router_signature: [0; 64],
    };
    session.countersign(router).unwrap();
    fieldproof_reports::ReportBody::from(session).sign(hotspot).unwrap()
}

fn chain(url: &str) -> RpcChain {
    RpcChain::new(url.to_string(), Duration::from_secs(30), CommitmentConfig::confirmed())
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn keypair(path: &Path) -> Keypair {
    solana_keypair::read_keypair_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn unix_ms() -> i64 {
    i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

/// A payer funded by the node's faucet.
async fn funded(url: &str) -> Keypair {
    let rpc = chain(url);
    let payer = Keypair::new();
    let signature = rpc.rpc_client().request_airdrop(&payer.pubkey(), 1_000_000_000_000).await.expect("airdrop");
    for _ in 0..120 {
        if rpc.rpc_client().confirm_transaction(&signature).await.expect("airdrop status") {
            return payer;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the airdrop did not arrive");
}

/// The local network's plan with epochs of `EPOCH_SECS` and a dispute window of 3 seconds.
fn plan() -> NetworkPlan {
    let mut text = std::fs::read_to_string(repo("migrations/localnet.toml")).unwrap();
    for (from, to) in [("epoch_length_secs = 60", format!("epoch_length_secs = {EPOCH_SECS}")), ("dispute_window_secs = 30", "dispute_window_secs = 3".into())] {
        assert!(text.contains(from), "migrations/localnet.toml has no {from:?}");
        text = text.replace(from, &to);
    }
    NetworkPlan::parse(&text).unwrap()
}

/// Prints each oracle's verdicts by kind and reason, to tell where two oracles parted.
async fn diagnose(oracles: &[OracleSetup]) {
    for o in oracles {
        let rows = sqlx::query("SELECT kind, reason, COUNT(*) AS n FROM verdicts GROUP BY kind, reason ORDER BY kind, reason").fetch_all(o.store().pool()).await.unwrap();
        let counts: Vec<String> = rows
            .iter()
            .map(|r| format!("{}/{}: {}", sqlx::Row::get::<i16, _>(r, "kind"), sqlx::Row::get::<Option<String>, _>(r, "reason").unwrap_or_else(|| "valid".into()), sqlx::Row::get::<i64, _>(r, "n")))
            .collect();
        println!("{} verdicts: {}", o.url(), counts.join(", "));
    }
}

/// Sends every report to every oracle; each must accept it.
/// Sends `oracle` the reports that reach it: each oracle misses a different fifth of them (the
/// `k`th oracle every report `i` with `i % 5 == k`), as devices reach oracles unevenly; every
/// report reaches two oracles at least, and the epoch's input is their union.
async fn send(oracle: &OracleSetup, k: usize, reports: &[SimReport]) -> Vec<[u8; 32]> {
    let api = oracle.api();
    let mut sent = Vec::new();
    for (_, sim) in reports.iter().enumerate().filter(|(i, _)| i % 5 != k) {
        api.submit_report(&sim.report).await.expect("accepted");
        sent.push(sim.report.report_id().0);
    }
    sent
}

/// One of the three local oracles: its key, its port, and where it keeps its state.
struct OracleSetup {
    config: OracleConfig,
    /// Runs as the `fieldproof-oracle` binary, to be killed, rather than in this process.
    own_process: Option<PathBuf>,
    running: Option<Running>,
}

enum Running {
    InProcess(RunningOracle),
    /// The binary, started with the configuration written to a file, and the test's own
    /// connection to its database.
    Process { child: Child, store: Store },
}

/// A failed assertion must not leave the oracle's process running: it would hold the test
/// runner's output open (and CI with it) and keep writing to it.
impl Drop for OracleSetup {
    fn drop(&mut self) {
        if let Some(Running::Process { child, .. }) = &mut self.running {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl OracleSetup {
    async fn start(&mut self) {
        let Some(config_file) = &self.own_process else {
            let running = serve::start(&self.config, Arc::new(DeviceDirectory::default()), None).await.expect("oracle starts");
            self.running = Some(Running::InProcess(running));
            return;
        };
        std::fs::write(config_file, self.config.to_toml().unwrap()).unwrap();
        // Its warnings and errors show in the test's output.
        let mut child = Command::new(env!("CARGO_BIN_EXE_fieldproof-oracle"))
            .arg("--config")
            .arg(config_file)
            .arg("serve")
            .env("RUST_LOG", "fieldproof_oracle=warn")
            .spawn()
            .expect("the oracle binary starts");
        // Its database is migrated once it answers.
        for _ in 0..240 {
            if reqwest::get(format!("{}/health", self.url())).await.is_ok_and(|r| r.status().is_success()) {
                let store = Store::open(&self.config.database_url).await.unwrap();
                self.running = Some(Running::Process { child, store });
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        // Not left running after the test.
        let _ = child.kill();
        let _ = child.wait();
        panic!("{} did not start", self.url());
    }

    async fn stop(&mut self) {
        match self.running.take().expect("running") {
            Running::InProcess(running) => running.shutdown().await.unwrap(),
            Running::Process { mut child, .. } => {
                child.kill().unwrap();
                child.wait().unwrap();
            }
        }
    }

    /// Kills the oracle's process with SIGKILL while `reports` are being sent to it, one after
    /// the other as a device sends them, a third of them acknowledged. Returns the acknowledged
    /// ones: the process may have died between storing the next report and answering.
    async fn kill_while_receiving(&mut self, reports: &[SimReport]) -> Vec<fieldproof_reports::SignedReport> {
        let acknowledged: Arc<Mutex<Vec<fieldproof_reports::SignedReport>>> = Arc::default();
        let sender = {
            let (api, acknowledged) = (self.api(), acknowledged.clone());
            let reports: Vec<_> = reports.iter().map(|sim| sim.report.clone()).collect();
            tokio::spawn(async move {
                for report in reports {
                    match api.submit_report(&report).await {
                        Ok(_) => acknowledged.lock().unwrap().push(report),
                        // The oracle died; the client tried a few times, as devices do.
                        Err(OracleApiError::Unavailable(_)) => return,
                        Err(e) => panic!("a live oracle refused a report: {e}"),
                    }
                }
                panic!("every report was sent before the oracle was killed");
            })
        };
        while acknowledged.lock().unwrap().len() < reports.len() / 3 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let Some(Running::Process { mut child, .. }) = self.running.take() else { panic!("only an oracle of its own process is killed") };
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        sender.await.unwrap();
        let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
        acknowledged
    }

    fn url(&self) -> String {
        format!("http://{}", self.config.listen)
    }

    fn api(&self) -> OracleClient {
        OracleClient::new(self.url(), Duration::from_secs(30)).unwrap()
    }

    fn store(&self) -> &Store {
        match self.running.as_ref().expect("running") {
            Running::InProcess(running) => &running.store,
            Running::Process { store, .. } => store,
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Three oracles in quorum over `deployment`, each with the key of `migrations/localnet/`.
fn oracles(url: &str, deployment: &Deployment, start_ts: i64, payer: &Path, dir: &Path) -> Vec<OracleSetup> {
    let keys: Vec<PathBuf> = (1..=3).map(|i| repo(&format!("migrations/localnet/oracle-{i}.json"))).collect();
    let listen: Vec<SocketAddr> = (0..3).map(|_| SocketAddr::from(([127, 0, 0, 1], free_port()))).collect();
    (0..3)
        .map(|i| {
            let peers = (0..3)
                .filter(|j| *j != i)
                .map(|j| PeerConfig { url: format!("http://{}", listen[j]), key: keypair(&keys[j]).pubkey().to_string() })
                .collect();
            let config = OracleConfig {
                listen: listen[i],
                database_url: format!("sqlite://{}", dir.join(format!("oracle-{i}.sqlite")).display()),
                epochs_store: dir.join(format!("epochs-{i}")).display().to_string(),
                // Ten-second buckets: an epoch of 40 s is sealed about 50 s after its end.
                log: LogConfig { bucket_secs: 10, seal_grace_secs: 5, ..LogConfig::in_dir(&dir.join(format!("oracle-{i}"))) },
                // The round is sent at its start: mapping segments are signed when the drive ends,
                // up to 30 s later.
                ingest: IngestConfig { max_clock_skew_secs: 35, ..IngestConfig::default() },
                registry: RegistryConfig { rpc_url: Some(url.into()), network: Some(deployment.network.to_string()), refresh_secs: 1, ..RegistryConfig::default() },
                epochs: RewardConfig { start_ts, length_secs: EPOCH_SECS, ..RewardConfig::default() },
                quorum: QuorumConfig {
                    keypair: Some(keys[i].clone()),
                    payer_keypair: Some(payer.to_path_buf()),
                    rpc_url: Some(url.into()),
                    treasury: Some(deployment.treasury.to_string()),
                    pools: vec![
                        PoolConfig { address: deployment.pools[0].to_string(), stream: RewardStream::Coverage },
                        PoolConfig { address: deployment.pools[1].to_string(), stream: RewardStream::Mapping },
                    ],
                    peers,
                    every_secs: 1,
                    ..QuorumConfig::default()
                },
                // One oracle holds the data-credits burn authority (the deployer) and burns the
                // sessions' DC; the others only verify them.
                dc_burns: if i == 0 {
                    DcBurnConfig {
                        burn_authority_keypair: Some(payer.to_path_buf()),
                        dc_config: Some(deployment.dc_config.to_string()),
                        rpc_url: Some(url.into()),
                        every_secs: 1,
                        ..DcBurnConfig::default()
                    }
                } else {
                    DcBurnConfig::default()
                },
                ..OracleConfig::default()
            };
            // The third runs as a process of its own, to be killed.
            let own_process = (i == 2).then(|| dir.join(format!("oracle-{i}.toml")));
            OracleSetup { config, own_process, running: None }
        })
        .collect()
}

/// Waits until the oracle's directory, synced from the chain, holds `devices` devices.
async fn wait_for_devices(oracle: &OracleSetup, devices: usize) {
    for _ in 0..240 {
        let health: Option<serde_json::Value> = match reqwest::get(format!("{}/health", oracle.url())).await {
            Ok(answer) => answer.json().await.ok(),
            Err(_) => None,
        };
        if health.and_then(|h| h["devices"].as_u64()) == Some(devices as u64) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{} never synced its {devices} devices", oracle.url());
}

/// Asks `api` for the claims of all `owner`'s devices from `pool`, signs them as the owner and
/// sends them; returns what they paid.
async fn claim_through_the_oracle(client: &Client<RpcChain>, api: &OracleClient, pool: &Pubkey, owner: &Keypair) -> u64 {
    let claims = api.claim_transactions(pool, &owner.pubkey(), None).await.expect("claim transactions");
    claims.check_only_claims().expect("only claims");
    for unsigned in claims.transactions {
        let signed = VersionedTransaction::try_new(unsigned.message, &[owner]).expect("the owner is the only signer");
        client.chain().send_transaction(&signed).await.expect("the claim lands");
    }
    claims.paid
}

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn the_story_end_to_end() {
    // The oracles' logs, shown when the test fails.
    let _ = tracing_subscriber::fmt().with_env_filter("fieldproof_oracle=info").with_test_writer().try_init();
    let url = std::env::var("FIELDPROOF_RPC_URL").expect("FIELDPROOF_RPC_URL");
    let client = Client::new(chain(&url));
    let deployer = funded(&url).await;
    let dir = tempfile::tempdir().unwrap();
    let deployment = bootstrap(&client, &deployer, &plan(), &KeyDir::new(dir.path().join("keys")), |_| {}).await.expect("bootstrap").deployment;
    let (coverage_pool, mapping_pool) = (deployment.pools[0], deployment.pools[1]);
    let treasury: Treasury = client.account(&deployment.treasury).await.unwrap();
    let start_ts = treasury.params.schedule.start_ts;

    // The makers' fleet, onboarded: every device a cNFT of `owner`, every hotspot located.
    // Among them a cheater of every class whose reports fit in one 40-second epoch (stitchers and
    // overlappers drive longer: the simulate test and the local network have them).
    let cheaters = Cheaters { stitchers: 0, overlappers: 0, replayers: 0, grinders: 2, ..Cheaters::each(1) };
    let fleet = Fleet::new(FleetSpec { seed: 5, hotspots: 16, mappers: 5, cheaters });
    let owner = Keypair::new();
    let maker = keypair(&repo("migrations/localnet/maker.json"));
    let maker_key = SigningKey::from_bytes(maker.secret_bytes());
    let submitter = keypair(&repo("migrations/localnet/oracle-1.json"));
    let onboarding = Onboarding { network: deployment.network, maker_id: maker.pubkey(), maker_key: &maker_key, payer: &deployer, owner: &owner, price: Some((&submitter, 150_000_000)) };
    onboard(&client, &TreeHistory::new(chain(&url)), &fleet, &onboarding).await.expect("onboard");
    let info = |i: usize| {
        let address = device_registry::device_address(&deployment.network, &Pubkey::new_from_array(fleet.devices[i].key.verifying_key().to_bytes()));
        let client = &client;
        async move { client.account::<DeviceInfo>(&address).await.unwrap() }
    };
    let mut devices = Vec::new();
    for i in 0..fleet.devices.len() {
        devices.push(info(i).await);
    }

    // A payer delegates DC to a router's escrow; the hotspots' data-transfer sessions are charged to it.
    let network_config: fieldproof_sdk::device_registry::NetworkConfig = client.account(&deployment.network).await.unwrap();
    fieldproof_oracle::onboard::top_up(&client, &network_config, &deployer, &deployer.pubkey(), DELEGATED_DC, 150_000_000).await.expect("buy DC");
    let router = SigningKey::from_bytes(&rand::random());
    let routed = Pubkey::new_from_array(router.verifying_key().to_bytes());
    let source = data_credits::dc_account_address(&deployer.pubkey(), &deployment.dc_mint);
    client.send(&[data_credits::delegate_data_credits(&deployer.pubkey(), &deployment.dc_config, &source, DELEGATED_DC, routed)], &deployer, &[]).await.expect("delegate");
    let escrow = data_credits::escrow_address(&deployment.dc_config, &deployer.pubkey(), &routed);

    let payer_file = dir.path().join("payer.json");
    solana_keypair::write_keypair_file(&deployer, &payer_file).unwrap();
    let mut oracles = oracles(&url, &deployment, start_ts, &payer_file, dir.path());
    for o in &mut oracles {
        o.start().await;
        wait_for_devices(o, fleet.devices.len()).await;
    }

    // One round of the fleet's traffic, inside one epoch: it lasts 30 s (dashcams drive last).
    // Each oracle misses a different fifth of it (see `send`).
    let into_epoch = |ms: i64| (ms / 1_000 - start_ts).rem_euclid(EPOCH_SECS);
    if into_epoch(unix_ms()) > 5 {
        tokio::time::sleep(Duration::from_secs(u64::try_from(EPOCH_SECS - into_epoch(unix_ms()) + 1).unwrap())).await;
    }
    let round_ms = unix_ms();
    let epoch = u64::try_from((round_ms / 1_000 - start_ts) / EPOCH_SECS).unwrap();
    // Made with the newest finalized block an oracle hands out.
    let entropy = oracles[0].api().entropy().await.expect("entropy from the chain");
    let mut traffic = fleet.traffic(u64::try_from(round_ms).unwrap(), 1, |_| entropy);
    let carrier = fleet.devices.iter().position(|d| d.role == Role::Honest && d.kind == DeviceKind::Hotspot).unwrap();
    let sessions: Vec<u64> = (1..=6).map(|i| i * 100).collect();
    for (i, dc) in sessions.iter().enumerate() {
        traffic.push(SimReport { report: session(&fleet.devices[carrier].key, u64::try_from(round_ms).unwrap() + 5_000 + i as u64, &escrow, &router, *dc), device: carrier, cheat: false });
    }
    let (first, second) = traffic.split_at(traffic.len() / 2);
    let mut received: Vec<Vec<[u8; 32]>> = vec![Vec::new(); 3];
    for (k, o) in oracles.iter().enumerate() {
        received[k] = send(o, k, first).await;
    }
    // The third oracle is killed in the middle of the epoch while reports reach it, and comes
    // back over the same files: every report it acknowledged is there, byte for byte.
    let acknowledged = oracles[2].kill_while_receiving(second).await;
    oracles[2].start().await;
    for report in &acknowledged {
        let stored = oracles[2].store().report_by_id(&report.report_id().0).await.unwrap();
        assert_eq!(stored.map(|s| s.body), Some(report.to_bytes()), "an acknowledged report survived the kill");
    }
    wait_for_devices(&oracles[2], fleet.devices.len()).await;
    for k in 0..2 {
        received[k].extend(send(&oracles[k], k, second).await);
    }
    received[2].extend(second.iter().map(|sim| sim.report.report_id().0));
    // The devices send it what it did not acknowledge; one may have been stored unanswered.
    let api = oracles[2].api();
    for sim in &second[acknowledged.len()..] {
        match api.submit_report(&sim.report).await {
            Ok(_) => {}
            Err(OracleApiError::Rejected { code, .. }) if code == "duplicate_report" => {}
            Err(e) => panic!("the restarted oracle refused a report: {e}"),
        }
    }

    // The epoch ends and settles; the oracles compute it, two of them post, and after the
    // dispute window its roots are active.
    let (coverage, mapping) = loop {
        let (c, m) = (client.pool(&coverage_pool).await.unwrap(), client.pool(&mapping_pool).await.unwrap());
        if c.active.epoch == epoch && m.active.epoch == epoch {
            break (c, m);
        }
        assert!(unix_ms() < round_ms + (3 * EPOCH_SECS + 120) * 1_000, "epoch {epoch}'s roots never became active");
        tokio::time::sleep(Duration::from_secs(1)).await;
    };

    // Every oracle follows: the epoch is active in each one's records (within a pass or two).
    for o in &oracles {
        for pool in [&coverage_pool, &mapping_pool] {
            for pass in 0.. {
                let record = EpochRecord::load(o.store(), pool, epoch).await.unwrap();
                if record.is_some_and(|r| r.status == EpochStatus::Active) {
                    break;
                }
                if pass == 60 {
                    diagnose(&oracles).await;
                    panic!("{} never saw epoch {epoch} of pool {pool} active", o.url());
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }

    // Every oracle kept every report it received, the restarted one too.
    for (o, ids) in oracles.iter().zip(&received) {
        for id in ids {
            assert!(o.store().report_by_id(id).await.unwrap().is_some(), "{} lost a report", o.url());
        }
    }
    // Each root was posted once: one oracle's post landed, the others found it on chain.
    for pool in [&coverage_pool, &mapping_pool] {
        let mut posts = 0;
        for o in &oracles {
            if let Some(record) = EpochRecord::load(o.store(), pool, epoch).await.unwrap() {
                posts += usize::from(record.post_tx.is_some());
            }
        }
        assert_eq!(posts, 1, "pool {pool}: one post");
    }

    // The published files are the posted roots, byte for byte the same at every oracle (one
    // that finds the root active before it signed takes the file from a peer).
    let files: Vec<EpochFiles> = oracles.iter().map(|o| EpochFiles::open(&o.config.epochs_store).unwrap()).collect();
    let file = |pool: Pubkey| {
        let files = &files;
        async move {
            let mut published = Vec::new();
            for f in files {
                published.extend(f.reward_file_bytes(&pool, epoch).await.unwrap());
            }
            assert_eq!(published.len(), 3, "pool {pool}: every oracle holds epoch {epoch}'s file");
            assert!(published.windows(2).all(|w| w[0] == w[1]), "pool {pool}: byte-identical files");
            RewardFile::from_json(std::str::from_utf8(&published[0]).unwrap()).unwrap()
        }
    };
    let (coverage_file, mapping_file) = (file(coverage_pool).await, file(mapping_pool).await);
    assert_eq!((coverage_file.root(), mapping_file.root()), (coverage.active.root, mapping.active.root));
    let amount = |file: &RewardFile, i: usize| file.leaf(&devices[i].asset).map_or(0, |l| l.cumulative_amount);

    // Cheaters got nothing; honest devices of both streams earned (a hotspot nobody heard earns
    // nothing, honest or not).
    let earned = |file: &RewardFile, role: Role, kind: DeviceKind| {
        (0..devices.len()).filter(|&i| fleet.devices[i].role == role && fleet.devices[i].kind == kind && amount(file, i) > 0).count()
    };
    for (i, d) in fleet.devices.iter().enumerate().filter(|(_, d)| d.role.earns_nothing()) {
        assert_eq!(amount(&coverage_file, i) + amount(&mapping_file, i), 0, "a {:?} was paid", d.role);
    }
    assert!(earned(&coverage_file, Role::Honest, DeviceKind::Hotspot) >= 2, "honest hotspots earned");
    assert!(earned(&mapping_file, Role::Honest, DeviceKind::Mapper) >= 1, "honest dashcams earned");

    // An earning hotspot changes hands before anything is claimed: its reward follows the cNFT.
    let api = oracles[0].api();
    let sold = (0..devices.len()).find(|&i| fleet.devices[i].role == Role::Honest && amount(&coverage_file, i) > 0).unwrap();
    let buyer = Keypair::new();
    for wallet in [&owner.pubkey(), &buyer.pubkey()] {
        let fund = anchor_lang::solana_program::system_instruction::transfer(&deployer.pubkey(), wallet, 2_000_000_000);
        client.send(&[fund], &deployer, &[]).await.unwrap();
    }
    // Proven with the oracle's own index of the tree.
    client.transfer_device(&deployer, &owner, &devices[sold].asset, &buyer.pubkey(), &api).await.expect("Bubblegum transfer");

    // The buyer claims the one device with the command-line tool, the owner all the others
    // through the SDK; the oracle prepares both.
    let buyer_file = dir.path().join("buyer.json");
    solana_keypair::write_keypair_file(&buyer, &buyer_file).unwrap();
    let cli = |asset: String| {
        let (chain, api, buyer_file, pool) = (client.chain(), &api, &buyer_file, coverage_pool.to_string());
        async move { fieldproof_cli::claim_through_oracle(chain, api, buyer_file, &pool, &[asset], false).await }
    };
    let outcome = cli(devices[sold].asset.to_string()).await.expect("fieldproof claim --pool --asset");
    let bought = outcome.json["paid"].as_u64().unwrap();
    assert_eq!(bought, amount(&coverage_file, sold));
    let again = cli(devices[sold].asset.to_string()).await.unwrap_err();
    assert_eq!(again.exit_code(), 6, "nothing to claim: {again}");
    let mut paid = claim_through_the_oracle(&client, &api, &coverage_pool, &owner).await;
    paid += claim_through_the_oracle(&client, &oracles[1].api(), &mapping_pool, &owner).await;
    let owed: u64 = (0..devices.len()).filter(|i| *i != sold).map(|i| amount(&coverage_file, i) + amount(&mapping_file, i)).sum::<u64>() + amount(&mapping_file, sold);
    assert_eq!(paid, owed);
    let token_account = |wallet: &Pubkey| anchor_spl::associated_token::get_associated_token_address(wallet, &deployment.network_mint);
    assert_eq!(client.token_amount(&token_account(&owner.pubkey())).await.unwrap(), owed, "the owner holds exactly the files' amounts");
    assert_eq!(client.token_amount(&token_account(&buyer.pubkey())).await.unwrap(), bought, "the buyer holds the sold device's reward");
    let leaves_total = |file: &RewardFile| file.leaves().iter().map(|(_, a)| a).sum::<u64>();
    assert_eq!(owed + bought, leaves_total(&coverage_file) + leaves_total(&mapping_file), "every token of both files was claimed");
    assert_eq!((coverage.active.cumulative_total, mapping.active.cumulative_total), (leaves_total(&coverage_file), leaves_total(&mapping_file)));

    // The sessions' DC was burned once from the escrow, and booked as usage.
    let burned = sessions.iter().sum::<u64>();
    for pass in 0.. {
        let escrow_state: data_credits::DelegatedEscrow = client.account(&escrow).await.unwrap();
        if escrow_state.burned == burned {
            break;
        }
        assert!(escrow_state.burned < burned && pass < 60, "escrow burned {} of the sessions' {burned}", escrow_state.burned);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let dc_account = data_credits::escrow_dc_account_address(&escrow, &deployment.dc_mint);
    assert_eq!(client.token_amount(&dc_account).await.unwrap(), DELEGATED_DC - burned);
    let dc: data_credits::DataCreditsConfig = client.account(&deployment.dc_config).await.unwrap();
    let mut usage = 0;
    for e in 0..=dc.epoch_at(client.chain().clock().await.unwrap().unix_timestamp).unwrap() {
        let burns: Option<data_credits::EpochBurns> = client.optional_account(&data_credits::epoch_burns_address(&deployment.dc_config, e)).await.unwrap();
        usage += burns.map_or(0, |b| b.usage_by_category[0]);
    }
    assert_eq!(usage, burned, "booked under the epochs' usage");

    // A second claim pays nothing.
    for (pool, wallet) in [(&coverage_pool, &owner), (&mapping_pool, &owner), (&coverage_pool, &buyer)] {
        let again = api.claim_transactions(pool, &wallet.pubkey(), None).await.unwrap();
        assert_eq!((again.paid, again.transactions.len()), (0, 0));
    }
    for o in &mut oracles {
        o.stop().await;
    }
}
