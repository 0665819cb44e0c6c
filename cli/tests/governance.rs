//! A pool's governance from the command line, as its authority, its guardian and strangers run
//! it: the oracle set and the parameters change through the time lock the guardian can cancel,
//! tightening applies at once, roles hand over, the guardian vetoes a pending root and anyone
//! activates one after its dispute window. Every refusal is the program's, by name. In process by
//! default; on solana-test-validator under `scripts/test-rpc.sh`.
mod support;

use fieldproof_sdk::reward_pool::Pool;
use fieldproof_sdk::Threshold;
use fieldproof_tests::device_network::TreeMirror;
use fieldproof_tests::keys;
use fieldproof_tests::pool_world::{oracle_pubkey, rewards, PoolWorld};
use fieldproof_tests::world::TIMELOCK_SECS;
use solana_signer::Signer;
use support::{command, fund, refusal, run, KeyFiles};

/// A pool and the keypair files of its authority, its guardian and a stranger, each funded.
struct Governed {
    pool: PoolWorld,
    address: String,
    files: KeyFiles,
    authority: std::path::PathBuf,
    guardian: std::path::PathBuf,
    stranger: std::path::PathBuf,
}

impl Governed {
    async fn new(dispute_window_secs: i64) -> Self {
        let pool = PoolWorld::new(dispute_window_secs).await;
        let files = KeyFiles::new();
        let stranger = keys::keypair();
        for key in [&pool.authority, &pool.guardian, &stranger] {
            fund(&pool.world, key).await;
        }
        let (authority, guardian, stranger) = (files.write("authority", &pool.authority), files.write("guardian", &pool.guardian), files.write("stranger", &stranger));
        Self { address: pool.pool.to_string(), pool, files, authority, guardian, stranger }
    }

    /// `fieldproof <args>` signed by `keypair`.
    async fn run(&self, keypair: &std::path::Path, args: &[&str]) -> Result<fieldproof_cli::Outcome, fieldproof_cli::Failure> {
        run(&self.pool.world, &TreeMirror::default(), keypair, &command(args)).await
    }

    async fn pool(&self) -> Pool {
        self.pool.pool().await
    }
}

#[tokio::test]
async fn the_oracle_set_changes_through_the_time_lock_and_the_guardian_can_cancel_it() {
    let g = Governed::new(0).await;
    let next: Vec<String> = (11u8..14).map(|s| oracle_pubkey(&ed25519_dalek::SigningKey::from_bytes(&[s; 32])).to_string()).collect();
    let mut propose = vec!["oracle-set", "propose", "--pool", &g.address, "--threshold", "2"];
    for key in &next {
        propose.extend(["--oracle-key", key.as_str()]);
    }
    let version = g.pool().await.config_version;

    assert_eq!(refusal(g.run(&g.stranger, &propose).await, "reward_pool"), "NotAuthority");
    let proposed = g.run(&g.authority, &propose).await.expect("proposed");
    assert_eq!(proposed.json["proposed"]["oracles"], serde_json::json!(next));
    assert!(proposed.json["transaction"].is_string());
    assert_eq!(refusal(g.run(&g.stranger, &["oracle-set", "cancel", "--pool", &g.address]).await, "reward_pool"), "NotAuthorityOrGuardian");
    let cancelled = g.run(&g.guardian, &["oracle-set", "cancel", "--pool", &g.address]).await.expect("the guardian cancels");
    assert!(cancelled.json["proposed"].is_null());
    assert_eq!(refusal(g.run(&g.authority, &["oracle-set", "apply", "--pool", &g.address]).await, "reward_pool"), "NoPendingOracleSet");

    g.run(&g.authority, &propose).await.expect("proposed again");
    assert_eq!(refusal(g.run(&g.authority, &["oracle-set", "apply", "--pool", &g.address]).await, "reward_pool"), "OracleSetTimeLocked");
    g.pool.world.advance_clock(TIMELOCK_SECS + 1).await;
    let applied = g.run(&g.authority, &["--json", "oracle-set", "apply", "--pool", &g.address]).await.expect("applied");
    assert_eq!(applied.json["oracles"], serde_json::json!(next));
    assert_eq!(applied.json["config_version"], version + 1, "every signature by the old set is void");
    assert_eq!(g.pool().await.oracles.keys().iter().map(|k| k.to_string()).collect::<Vec<_>>(), next);
}

