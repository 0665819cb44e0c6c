//! Usage burns against the data-credits program (in-process bank): sessions burned once from
//! their payer's escrow and booked under the epoch's usage, never beyond the escrow's balance,
//! and exactly once across a crash before or after the burn was sent.
mod support;

use fieldproof_tests::world::{TestChain, World};
use ed25519_dalek::SigningKey;
use fieldproof_migrations::{bootstrap, Deployment, KeyDir};
use fieldproof_oracle::dc_burns::{BurnSummary, DcBurner};
use fieldproof_oracle::devices::{DeviceEntry, DeviceKind, Directory};
use fieldproof_oracle::epoch::{input_digest, read_reports};
use fieldproof_oracle::log::OpenedLog;
use fieldproof_oracle::storage::{NewReport, Store};
use fieldproof_oracle::verify::{judge_coverage, ChainFacts, Denylist, VerificationConfig, Window};
use fieldproof_reports::{DataTransferReport, ReportBody, ReportHeader, ReportKind};
use fieldproof_sdk::data_credits::{self, DataCreditsConfig, DelegatedEscrow, EpochBurns};
use fieldproof_sdk::device_registry::NetworkConfig;
use fieldproof_sdk::{Client, Pubkey};
use solana_keypair::Keypair;
use solana_signer::Signer;

const DELEGATED: u64 = 5_000;

struct Setup {
    world: World,
    deployment: Deployment,
    escrow: Pubkey,
    router: SigningKey,
    store: Store,
    log: OpenedLog,
    hotspot: SigningKey,
    nonce: std::cell::Cell<u8>,
    _dir: tempfile::TempDir,
}

