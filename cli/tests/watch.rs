//! The guardian's watchtower against a real oracle serving the reward files and the reward-pool
//! program (in process, or on solana-test-validator under `scripts/test-rpc.sh`): a root that
//! differs from its file, one above the total bound, one above the leaf bound and one whose file
//! nobody serves are vetoed before they activate; honest roots pass and become active, the second
//! one judged against the active root's file by a watchtower started afresh while it was pending;
//! with --alert-only a wrong root is reported and left alone.
use std::sync::Arc;
use std::time::Duration;

use fieldproof_cli::watchtower::{Bounds, Decision, Finding, Policy, Watchtower};
use fieldproof_oracle::config::OracleConfig;
use fieldproof_oracle::devices::DeviceDirectory;
use fieldproof_oracle::epoch::EpochFiles;
use fieldproof_oracle::serve::{self, RunningOracle};
use fieldproof_sdk::reward_pool::{self, Pool};
use fieldproof_sdk::{content_hash, Client, OracleClient, Pubkey, RewardFile};
use fieldproof_tests::keys;
use fieldproof_tests::pool_world::{rewards, PoolWorld};
use fieldproof_tests::world::{TestChain, World};
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::mpsc;

/// How long a posted root waits before it pays: long enough on a node for the watchtower to look.
const WINDOW_SECS: i64 = 12;
/// A root whose file is not served this long before it activates is vetoed as unverifiable.
const VERIFY_WITHIN_SECS: i64 = 4;
const BOUNDS: Bounds = Bounds { max_total_growth: Some(100), max_leaf_growth: Some(60) };

/// A pool with a dispute window, and an oracle publishing its reward files.
struct Scene {
    pool: PoolWorld,
    oracle: RunningOracle,
    files: EpochFiles,
    _dir: tempfile::TempDir,
}

impl Scene {
    async fn new() -> Self {
        let pool = PoolWorld::on(Arc::new(World::start().await), WINDOW_SECS).await;
        // The guardian pays for its vetoes.
        let fund = anchor_lang::solana_program::system_instruction::transfer(&pool.world.payer().pubkey(), &pool.guardian.pubkey(), 1_000_000_000);
        pool.world.send(&[fund], &[]).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let epochs = dir.path().join("epochs").display().to_string();
        let config = OracleConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: format!("sqlite://{}", dir.path().join("oracle.sqlite").display()),
            epochs_store: epochs.clone(),
            log: fieldproof_oracle::log::LogConfig::in_dir(dir.path()),
            ..OracleConfig::default()
        };
        let oracle = serve::start(&config, Arc::new(DeviceDirectory::default()), None).await.unwrap();
        Self { pool, oracle, files: EpochFiles::open(&epochs).unwrap(), _dir: dir }
    }

    fn world(&self) -> &World {
        &self.pool.world
    }

    /// The oracles a watchtower reads: one that is down, then the running one.
    fn oracles(&self) -> Vec<OracleClient> {
        let down = OracleClient::new("http://127.0.0.1:1", Duration::from_secs(2)).unwrap().with_retries(2, Duration::from_millis(50));
        let up = OracleClient::new(format!("http://{}", self.oracle.addr), Duration::from_secs(10)).unwrap();
        vec![down, up]
    }

    fn tower(&self, guardian: Keypair, policy: Policy) -> Watchtower<TestChain> {
        Watchtower::new(Client::new(self.world().chain()), guardian, self.oracles(), self.pool.pool, BOUNDS, policy)
    }

    fn file(&self, epoch: u64, leaves: &[(Pubkey, u64)]) -> RewardFile {
        RewardFile::new(self.pool.pool, epoch, leaves.to_vec()).unwrap()
    }

    /// The oracle publishes `file`; returns its content hash.
    async fn publish(&self, file: &RewardFile) -> [u8; 32] {
        let bytes = file.to_json().into_bytes();
        self.files.adopt(&self.pool.pool, file.epoch, bytes.clone()).await.unwrap();
        content_hash(&bytes)
    }

    /// The oracles post a root of `leaves` for `epoch` whose content hash is `hash`; returns the
    /// earliest it can activate (the clock before the post plus the window: a running watchtower
    /// may have vetoed it before the pool is read again).
    async fn post(&self, epoch: u64, leaves: &[(Pubkey, u64)], hash: [u8; 32]) -> i64 {
        let total = leaves.iter().map(|(_, amount)| amount).sum();
        let mut args = self.pool.root_args(epoch, &rewards(leaves), total).await;
        args.content_hash = hash;
        let before = self.world().clock().await.unix_timestamp;
        self.pool.post(args, &[0, 1]).await.expect("posted");
        before + WINDOW_SECS
    }

    async fn pool(&self) -> Pool {
        self.pool.pool().await
    }

    /// The pending root was vetoed before it activated: nothing is pending and the active root is
    /// still epoch `active_epoch`'s (activating is the only other way a root stops pending).
    async fn assert_vetoed(&self, active_epoch: u64) {
        let pool = self.pool().await;
        assert!(pool.pending.is_none(), "the root was vetoed");
        assert_eq!(pool.active.epoch, active_epoch, "it never became active");
    }

    /// Waits out the pending root's window and activates it; returns the active epoch.
    async fn activate(&self) -> u64 {
        let activates_at = self.pool().await.pending.expect("a pending root").activates_at;
        let wait = activates_at - self.world().clock().await.unix_timestamp + 1;
        self.world().advance_clock(wait.max(0)).await;
        self.world().send(&[reward_pool::activate_root(&self.pool.pool)], &[]).await.expect("activated");
        self.pool().await.active.epoch
    }
}

