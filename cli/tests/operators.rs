//! A network's operators from the command line, on a network bootstrapped from the local plan (its
//! time locks shortened): the treasury's parameters through the time lock the guardian can cancel,
//! makers approved and revoked, data credits bought and delegated, the roles of the data-credits
//! configuration and the device network handed over. Every refusal is the program's, by name. In
//! process by default; on solana-test-validator under `scripts/test-rpc.sh`.
mod support;

use std::path::PathBuf;

use fieldproof_sdk::data_credits::{self, DataCreditsConfig};
use fieldproof_sdk::device_registry::NetworkConfig;
use fieldproof_sdk::treasury::Treasury;
use fieldproof_sdk::Pubkey;
use fieldproof_tests::device_network::TreeMirror;
use fieldproof_tests::keys;
use fieldproof_tests::world::World;
use serde_json::Value;
use solana_signer::Signer;
use support::{command, fund, refusal, run, KeyFiles};

/// Seconds every time lock of the plan waits here (600 on the local network).
const TIMELOCK_SECS: i64 = 6;

/// The local network's plan without its device tree (the in-process bank has no Bubblegum), its
/// time locks shortened, bootstrapped by the deployer; the guardian's and a stranger's keypair files.
struct Deployed {
    world: World,
    files: KeyFiles,
    deployment: Value,
    deployer: PathBuf,
    guardian: PathBuf,
    stranger: PathBuf,
}

impl Deployed {
    async fn new() -> Self {
        let world = World::start().await;
        let files = KeyFiles::new();
        let deployer = files.write("deployer", &world.payer());
        let plan = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/localnet.toml")).unwrap();
        let plan: Vec<&str> = plan.lines().filter(|line| !line.starts_with("device_tree")).collect();
        let plan = plan.join("\n").replace("timelock_secs = 600", &format!("timelock_secs = {TIMELOCK_SECS}"));
        std::fs::write(files.file("net.toml"), plan).unwrap();
        let plan_path = files.file("net.toml").display().to_string();
        let deployment = run(&world, &TreeMirror::default(), &deployer, &command(&["bootstrap", "--plan", &plan_path])).await.expect("bootstrap").json;
        let guardian = files.file("net-keys/guardian.json");
        fund(&world, &solana_keypair::read_keypair_file(&guardian).unwrap()).await;
        let stranger = keys::keypair();
        fund(&world, &stranger).await;
        let stranger = files.write("stranger", &stranger);
        Self { world, files, deployment, deployer, guardian, stranger }
    }

    /// `fieldproof <args>` signed by `keypair`.
    async fn run(&self, keypair: &std::path::Path, args: &[&str]) -> Result<fieldproof_cli::Outcome, fieldproof_cli::Failure> {
        run(&self.world, &TreeMirror::default(), keypair, &command(args)).await
    }

    /// An address the bootstrap printed.
    fn address(&self, field: &str) -> String {
        self.deployment[field].as_str().unwrap_or_else(|| panic!("the bootstrap printed no {field}")).to_string()
    }

    async fn account<T: anchor_lang::AccountDeserialize + anchor_lang::Owner>(&self, field: &str) -> T {
        self.world.client.account(&self.address(field).parse::<Pubkey>().unwrap()).await.unwrap()
    }
}

