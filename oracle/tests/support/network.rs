//! A network bootstrapped from a plan in the in-process bank: the chain side of the quorum and
//! usage-burn tests.
use fieldproof_migrations::NetworkPlan;
use fieldproof_sdk::Pubkey;

/// Epochs of the treasury and data credits, in seconds.
pub const EPOCH_SECS: i64 = 1_800;

/// Two pools (weights 3 and 1) with `oracles`, 2 of which must sign, and no dispute window; the
/// deployer holds a premint of network tokens, and `price_submitter` prices data credits.
pub fn plan(oracles: &[Pubkey], price_submitter: &Pubkey) -> NetworkPlan {
    let all = oracles.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
    NetworkPlan::parse(&format!(
        r#"
[network_token]
decimals = 6
premint = 1000000000000

[treasury]
epoch_length_secs = {EPOCH_SECS}
initial_emission = 1000000
halving_interval_epochs = 365
max_supply = 1000000000000000
timelock_secs = 600
breaker = {{ window_secs = 86400, max_amount = 100000000 }}

[data_credits]
price_submitters = ["{price_submitter}"]
min_submissions = 1
price_expo = -8
max_price_staleness_secs = 600
epoch_length_secs = {EPOCH_SECS}
breaker = {{ window_secs = 3600, max_amount = 1000000000000 }}

[registry]
onboarding_fee = 50
location_fee = 10
metadata_uri = "https://fieldproof.example/device.json"

[[pools]]
id = 0
weight = 3
oracles = [{all}]
threshold = 2
dispute_window_secs = 0
breaker = {{ window_secs = 3600, max_bps = 5000 }}

[[pools]]
id = 1
weight = 1
category = 1
oracles = [{all}]
threshold = 2
dispute_window_secs = 0
breaker = {{ window_secs = 3600, max_bps = 5000 }}
"#
    ))
    .unwrap()
}
