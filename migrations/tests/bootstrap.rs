//! The bootstrap against the programs: in an in-process bank by default, on a node with
//! `FIELDPROOF_RPC_URL` (`scripts/test-rpc.sh`, which also runs the device-tree test: the bank
//! has no Bubblegum).

use fieldproof_tests::world;
use anchor_spl::token_2022::spl_token_2022;
use anchor_spl::token_2022::spl_token_2022::extension::StateWithExtensions;
use world::World;
use fieldproof_migrations::{bootstrap, BootstrapError, KeyDir, NetworkPlan, Outcome, Report};
use fieldproof_sdk::data_credits::{DataCreditsConfig, PriceOracle};
use fieldproof_sdk::device_registry::{Maker, NetworkConfig};
use fieldproof_sdk::ownership::tree_depths;
use fieldproof_sdk::reward_pool::{self, Pool};
use fieldproof_sdk::treasury::Treasury;
use fieldproof_sdk::{Chain, Pubkey, SdkError, Threshold};
use solana_signer::Signer;

const MAKER_ID: &str = "Maker11111111111111111111111111111111111111";
const MAKER_KEY: &str = "MakerKey11111111111111111111111111111111111";

/// A plan for `oracles` (base-58 keys), with `extra` appended (more sections or keys).
fn plan_text(oracles: &[Pubkey], extra: &str) -> String {
    let list = |keys: &[Pubkey]| keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
    format!(
        r#"
[network_token]
decimals = 6
premint = 5000000

[treasury]
epoch_length_secs = 86400
initial_emission = 1000000
halving_interval_epochs = 365
max_supply = 1000000000000
timelock_secs = 600
breaker = {{ window_secs = 86400, max_amount = 2000000 }}

[data_credits]
price_submitters = [{submitters}]
min_submissions = 1
price_expo = -8
max_price_staleness_secs = 600
epoch_length_secs = 86400
breaker = {{ window_secs = 3600, max_amount = 1000000000 }}

[registry]
onboarding_fee = 50
location_fee = 10
metadata_uri = "https://fieldproof.example/device.json"

[[pools]]
id = 0
weight = 3
oracles = [{oracles}]
threshold = 2
dispute_window_secs = 60
breaker = {{ window_secs = 3600, max_bps = 500 }}

[[pools]]
id = 1
weight = 1
category = 1
oracles = [{oracles}]
threshold = 2
dispute_window_secs = 60
breaker = {{ window_secs = 3600, max_amount = 1000000 }}

[[makers]]
id = "{MAKER_ID}"
attestation_key = "{MAKER_KEY}"
quota = 100
{extra}"#,
        submitters = list(&oracles[..1]),
        oracles = list(oracles),
    )
}

fn oracles() -> Vec<Pubkey> {
    (0..3).map(|_| Pubkey::new_unique()).collect()
}

async fn run(world: &World, plan: &NetworkPlan, keys: &KeyDir) -> Result<Report, BootstrapError> {
    bootstrap(&world.client, &world.payer(), plan, keys, |_| {}).await
}

async fn lamports(world: &World, address: &Pubkey) -> u64 {
    world.client.chain().get_account(address).await.expect("chain").map_or(0, |a| a.lamports)
}