#[tokio::test]
async fn treasury_parameters_wait_out_the_time_lock_and_the_guardian_can_cancel_them() {
    let d = Deployed::new().await;
    let t = d.address("treasury");
    let propose = ["treasury-params", "propose", "--treasury", &t, "--halving-interval-epochs", "100", "--usage-bps", "2500"];
    let before = d.account::<Treasury>("treasury").await.params;

    assert_eq!(refusal(d.run(&d.stranger, &propose).await, "treasury"), "NotAuthority");
    let proposed = d.run(&d.deployer, &propose).await.expect("proposed");
    assert_eq!((proposed.json["proposed"]["params"]["halving_interval_epochs"].as_u64(), proposed.json["proposed"]["params"]["usage_bps"].as_u64()), (Some(100), Some(2_500)));
    assert_eq!(proposed.json["params"]["halving_interval_epochs"], before.schedule.halving_interval_epochs, "in force: unchanged");
    assert_eq!(refusal(d.run(&d.stranger, &["treasury-params", "cancel", "--treasury", &t]).await, "treasury"), "NotAuthorityOrGuardian");
    d.run(&d.guardian, &["treasury-params", "cancel", "--treasury", &t]).await.expect("the guardian cancels");
    assert_eq!(refusal(d.run(&d.guardian, &["treasury-params", "cancel", "--treasury", &t]).await, "treasury"), "NoPendingChange");

    d.run(&d.deployer, &propose).await.expect("proposed again");
    assert_eq!(refusal(d.run(&d.deployer, &["treasury-params", "apply", "--treasury", &t]).await, "treasury"), "TimeLockNotElapsed");
    d.world.advance_clock(TIMELOCK_SECS + 1).await;
    let applied = d.run(&d.deployer, &["--json", "treasury-params", "apply", "--treasury", &t]).await.expect("applied");
    assert!(applied.json["proposed"].is_null());
    let after = d.account::<Treasury>("treasury").await.params;
    assert_eq!((after.schedule.halving_interval_epochs, after.usage_bps), (100, 2_500));
    assert_eq!((after.recipients, after.breaker, after.schedule.initial_emission), (before.recipients, before.breaker, before.schedule.initial_emission), "only what was given changed");

    // The treasury's guardian role: a successor proposed, then withdrawn by the guardian.
    let successor = keys::pubkey().to_string();
    d.run(&d.deployer, &["role", "propose", "--treasury", &t, "--role", "guardian", "--to", &successor]).await.expect("proposed");
    let withdrawn = d.run(&d.guardian, &["role", "cancel", "--treasury", &t, "--role", "guardian"]).await.expect("the guardian cancels");
    assert!(withdrawn.json["holders"]["pending_guardian"].is_null());
}