#[tokio::test]
async fn pool_parameters_tighten_at_once_and_loosen_only_through_the_time_lock() {
    let g = Governed::new(4).await;
    let a = g.address.as_str();

    // A longer window and a tighter breaker apply at once; a shorter window is refused by name.
    let tightened = g.run(&g.authority, &["pool-config", "tighten", "--pool", a, "--dispute-window-secs", "9", "--breaker-percent", "5000"]).await.expect("tightened");
    assert_eq!((tightened.json["dispute_window_secs"].as_i64(), tightened.json["breaker"]["percent_bps"].as_u64()), (Some(9), Some(5_000)));
    let looser = ["pool-config", "tighten", "--pool", a, "--dispute-window-secs", "2"];
    assert_eq!(refusal(g.run(&g.authority, &looser).await, "reward_pool"), "ChangeLoosensSafety");
    assert_eq!(refusal(g.run(&g.stranger, &["pool-config", "tighten", "--pool", a]).await, "reward_pool"), "NotAuthority");

    // Loosening: proposed, cancelled by the guardian, proposed again, applied after the time lock.
    let propose = ["pool-config", "propose", "--pool", a, "--dispute-window-secs", "2", "--breaker-absolute", "500000", "--breaker-window-secs", "60"];
    let proposed = g.run(&g.authority, &propose).await.expect("proposed");
    assert_eq!(proposed.json["proposed"]["breaker"]["absolute"], 500_000);
    assert_eq!(g.pool().await.dispute_window_secs, 9, "nothing changed yet");
    g.run(&g.guardian, &["pool-config", "cancel", "--pool", a]).await.expect("the guardian cancels");
    assert_eq!(refusal(g.run(&g.authority, &["pool-config", "apply", "--pool", a]).await, "reward_pool"), "NoPendingConfig");
    g.run(&g.authority, &propose).await.expect("proposed again");
    assert_eq!(refusal(g.run(&g.authority, &["pool-config", "apply", "--pool", a]).await, "reward_pool"), "TimeLockNotElapsed");
    g.pool.world.advance_clock(TIMELOCK_SECS + 1).await;
    g.run(&g.authority, &["pool-config", "apply", "--pool", a]).await.expect("applied");
    let pool = g.pool().await;
    assert_eq!((pool.dispute_window_secs, pool.breaker.config.window_secs, pool.breaker.config.threshold), (2, 60, Threshold::Absolute(500_000)));

    // The time lock only rises.
    let higher = (TIMELOCK_SECS + 5).to_string();
    let raised = g.run(&g.authority, &["pool-config", "raise-timelock", "--pool", a, "--secs", &higher]).await.expect("raised");
    assert_eq!(raised.json["timelock_secs"], TIMELOCK_SECS + 5);
    let lower = TIMELOCK_SECS.to_string();
    assert_eq!(refusal(g.run(&g.authority, &["pool-config", "raise-timelock", "--pool", a, "--secs", &lower]).await, "reward_pool"), "TimeLockNotRaised");
}