#[tokio::test]
async fn a_plan_becomes_a_network() {
    let world = World::start().await;
    let keys = tempfile::tempdir().unwrap();
    let oracles = oracles();
    let plan = NetworkPlan::parse(&plan_text(&oracles, "")).unwrap();
    let report = run(&world, &plan, &KeyDir::new(keys.path())).await.expect("bootstrap");
    assert!(report.steps.iter().all(|s| s.outcome == Outcome::Created), "{:?}", report.steps);
    let d = &report.deployment;
    let deployer = world.payer().pubkey();

    // The treasury holds the mint authority; the premint went to the deployer, once.
    let mint = world.client.chain().get_account(&d.network_mint).await.unwrap().expect("the mint");
    let mint = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&mint.data).unwrap().base;
    assert_eq!(mint.decimals, 6);
    assert_eq!(Option::<Pubkey>::from(mint.mint_authority), Some(d.treasury));
    let deployer_tokens = anchor_spl::associated_token::get_associated_token_address(&deployer, &d.network_mint);
    assert_eq!(world.token_balance(deployer_tokens).await, 5_000_000);

    // The treasury emits into the two pools' vaults, by weight and category, under the breaker.
    let treasury: Treasury = world.client.account(&d.treasury).await.unwrap();
    let recipients: Vec<_> = treasury.params.recipients.iter().map(|r| (r.token_account, r.weight, r.category)).collect();
    assert_eq!(recipients, [(reward_pool::vault_address(&d.pools[0]), 3, 0), (reward_pool::vault_address(&d.pools[1]), 1, 1)]);
    assert_eq!(treasury.params.schedule.initial_emission, 1_000_000);
    assert_eq!(treasury.params.breaker.threshold, Threshold::Absolute(2_000_000));
    assert_eq!((treasury.authority, treasury.params.dc_config), (deployer, d.dc_config));

    // Pools: the oracle set, threshold, the guardian (the key directory's, never the deployer
    // that holds the authority), dispute window, time lock.
    let guardian = solana_keypair::read_keypair_file(keys.path().join("guardian.json")).expect("the guardian's key").pubkey();
    assert_ne!(guardian, deployer);
    assert_eq!(d.guardian, guardian);
    let pool: Pool = world.client.account(&d.pools[0]).await.unwrap();
    assert_eq!((pool.oracles.keys(), pool.oracles.threshold), (oracles.as_slice(), 2));
    assert_eq!((pool.guardian, pool.authority, pool.dispute_window_secs), (guardian, deployer, 60));
    assert_eq!((pool.network, pool.timelock_secs), (d.network, fieldproof_migrations::DEFAULT_TIMELOCK_SECS));
    assert_eq!(pool.breaker.config.threshold, Threshold::Percent(500));
    assert_eq!(treasury.guardian, guardian);

    // Data credits count epochs from the treasury's start, priced by the submitter.
    let dc: DataCreditsConfig = world.client.account(&d.dc_config).await.unwrap();
    assert_eq!((dc.epoch_start, dc.burn_authority, dc.dc_mint), (treasury.params.schedule.start_ts, deployer, d.dc_mint));
    assert_eq!((dc.authority, dc.guardian, dc.epoch_length_secs), (deployer, guardian, treasury.params.schedule.epoch_length_secs));
    let price: PriceOracle = world.client.account(&fieldproof_sdk::data_credits::price_oracle_address(&d.dc_config)).await.unwrap();
    assert_eq!((price.submitters(), price.min_submissions, price.expo), (&oracles[..1], 1, -8));

    let network: NetworkConfig = world.client.account(&d.network).await.unwrap();
    assert_eq!((network.onboarding_fee, network.location_fee, network.dc_mint, network.authority), (50, 10, d.dc_mint, deployer));
    let maker: Maker = world.client.account(&d.makers[0]).await.unwrap();
    assert_eq!((maker.id.to_string(), maker.attestation_key.to_string(), maker.quota, maker.approved), (MAKER_ID.into(), MAKER_KEY.into(), 100, true));
    assert_eq!(d.device_tree, None);
}

#[tokio::test]
async fn a_second_run_sends_nothing_and_says_so() {
    let world = World::start().await;
    let keys = tempfile::tempdir().unwrap();
    let plan = NetworkPlan::parse(&plan_text(&oracles(), "")).unwrap();
    let first = run(&world, &plan, &KeyDir::new(keys.path())).await.expect("bootstrap");
    let deployer = world.payer().pubkey();
    let before = lamports(&world, &deployer).await;

    let second = run(&world, &plan, &KeyDir::new(keys.path())).await.expect("second run");
    assert!(!second.changed());
    assert!(second.steps.iter().all(|s| s.outcome == Outcome::Unchanged), "{:?}", second.steps);
    assert_eq!(second.deployment, first.deployment);
    assert_eq!(lamports(&world, &deployer).await, before, "the second run paid for something");
}