#[tokio::test]
async fn makers_data_credits_and_the_networks_roles() {
    let d = Deployed::new().await;
    let (network, dc_config) = (d.address("network"), d.address("dc_config"));

    // Makers: approved and revoked by the network's authority only.
    let (id, attestation) = (keys::pubkey().to_string(), keys::pubkey().to_string());
    let approve = ["maker", "approve", "--network", &network, "--id", &id, "--attestation-key", &attestation, "--quota", "5"];
    assert_eq!(refusal(d.run(&d.stranger, &approve).await, "device_registry"), "NotAuthority");
    let approved = d.run(&d.deployer, &approve).await.expect("approved");
    assert_eq!((approved.json["active"].as_bool(), approved.json["quota"].as_u64(), approved.json["attestation_key"].as_str()), (Some(true), Some(5), Some(attestation.as_str())));
    let revoked = d.run(&d.deployer, &["maker", "revoke", "--network", &network, "--id", &id]).await.expect("revoked");
    assert_eq!(revoked.json["active"], false);

    // Data credits, at the price the local oracle submits: bought with the premint, delegated.
    let submitter = solana_keypair::read_keypair_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/localnet/oracle-1.json")).unwrap();
    let config: Pubkey = dc_config.parse().unwrap();
    d.world.send(&[data_credits::submit_price(&submitter.pubkey(), &config, 150_000_000)], &[&submitter]).await.expect("price");
    let bought = d.run(&d.deployer, &["buy-dc", "--network", &network, "--amount", "1000000"]).await.expect("bought");
    let dc = bought.json["dc"].as_u64().unwrap();
    assert!(dc > 0, "{}", bought.json);
    let dc_mint = d.account::<DataCreditsConfig>("dc_config").await.dc_mint;
    let deployer = solana_keypair::read_keypair_file(&d.deployer).unwrap().pubkey();
    assert_eq!(d.world.token_balance(data_credits::dc_account_address(&deployer, &dc_mint)).await, dc);
    assert_eq!(refusal(d.run(&d.deployer, &["buy-dc", "--network", &network, "--amount", "0"]).await, "data_credits"), "ZeroAmount");

    let router = keys::pubkey().to_string();
    let delegated = d.run(&d.deployer, &["delegate-dc", "--network", &network, "--amount", "10", "--router", &router]).await.expect("delegated");
    assert_eq!((delegated.json["held"].as_u64(), delegated.json["burned"].as_u64()), (Some(10), Some(0)));
    assert_eq!(d.world.token_balance(data_credits::dc_account_address(&deployer, &dc_mint)).await, dc - 10);
    assert_eq!(refusal(d.run(&d.deployer, &["delegate-dc", "--network", &network, "--amount", "0", "--router", &router]).await, "data_credits"), "ZeroAmount");

    // A new burn authority waits out the time lock, and the guardian withdraws it.
    let burner = keys::pubkey().to_string();
    let proposed = d.run(&d.deployer, &["role", "propose", "--dc-config", &dc_config, "--role", "burn-authority", "--to", &burner]).await.expect("proposed");
    assert_eq!(proposed.json["holders"]["pending_burn_authority"]["key"], burner.as_str());
    let cancelled = d.run(&d.guardian, &["role", "cancel", "--dc-config", &dc_config, "--role", "burn-authority"]).await.expect("cancelled");
    assert!(cancelled.json["holders"]["pending_burn_authority"].is_null());

    // The network's authority hands over at once, in two steps; the old one approves nothing more.
    let heir = keys::keypair();
    fund(&d.world, &heir).await;
    let heir_file = d.files.write("heir", &heir);
    let heir_key = heir.pubkey().to_string();
    d.run(&d.deployer, &["role", "propose", "--network", &network, "--role", "authority", "--to", &heir_key]).await.expect("proposed");
    assert_eq!(refusal(d.run(&d.stranger, &["role", "accept", "--network", &network, "--role", "authority"]).await, "device_registry"), "NotPendingHolder");
    d.run(&heir_file, &["role", "accept", "--network", &network, "--role", "authority"]).await.expect("accepted");
    assert_eq!(d.account::<NetworkConfig>("network").await.authority, heir.pubkey());
    assert_eq!(refusal(d.run(&d.deployer, &approve).await, "device_registry"), "NotAuthority");
    let guardian_role = d.run(&heir_file, &["role", "propose", "--network", &network, "--role", "guardian", "--to", &heir_key]).await.unwrap_err();
    assert_eq!(guardian_role.exit_code(), 3, "a network has no guardian: {guardian_role}");
}