impl Setup {
    /// A network whose deployer bought DC and delegated `DELEGATED` of it to a router's escrow.
    async fn start() -> Self {
        let world = World::start().await;
        let submitter = Keypair::new();
        let keys = tempfile::tempdir().unwrap();
        let plan = support::network::plan(&[Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique()], &submitter.pubkey());
        let deployment = bootstrap(&world.client, &world.payer(), &plan, &KeyDir::new(keys.path()), |_| {}).await.unwrap().deployment;
        let payer = world.payer();
        let price = 150_000_000;
        world.send(&[data_credits::submit_price(&submitter.pubkey(), &deployment.dc_config, price)], &[&submitter]).await.unwrap();
        let network: NetworkConfig = world.client.account(&deployment.network).await.unwrap();
        fieldproof_oracle::onboard::top_up(&world.client, &network, &payer, &payer.pubkey(), 2 * DELEGATED, price).await.unwrap();
        let router = SigningKey::from_bytes(&[8; 32]);
        let routed = Pubkey::new_from_array(router.verifying_key().to_bytes());
        let source = data_credits::dc_account_address(&payer.pubkey(), &deployment.dc_mint);
        world.send(&[data_credits::delegate_data_credits(&payer.pubkey(), &deployment.dc_config, &source, DELEGATED, routed)], &[]).await.unwrap();
        let escrow = data_credits::escrow_address(&deployment.dc_config, &payer.pubkey(), &routed);
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("o.sqlite").display())).await.unwrap();
        let log = support::fleet::open_log(&store, dir.path()).await;
        Self { world, deployment, escrow, router, store, log, hotspot: SigningKey::from_bytes(&[9; 32]), nonce: std::cell::Cell::new(0), _dir: dir }
    }

    /// Stores data-transfer sessions of `dc` each, charged to `escrow`, countersigned by the
    /// router, and judges them as a coverage epoch does.
    async fn sessions(&self, escrow: Pubkey, amounts: &[u64]) {
        self.sessions_signed_by(escrow, amounts, &self.router.clone()).await;
    }

    async fn sessions_signed_by(&self, escrow: Pubkey, amounts: &[u64], countersigner: &SigningKey) {
        let writer = &self.log.writer;
        let now_ms = u64::try_from(self.world.clock().await.unix_timestamp).unwrap() * 1_000;
        for dc in amounts {
            self.nonce.set(self.nonce.get() + 1);
            // Sessions are burned oldest first: each a millisecond after the one before.
            let at_ms = now_ms + u64::from(self.nonce.get());
            let header = ReportHeader { device_key: self.hotspot.verifying_key().to_bytes(), timestamp_ms: at_ms, nonce: [self.nonce.get(); 16] };
            let mut session = DataTransferReport {
                header,
                payer_escrow: escrow.to_bytes(),
                router: self.router.verifying_key().to_bytes(),
                upload_bytes: 1_000,
                download_bytes: 50_000,
                dc_amount: *dc,
                started_at_ms: now_ms - 60_000,
                ended_at_ms: now_ms,
                router_signature: [0; 64],
            };
            use ed25519_dalek::Signer as _;
            session.router_signature = countersigner.sign(&session.session_bytes()).to_bytes();
            let report = ReportBody::from(session).sign(&self.hotspot).unwrap();
            writer.insert(NewReport::accepted(&report, report.to_bytes(), at_ms as i64, "test".into())).await.unwrap();
        }
        writer.indexed().await.unwrap();
        let mut directory = Directory::new();
        directory.insert(self.hotspot.verifying_key().to_bytes(), DeviceEntry { kind: DeviceKind::Hotspot, active: true, location_h3: None, elevation_m: 0, gain_ddbi: 0, asset: None });
        let window = Window { start_ms: 0, end_ms: i64::MAX / 2 };
        let reports = read_reports(&self.store, &[ReportKind::DataTransfer], window).await.unwrap();
        let digest = input_digest(&reports);
        let (blocks, denylist) = (Default::default(), Denylist::default());
        let facts = ChainFacts::new(&directory, &blocks, &denylist);
        let judged = judge_coverage(reports, window, &facts, &VerificationConfig::default());
        self.store.save_judgement("coverage", 0, window, &digest, &[ReportKind::DataTransfer], &judged.verdicts).await.unwrap();
    }

    fn burner(&self, resend_after_ms: i64) -> DcBurner<TestChain> {
        DcBurner {
            store: self.store.clone(),
            client: Client::new(self.world.chain()),
            burn_authority: self.world.payer(),
            dc_config: self.deployment.dc_config,
            category: 0,
            resend_after_ms,
        }
    }

    async fn escrow_state(&self) -> (u64, u64) {
        let escrow: DelegatedEscrow = self.world.client.account(&self.escrow).await.unwrap();
        let dc_account = data_credits::escrow_dc_account_address(&self.escrow, &self.deployment.dc_mint);
        (escrow.burned, self.world.client.token_amount(&dc_account).await.unwrap())
    }

    async fn usage_this_epoch(&self) -> u64 {
        let config: DataCreditsConfig = self.world.client.account(&self.deployment.dc_config).await.unwrap();
        let epoch = config.epoch_at(self.world.clock().await.unix_timestamp).unwrap();
        let burns: Option<EpochBurns> = self.world.client.optional_account(&data_credits::epoch_burns_address(&self.deployment.dc_config, epoch)).await.unwrap();
        burns.map_or(0, |b| b.usage_by_category[0])
    }
}