#[tokio::test]
async fn a_run_cut_short_is_finished_by_the_next() {
    let world = World::start().await;
    let keys = tempfile::tempdir().unwrap();
    let oracles = oracles();
    // The second pool's oracle set repeats a key: the program refuses it, after the mint, the
    // data-credits config and its price oracle, the device network and the first pool.
    let all = format!("oracles = [\"{}\", \"{}\", \"{}\"]\nthreshold = 2\ndispute_window_secs = 60\nbreaker = {{ window_secs = 3600, max_amount", oracles[0], oracles[1], oracles[2]);
    let repeated = format!("oracles = [\"{}\", \"{}\", \"{}\"]\nthreshold = 2\ndispute_window_secs = 60\nbreaker = {{ window_secs = 3600, max_amount", oracles[0], oracles[0], oracles[1]);
    let broken = plan_text(&oracles, "").replacen(&all, &repeated, 1);
    assert_ne!(broken, plan_text(&oracles, ""));
    let broken = NetworkPlan::parse(&broken).unwrap();
    let mut seen = Vec::new();
    let stopped = bootstrap(&world.client, &world.payer(), &broken, &KeyDir::new(keys.path()), |s| seen.push(s.clone())).await;
    assert!(matches!(stopped, Err(BootstrapError::Sdk(SdkError::Program { .. }))), "{stopped:?}");
    let created = [&Outcome::Created; 5];
    assert_eq!(seen.iter().map(|s| s.what.as_str()).collect::<Vec<_>>(), ["network token mint", "data credits", "DC price oracle", "device network", "reward pool 0"]);
    assert_eq!(seen.iter().map(|s| &s.outcome).collect::<Vec<_>>(), created);

    let plan = NetworkPlan::parse(&plan_text(&oracles, "")).unwrap();
    let report = run(&world, &plan, &KeyDir::new(keys.path())).await.expect("the rerun");
    let outcomes: Vec<_> = report.steps.iter().map(|s| &s.outcome).collect();
    assert_eq!(outcomes[..5], [&Outcome::Unchanged; 5]);
    assert!(outcomes[5..].iter().all(|o| **o == Outcome::Created), "{outcomes:?}");
    assert_eq!(report.deployment.network_mint, seen[0].address, "the rerun found the mint's key");
}

#[tokio::test]
async fn a_changed_plan_updates_what_may_change_and_reports_the_rest() {
    let world = World::start().await;
    let keys = tempfile::tempdir().unwrap();
    let oracles = oracles();
    let text = plan_text(&oracles, "");
    run(&world, &NetworkPlan::parse(&text).unwrap(), &KeyDir::new(keys.path())).await.expect("bootstrap");

    // Fees and makers change directly; an oracle set, the schedule and the price submitters only
    // through the programs' time-locked proposals, which the bootstrap does not make.
    let changed = text
        .replace("onboarding_fee = 50", "onboarding_fee = 60")
        .replace("quota = 100", "quota = 200")
        .replacen("threshold = 2", "threshold = 3", 1)
        .replace("initial_emission = 1000000", "initial_emission = 900000")
        .replace(&format!("price_submitters = [\"{}\"]", oracles[0]), &format!("price_submitters = [\"{}\", \"{}\"]", oracles[0], oracles[1]));
    let report = run(&world, &NetworkPlan::parse(&changed).unwrap(), &KeyDir::new(keys.path())).await.expect("second run");
    let outcome = |what: &str| report.steps.iter().find(|s| s.what.starts_with(what)).map(|s| s.outcome.clone()).unwrap();
    assert_eq!(outcome("device network"), Outcome::Updated);
    assert_eq!(outcome("maker"), Outcome::Updated);
    assert!(matches!(outcome("reward pool 0"), Outcome::Differs(why) if why.contains("threshold: on chain 2, in the plan 3")));
    assert!(matches!(outcome("treasury"), Outcome::Differs(why) if why.contains("initial_emission: 1000000")));
    assert_eq!(outcome("reward pool 1"), Outcome::Unchanged);
    assert!(matches!(outcome("DC price oracle"), Outcome::Differs(why) if why.contains("price submitters")));

    let network: NetworkConfig = world.client.account(&report.deployment.network).await.unwrap();
    let maker: Maker = world.client.account(&report.deployment.makers[0]).await.unwrap();
    assert_eq!((network.onboarding_fee, maker.quota), (60, 200));
    let price: PriceOracle = world.client.account(&fieldproof_sdk::data_credits::price_oracle_address(&report.deployment.dc_config)).await.unwrap();
    assert_eq!(price.submitters(), &oracles[..1], "a differing submitter set is reported, not changed");
    let pool: Pool = world.client.account(&report.deployment.pools[0]).await.unwrap();
    assert_eq!(pool.oracles.threshold, 2, "a differing oracle set is reported, not changed");
}