#[tokio::test]
async fn data_credit_settings_submitters_withdrawals_and_device_status() {
    let d = Deployed::new().await;
    let (network, c) = (d.address("network"), d.address("dc_config"));

    // Settings: a shorter staleness limit applies at once, a longer one is refused by name; a new
    // price source waits out the time lock and the guardian cancels it; the time lock only rises.
    let tightened = d.run(&d.deployer, &["dc-config", "tighten", "--dc-config", &c, "--max-price-staleness-secs", "1800"]).await.expect("tightened");
    assert_eq!(tightened.json["settings"]["max_price_staleness_secs"], 1_800);
    let looser = ["dc-config", "tighten", "--dc-config", &c, "--max-price-staleness-secs", "3600"];
    assert_eq!(refusal(d.run(&d.deployer, &looser).await, "data_credits"), "ChangeLoosensSafety");
    let feed = "07".repeat(32);
    let proposed = d.run(&d.deployer, &["dc-config", "propose", "--dc-config", &c, "--pyth-feed-id", &feed]).await.expect("proposed");
    assert_eq!(proposed.json["proposed"]["settings"]["price_source"]["pyth_feed_id"], feed.as_str());
    assert!(proposed.json["settings"]["price_source"]["quorum_price_oracle"].is_string(), "in force: unchanged");
    assert_eq!(refusal(d.run(&d.deployer, &["dc-config", "apply", "--dc-config", &c]).await, "data_credits"), "TimeLockNotElapsed");
    assert_eq!(refusal(d.run(&d.stranger, &["dc-config", "cancel", "--dc-config", &c]).await, "data_credits"), "NotAuthorityOrGuardian");
    let cancelled = d.run(&d.guardian, &["dc-config", "cancel", "--dc-config", &c]).await.expect("the guardian cancels");
    assert!(cancelled.json["proposed"].is_null());
    let higher = (TIMELOCK_SECS + 1).to_string();
    d.run(&d.deployer, &["dc-config", "raise-timelock", "--dc-config", &c, "--secs", &higher]).await.expect("raised");
    let same = ["dc-config", "raise-timelock", "--dc-config", &c, "--secs", &higher];
    assert_eq!(refusal(d.run(&d.deployer, &same).await, "data_credits"), "TimeLockNotRaised");

    // Price submitters: only the authority proposes, not before the time lock applies, the guardian cancels.
    let (k1, k2, k3) = (keys::pubkey().to_string(), keys::pubkey().to_string(), keys::pubkey().to_string());
    let propose = ["price-submitters", "propose", "--dc-config", &c, "--submitter", &k1, "--submitter", &k2, "--submitter", &k3, "--min-submissions", "2"];
    assert_eq!(refusal(d.run(&d.stranger, &propose).await, "data_credits"), "NotAuthority");
    let proposed = d.run(&d.deployer, &propose).await.expect("proposed");
    assert_eq!((proposed.json["proposed"]["min_submissions"].as_u64(), proposed.json["min_submissions"].as_u64()), (Some(2), Some(1)));
    assert_eq!(refusal(d.run(&d.deployer, &["price-submitters", "apply", "--dc-config", &c]).await, "data_credits"), "TimeLockNotElapsed");
    let cancelled = d.run(&d.guardian, &["price-submitters", "cancel", "--dc-config", &c]).await.expect("the guardian cancels");
    assert!(cancelled.json["proposed"].is_null());

    // A payer's delegated DC: notice given; nothing taken back before the notice has passed.
    let submitter = solana_keypair::read_keypair_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/localnet/oracle-1.json")).unwrap();
    d.world.send(&[data_credits::submit_price(&submitter.pubkey(), &c.parse().unwrap(), 150_000_000)], &[&submitter]).await.expect("price");
    d.run(&d.deployer, &["buy-dc", "--network", &network, "--amount", "1000000"]).await.expect("bought");
    let router = keys::pubkey().to_string();
    d.run(&d.deployer, &["delegate-dc", "--network", &network, "--amount", "10", "--router", &router]).await.expect("delegated");
    let take = ["withdraw-dc", "take", "--network", &network, "--router", &router];
    assert_eq!(refusal(d.run(&d.deployer, &take).await, "data_credits"), "WithdrawalNotDue");
    let requested = d.run(&d.deployer, &["withdraw-dc", "request", "--network", &network, "--router", &router]).await.expect("requested");
    assert_eq!(requested.json["held"], 10);
    assert!(requested.json["withdrawable_at"].as_i64().unwrap() > d.world.clock().await.unix_timestamp, "after the notice");
    assert_eq!(refusal(d.run(&d.deployer, &take).await, "data_credits"), "WithdrawalNotDue");
    let stranger_router = keys::pubkey().to_string();
    let none = d.run(&d.deployer, &["withdraw-dc", "request", "--network", &network, "--router", &stranger_router]).await.unwrap_err();
    assert_eq!(none.exit_code(), 5, "no escrow for that router: {none}");

    // A device status names a device the network has (this network has none: the bank has no Bubblegum).
    let unknown = d.run(&d.deployer, &["device-status", "--network", &network, "--device-key", &keys::pubkey().to_string(), "--status", "inactive"]).await.unwrap_err();
    assert_eq!(unknown.exit_code(), 5, "{unknown}");
}