#[tokio::test]
async fn sessions_are_burned_once_within_the_escrow_and_booked_as_usage() {
    let s = Setup::start().await;
    s.sessions(s.escrow, &[100; 10]).await;
    s.sessions(Pubkey::new_unique(), &[70]).await;
    let burner = s.burner(180_000);
    let summary = burner.step(0).await.unwrap();
    assert_eq!(summary, BurnSummary { sent: 1, burned: 1_000, refused_sessions: 1, ..BurnSummary::default() });
    assert_eq!(s.escrow_state().await, (1_000, DELEGATED - 1_000));
    assert_eq!(s.usage_this_epoch().await, 1_000, "booked under the epoch's usage");
    assert_eq!(burner.step(0).await.unwrap(), BurnSummary::default(), "nothing is burned twice");

    // More sessions than the escrow holds: only what fits is burned; the rest waits.
    s.sessions(s.escrow, &[3_000, 2_000, 900]).await;
    let summary = burner.step(0).await.unwrap();
    assert_eq!((summary.sent, summary.burned), (1, 3_900));
    assert_eq!(s.escrow_state().await, (4_900, 100));
    assert_eq!(burner.step(0).await.unwrap().burned, 0, "the 2,000 session waits for more DC");
    let payer = s.world.payer();
    let source = data_credits::dc_account_address(&payer.pubkey(), &s.deployment.dc_mint);
    let routed = Pubkey::new_from_array(s.router.verifying_key().to_bytes());
    s.world.send(&[data_credits::delegate_data_credits(&payer.pubkey(), &s.deployment.dc_config, &source, 2_000, routed)], &[]).await.unwrap();
    assert_eq!(burner.step(0).await.unwrap().burned, 2_000);
    assert_eq!(s.escrow_state().await, (6_900, 100));
}

#[tokio::test]
async fn a_hotspot_alone_burns_nobodys_dc() {
    let s = Setup::start().await;
    // The hotspot "countersigns" its own sessions: judged session_not_countersigned, never burned.
    let hotspot = s.hotspot.clone();
    s.sessions_signed_by(s.escrow, &[500; 3], &hotspot).await;
    assert_eq!(s.burner(180_000).step(0).await.unwrap(), BurnSummary::default());
    assert_eq!(s.escrow_state().await, (0, DELEGATED), "the escrow is untouched");
    let refused = s.store.refusals(&hotspot.verifying_key().to_bytes(), 10).await.unwrap();
    assert_eq!(refused.len(), 3);
    assert!(refused.iter().all(|r| r.reason == "session_not_countersigned"));
    // Its router's countersignature makes the same terms burnable.
    s.sessions(s.escrow, &[500]).await;
    assert_eq!(s.burner(180_000).step(0).await.unwrap().burned, 500);
}

#[tokio::test]
async fn a_crash_after_the_burn_was_sent_does_not_burn_again() {
    let s = Setup::start().await;
    s.sessions(s.escrow, &[250; 4]).await;
    let first = s.burner(180_000);
    let (batches, _) = first.plan(0).await.unwrap();
    assert_eq!(batches.len(), 1);
    // The burn lands; the process dies before it records the confirmation.
    let epoch = {
        let config: DataCreditsConfig = s.world.client.account(&s.deployment.dc_config).await.unwrap();
        config.epoch_at(s.world.clock().await.unix_timestamp).unwrap()
    };
    let authority = s.world.payer().pubkey();
    s.world.send(&[data_credits::burn_delegated(&authority, &authority, &s.deployment.dc_config, &s.escrow, 1_000, 0, epoch)], &[]).await.unwrap();

    let restarted = s.burner(180_000);
    let summary = restarted.step(1_000).await.unwrap();
    assert_eq!((summary.confirmed, summary.sent, summary.burned), (1, 0, 0), "recognised as landed, not sent again");
    assert_eq!(s.escrow_state().await, (1_000, DELEGATED - 1_000));
}

#[tokio::test]
async fn a_crash_before_the_burn_was_sent_returns_the_sessions_to_pending() {
    let s = Setup::start().await;
    s.sessions(s.escrow, &[250; 4]).await;
    // Recorded as sent, but the process dies before sending.
    assert_eq!(s.burner(180_000).plan(0).await.unwrap().0.len(), 1);

    let restarted = s.burner(180_000);
    assert_eq!(restarted.step(60_000).await.unwrap(), BurnSummary::default(), "too early to tell: nothing new is sent");
    let summary = restarted.step(200_000).await.unwrap();
    assert_eq!((summary.failed, summary.sent, summary.burned), (1, 1, 1_000), "failed, then batched again and burned");
    assert_eq!(s.escrow_state().await, (1_000, DELEGATED - 1_000));
    assert_eq!(restarted.step(400_000).await.unwrap(), BurnSummary::default());
}