#[tokio::test]
#[ignore = "needs Bubblegum and account compression on the node: scripts/test-rpc.sh"]
async fn the_device_tree_is_created_once_and_handed_to_the_network() {
    let world = World::start().await;
    let keys = tempfile::tempdir().unwrap();
    let plan = NetworkPlan::parse(&plan_text(&oracles(), "").replacen(
        "[[pools]]",
        "device_tree = { max_depth = 14, max_buffer_size = 64 }\n\n[[pools]]",
        1,
    ))
    .unwrap();
    let report = run(&world, &plan, &KeyDir::new(keys.path())).await.expect("bootstrap");
    let tree = report.deployment.device_tree.expect("a tree");
    let network: NetworkConfig = world.client.account(&report.deployment.network).await.unwrap();
    assert_eq!(network.active_tree, tree);
    // The default canopy leaves ownership proofs of six nodes: one-transaction claims.
    let data = world.client.chain().get_account(&tree).await.unwrap().expect("the tree account").data;
    assert_eq!(tree_depths(&data), Some((14, 8)));

    let again = run(&world, &plan, &KeyDir::new(keys.path())).await.expect("second run");
    assert!(!again.changed(), "{:?}", again.steps);
    let deeper = NetworkPlan::parse(&plan_text(&oracles(), "").replacen("[[pools]]", "device_tree = { max_depth = 15, max_buffer_size = 64 }\n\n[[pools]]", 1)).unwrap();
    let drift = run(&world, &deeper, &KeyDir::new(keys.path())).await;
    // Another plan's oracles differ too; the tree's shape is what matters here.
    let tree_step = drift.expect("third run").steps.into_iter().find(|s| s.what == "device tree").unwrap();
    assert!(matches!(tree_step.outcome, Outcome::Differs(why) if why.contains("depth and canopy")));
}

#[test]
fn plans_with_mistakes_are_refused_with_the_reason() {
    let oracles = oracles();
    let refused = |text: String| match NetworkPlan::parse(&text) {
        Err(BootstrapError::Plan(why)) => why,
        other => panic!("accepted or failed otherwise: {other:?}"),
    };
    assert!(refused(plan_text(&oracles, "typo = 1")).contains("unknown field `typo`"));
    assert!(refused(plan_text(&oracles, "").replace(MAKER_KEY, "not-a-key")).contains("`not-a-key` is not a base-58 public key"));
    assert!(refused(plan_text(&oracles, "").replacen("threshold = 2", "threshold = 4", 1)).contains("pools[0]: threshold 4 of 3 oracles"));
    assert!(refused(plan_text(&oracles, "").replacen("threshold = 2", "threshold = 1", 1)).contains("pools[0]: threshold 1 of 3 oracles is not a majority of at least 2"));
    assert!(refused(plan_text(&oracles, "").replace("max_amount = 1000000000 }", "max_bps = 1000 }")).contains("data_credits.breaker: a mint's breaker needs max_amount"));
    let mismatched = plan_text(&oracles, "").replacen("epoch_length_secs = 86400\ninitial_emission", "epoch_length_secs = 3600\ninitial_emission", 1);
    assert!(refused(mismatched).contains("must be the treasury's"));
    assert!(refused(plan_text(&oracles, "").replace("max_bps = 500", "max_bps = 500, max_amount = 5")).contains("exactly one of max_amount and max_bps"));
    assert!(refused(plan_text(&oracles, "").replace("id = 1", "id = 0")).contains("pools[1]: id 0 appears twice"));
    assert!(refused(plan_text(&oracles, "").replace("min_submissions = 1", "min_submissions = 2")).contains("min_submissions 2 of 1"));
    let deep_canopy = plan_text(&oracles, "").replacen("[[pools]]", "device_tree = { max_depth = 10, max_buffer_size = 8, canopy_depth = 10 }\n\n[[pools]]", 1);
    assert!(refused(deep_canopy).contains("canopy 10 for depth 10"));
}

#[test]
fn the_localnet_plan_is_valid() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("localnet.toml");
    let plan = NetworkPlan::load(&path).expect("migrations/localnet.toml");
    assert!(plan.registry.device_tree.is_some() && !plan.makers.is_empty());
}

#[tokio::test]
async fn a_revoked_maker_is_reported_not_re_approved() {
    let world = World::start().await;
    let keys = tempfile::tempdir().unwrap();
    let plan = NetworkPlan::parse(&plan_text(&oracles(), "")).unwrap();
    let report = run(&world, &plan, &KeyDir::new(keys.path())).await.expect("bootstrap");
    let id: Pubkey = MAKER_ID.parse().unwrap();
    let revoke = fieldproof_sdk::device_registry::revoke_maker(&report.deployment.network, &world.payer().pubkey(), &id);
    world.send(&[revoke], &[]).await.expect("revoke");

    let again = run(&world, &plan, &KeyDir::new(keys.path())).await.expect("second run");
    let maker = again.steps.iter().find(|s| s.what.starts_with("maker")).unwrap();
    assert!(matches!(&maker.outcome, Outcome::Differs(why) if why.starts_with("revoked on chain")), "{maker:?}");
    let onchain: Maker = world.client.account(&report.deployment.makers[0]).await.unwrap();
    assert!(!onchain.approved, "the bootstrap re-approved a revoked maker");
}