/// The next decision about `epoch`, within a minute and a half.
async fn decision(decisions: &mut mpsc::UnboundedReceiver<Decision>, epoch: u64) -> Decision {
    loop {
        let decided = tokio::time::timeout(Duration::from_secs(90), decisions.recv()).await.expect("a decision in time").expect("the watchtower runs");
        let of = match &decided {
            Decision::Passed { epoch, .. } | Decision::Vetoed { epoch, .. } | Decision::Alerted { epoch, .. } => *epoch,
        };
        if of == epoch {
            return decided;
        }
    }
}

fn findings(decided: Decision) -> Vec<Finding> {
    match decided {
        Decision::Vetoed { findings, .. } => findings,
        other => panic!("expected a veto, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_roots_are_vetoed_before_they_activate_and_honest_ones_pass() {
    // The watchtower's log lines, shown when the test fails.
    let _ = tracing_subscriber::fmt().with_test_writer().with_ansi(false).with_env_filter("fieldproof_cli=debug").try_init();
    let s = Scene::new().await;
    let (a, b, c) = (keys::pubkey(), keys::pubkey(), keys::pubkey());
    let policy = Policy { alert_only: false, verify_within: Duration::from_secs(VERIFY_WITHIN_SECS as u64) };
    let version = s.pool().await.config_version;

    let mut first = s.tower(s.pool.guardian.insecure_clone(), policy);
    let (seen, mut decisions) = mpsc::unbounded_channel();
    let scenario = async {
        // A root that is not its file's: another tree and total under the file's content hash.
        let honest = s.file(1, &[(a, 30), (b, 20)]);
        let hash = s.publish(&honest).await;
        let earliest = s.post(1, &[(a, 30), (b, 70)], hash).await;
        let found = findings(decision(&mut decisions, 1).await);
        assert!(found.contains(&Finding::RootMismatch { file: honest.root(), posted: rewards(&[(a, 30), (b, 70)]).root() }), "{found:?}");
        assert!(found.contains(&Finding::TotalMismatch { file: 50, posted: 100 }), "{found:?}");
        s.assert_vetoed(0).await;
        assert!(s.world().clock().await.unix_timestamp < earliest, "inside the dispute window");
        assert_eq!(s.pool().await.config_version, version + 1, "the veto voids every earlier signature");

        // Its own file's root, but the total grew by 210 in two epochs: 200 allowed.
        let leaves = [(a, 110), (b, 100)];
        s.post(2, &leaves, s.publish(&s.file(2, &leaves)).await).await;
        assert_eq!(findings(decision(&mut decisions, 2).await), vec![Finding::TotalGrowthAboveBound { growth: 210, epochs: 2, allowed: 200 }]);
        s.assert_vetoed(0).await;

        // One device's reward grew by 190 in three epochs: 180 allowed.
        let leaves = [(a, 190), (b, 10)];
        s.post(3, &leaves, s.publish(&s.file(3, &leaves)).await).await;
        assert_eq!(findings(decision(&mut decisions, 3).await), vec![Finding::LeafGrowthAboveBound { asset: a, growth: 190, epochs: 3, allowed: 180 }]);
        s.assert_vetoed(0).await;

        // A root whose file nobody publishes: vetoed once its window is nearly over.
        let leaves = [(a, 100)];
        let earliest = s.post(4, &leaves, content_hash(s.file(4, &leaves).to_json().as_bytes())).await;
        let now = s.world().clock().await.unix_timestamp;
        s.world().advance_clock(earliest - VERIFY_WITHIN_SECS + 1 - now).await;
        let found = findings(decision(&mut decisions, 4).await);
        assert!(matches!(&found[..], [Finding::Unverifiable { reasons }] if reasons.len() == 2), "both oracles said why: {found:?}");
        s.assert_vetoed(0).await;
        assert!(s.world().clock().await.unix_timestamp < earliest, "inside the dispute window");

        // An honest root passes and, after its window, becomes active.
        let leaves = [(a, 150), (b, 100)];
        s.post(5, &leaves, s.publish(&s.file(5, &leaves)).await).await;
        assert!(matches!(decision(&mut decisions, 5).await, Decision::Passed { epoch: 5, .. }));
        assert_eq!(s.activate().await, 5);
    };
    tokio::select! {
        () = first.run(Duration::from_millis(300), |d| { let _ = seen.send(d.clone()); }) => unreachable!("the watchtower runs for ever"),
        () = scenario => {}
    }
    drop(first);

    // Posted while no watchtower runs; one started afresh finds it on chain and judges it against
    // the active root's file (from zero, a's 200 would be above the leaf bound).
    let leaves = [(a, 200), (b, 120), (c, 10)];
    s.post(6, &leaves, s.publish(&s.file(6, &leaves)).await).await;
    let mut restarted = s.tower(s.pool.guardian.insecure_clone(), policy);
    let (seen, mut decisions) = mpsc::unbounded_channel();
    tokio::select! {
        () = restarted.run(Duration::from_millis(300), |d| { let _ = seen.send(d.clone()); }) => unreachable!("the watchtower runs for ever"),
        decided = decision(&mut decisions, 6) => assert!(matches!(decided, Decision::Passed { epoch: 6, .. }), "{decided:?}"),
    }
    assert_eq!(s.activate().await, 6);
    assert_eq!(s.pool().await.active.cumulative_total, 330);
}

#[tokio::test]
async fn with_alert_only_a_wrong_root_is_reported_and_left_alone() {
    let s = Scene::new().await;
    let a = keys::pubkey();
    let honest = s.file(1, &[(a, 40)]);
    s.post(1, &[(a, 41)], s.publish(&honest).await).await;

    // Anyone may watch; without the guardian's key it only reports.
    let mut tower = s.tower(keys::keypair(), Policy { alert_only: true, verify_within: Duration::from_secs(VERIFY_WITHIN_SECS as u64) });
    let decided = loop {
        if let Some(decided) = tower.pass().await.expect("a pass") {
            break decided;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    match decided {
        Decision::Alerted { epoch: 1, findings, .. } => assert_eq!(findings[0].kind(), "root_mismatch"),
        other => panic!("expected an alert, got {other:?}"),
    }
    assert_eq!(tower.pass().await.expect("a pass"), None, "one alert per root");
    assert_eq!(s.pool().await.pending.map(|p| p.root.epoch), Some(1), "left pending");

    // `fieldproof watch` refuses to start with a key that could not veto, unless told to only report.
    let dir = tempfile::tempdir().unwrap();
    let stranger = dir.path().join("stranger.json");
    solana_keypair::write_keypair_file(&keys::keypair(), &stranger).unwrap();
    let pool = s.pool.pool.to_string();
    let parsed = <fieldproof_cli::Cli as clap::Parser>::try_parse_from(["fieldproof", "watch", "--pool", &pool]).unwrap();
    let fieldproof_cli::Command::Watch(args) = parsed.command else { panic!("parsed as watch") };
    let oracle = format!("http://{}", s.oracle.addr);
    let refused = fieldproof_cli::commands::watch::watch(Client::new(s.world().chain()), &oracle, Duration::from_secs(5), &stranger, &args).await.unwrap_err();
    assert_eq!(refused.exit_code(), 3, "{refused}");
    assert!(refused.to_string().contains("not the pool's guardian"), "{refused}");
    s.oracle.shutdown().await.unwrap();
}