#[tokio::test]
async fn roles_hand_over_the_authority_at_once_and_a_guardian_after_the_time_lock() {
    let g = Governed::new(0).await;
    let a = g.address.as_str();
    let (successor, heir) = (keys::keypair(), keys::keypair());
    fund(&g.pool.world, &successor).await;
    fund(&g.pool.world, &heir).await;
    let (successor_file, heir_file) = (g.files.write("successor", &successor), g.files.write("heir", &heir));
    let (successor_key, heir_key) = (successor.pubkey().to_string(), heir.pubkey().to_string());

    // A new guardian: not before the time lock; the old guardian could cancel it until then.
    let propose = ["role", "propose", "--pool", a, "--role", "guardian", "--to", &successor_key];
    assert_eq!(refusal(g.run(&g.stranger, &propose).await, "reward_pool"), "NotAuthority");
    let proposed = g.run(&g.authority, &propose).await.expect("proposed");
    assert_eq!(proposed.json["holders"]["pending_guardian"]["key"], successor_key.as_str());
    let accept = ["role", "accept", "--pool", a, "--role", "guardian"];
    assert_eq!(refusal(g.run(&successor_file, &accept).await, "reward_pool"), "TimeLockNotElapsed");
    assert_eq!(refusal(g.run(&g.stranger, &accept).await, "reward_pool"), "NotPendingHolder");
    g.pool.world.advance_clock(TIMELOCK_SECS + 1).await;
    let accepted = g.run(&successor_file, &accept).await.expect("accepted");
    assert_eq!(accepted.json["holders"]["guardian"], successor_key.as_str());
    assert_eq!(g.pool().await.guardian, successor.pubkey());

    // The authority hands over in two steps, at once; a withdrawn proposal leaves nothing to cancel.
    let propose = ["role", "propose", "--pool", a, "--role", "authority", "--to", &heir_key];
    g.run(&g.authority, &propose).await.expect("proposed");
    g.run(&g.authority, &["role", "cancel", "--pool", a, "--role", "authority"]).await.expect("withdrawn");
    assert_eq!(refusal(g.run(&g.authority, &["role", "cancel", "--pool", a, "--role", "authority"]).await, "reward_pool"), "NoPendingRole");
    g.run(&g.authority, &propose).await.expect("proposed again");
    g.run(&heir_file, &["role", "accept", "--pool", a, "--role", "authority"]).await.expect("accepted");
    assert_eq!(g.pool().await.authority, heir.pubkey());

    // A pool has no burn authority: said before anything is sent.
    let wrong = g.run(&heir_file, &["role", "propose", "--pool", a, "--role", "burn-authority", "--to", &heir_key]).await.unwrap_err();
    assert_eq!(wrong.exit_code(), 3, "{wrong}");
}

#[tokio::test]
async fn the_guardian_vetoes_a_pending_root_and_anyone_activates_one_after_its_window() {
    let g = Governed::new(6).await;
    let a = g.address.as_str();
    let tree = rewards(&[(keys::pubkey(), 40)]);
    g.pool.post(g.pool.root_args(1, &tree, 40).await, &[0, 1]).await.expect("posted");

    assert_eq!(refusal(g.run(&g.stranger, &["veto-root", "--pool", a]).await, "reward_pool"), "NotGuardian");
    let vetoed = g.run(&g.guardian, &["--json", "veto-root", "--pool", a]).await.expect("vetoed");
    assert_eq!((vetoed.json["epoch"].as_u64(), vetoed.json["root"].as_str()), (Some(1), Some(fieldproof_cli::output::hex(&tree.root()).as_str())));
    let pool = g.pool().await;
    assert_eq!((pool.pending.is_none(), pool.active.epoch), (true, 0), "the vetoed root never pays");
    assert_eq!(refusal(g.run(&g.guardian, &["veto-root", "--pool", a]).await, "reward_pool"), "NoPendingRoot");
    assert_eq!(refusal(g.run(&g.stranger, &["activate-root", "--pool", a]).await, "reward_pool"), "NoPendingRoot");

    // Signed again under the new config version; activated by anyone once the window passed.
    g.pool.post(g.pool.root_args(1, &tree, 40).await, &[1, 2]).await.expect("posted again");
    assert_eq!(refusal(g.run(&g.stranger, &["activate-root", "--pool", a]).await, "reward_pool"), "DisputeWindowOpen");
    g.pool.world.advance_clock(7).await;
    let activated = g.run(&g.stranger, &["activate-root", "--pool", a]).await.expect("activated");
    assert_eq!((activated.json["epoch"].as_u64(), activated.json["cumulative_total"].as_u64()), (Some(1), Some(40)));
    assert_eq!(g.pool().await.active.root, tree.root());
}
