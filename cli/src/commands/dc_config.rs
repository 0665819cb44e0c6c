//! `fieldproof dc-config tighten|propose|apply|cancel|raise-timelock`: the data-credits
//! configuration's price source, price staleness and breaker. Tightening applies at once;
//! loosening waits out the time lock, which the guardian can cancel; the time lock only rises.
use clap::{Args, Subcommand};
use fieldproof_sdk::data_credits::{self, DataCreditsConfig, PriceSource, Settings};
use fieldproof_sdk::{Chain, OwnershipSource};
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::{address, breaker_text, BreakerChange};
use crate::output::{hex, Outcome};
use crate::{keypair, Context};

/// The data-credits configuration's settings (see docs/security.md, "Tightening or loosening").
#[derive(Debug, Subcommand)]
pub enum DcConfigAction {
    /// (authority) Apply at once a change that only tightens: a shorter staleness limit, a tighter
    /// breaker (refused by name when any part loosens).
    Tighten(SettingsChange),
    /// (authority) Propose any change; it may be applied once the time lock has passed.
    Propose(SettingsChange),
    /// (authority) Apply the proposed settings once the time lock has passed.
    Apply(ConfigArg),
    /// (guardian or authority) Cancel the proposed settings.
    Cancel(ConfigArg),
    /// (authority) Raise the time lock at once (it never falls).
    RaiseTimelock {
        #[command(flatten)]
        config: ConfigArg,
        /// The new time lock, in seconds.
        #[arg(long)]
        secs: i64,
    },
}

/// The configuration a command acts on.
#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The data-credits configuration's address.
    #[arg(long)]
    pub dc_config: String,
}

/// The configuration's current settings, with those given replaced.
#[derive(Debug, Args)]
pub struct SettingsChange {
    #[command(flatten)]
    config: ConfigArg,
    /// A price older than this many seconds is refused.
    #[arg(long)]
    max_price_staleness_secs: Option<i64>,
    /// Take the price from Pyth's feed of this id (64 hex digits).
    #[arg(long, conflicts_with = "quorum_price_oracle")]
    pyth_feed_id: Option<String>,
    /// Take the price from this quorum price oracle account (the configuration's own).
    #[arg(long)]
    quorum_price_oracle: Option<String>,
    #[command(flatten)]
    breaker: BreakerChange,
}

impl SettingsChange {
    fn settings(&self, config: &DataCreditsConfig) -> Result<Settings, Failure> {
        let price_source = match (&self.pyth_feed_id, &self.quorum_price_oracle) {
            (Some(feed), _) => {
                let bytes = (0..feed.len()).step_by(2).map(|i| feed.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect::<Option<Vec<u8>>>();
                let feed_id = bytes.and_then(|b| <[u8; 32]>::try_from(b).ok()).ok_or_else(|| Failure::BadInput(format!("a Pyth feed id is 64 hex digits: {feed:?}")))?;
                PriceSource::Pyth { feed_id }
            }
            (None, Some(oracle)) => PriceSource::Quorum { oracle: address("quorum price oracle", oracle)? },
            (None, None) => config.price_source,
        };
        Ok(Settings {
            price_source,
            max_price_staleness_secs: self.max_price_staleness_secs.unwrap_or(config.max_price_staleness_secs),
            breaker: self.breaker.applied_to(config.breaker.config),
        })
    }
}

pub async fn dc_config<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, action: &DcConfigAction) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    let key = signer.pubkey();
    let config_address = address(
        "data-credits configuration",
        match action {
            DcConfigAction::Tighten(change) | DcConfigAction::Propose(change) => &change.config.dc_config,
            DcConfigAction::Apply(ConfigArg { dc_config }) | DcConfigAction::Cancel(ConfigArg { dc_config }) => dc_config,
            DcConfigAction::RaiseTimelock { config, .. } => &config.dc_config,
        },
    )?;
    let config: DataCreditsConfig = ctx.client.account(&config_address).await?;
    let (verb, ix) = match action {
        DcConfigAction::Tighten(change) => ("tightened", data_credits::tighten_config(&config_address, &key, change.settings(&config)?)),
        DcConfigAction::Propose(change) => ("change proposed", data_credits::propose_config(&config_address, &key, change.settings(&config)?)),
        DcConfigAction::Apply(_) => ("change applied", data_credits::apply_config(&config_address, &key)),
        DcConfigAction::Cancel(_) => ("change cancelled", data_credits::cancel_config(&config_address, &key)),
        DcConfigAction::RaiseTimelock { secs, .. } => ("time lock raised", data_credits::raise_timelock(&config_address, &key, *secs)),
    };
    let signature = ctx.client.send(&[ix], &signer, &[]).await?;
    let now: DataCreditsConfig = ctx.client.account(&config_address).await?;
    let current = Settings { price_source: now.price_source, max_price_staleness_secs: now.max_price_staleness_secs, breaker: now.breaker.config };
    let (text, settings) = settings_text(&current);
    let mut human = format!("data-credits configuration {config_address}: {verb}\n  in force    {text}, time lock {} s\n", now.timelock_secs);
    let proposed = now.pending_settings.as_ref().map(|p| {
        let (text, json) = settings_text(&p.settings);
        human.push_str(&format!("  proposed    {text}, applicable from unix time {}\n", p.applicable_at));
        json!({"settings": json, "applicable_at": p.applicable_at})
    });
    human.push_str(&format!("{signature}\n"));
    Ok(Outcome {
        human,
        json: json!({
            "dc_config": config_address.to_string(), "settings": settings, "timelock_secs": now.timelock_secs,
            "proposed": proposed, "transaction": signature.to_string(),
        }),
    })
}

/// Settings for people and for scripts.
fn settings_text(settings: &Settings) -> (String, Value) {
    let (breaker, breaker_json) = breaker_text(&settings.breaker);
    let (source, source_json) = match settings.price_source {
        PriceSource::Pyth { feed_id } => (format!("Pyth feed {}", hex(&feed_id)), json!({"pyth_feed_id": hex(&feed_id)})),
        PriceSource::Quorum { oracle } => (format!("quorum oracle {oracle}"), json!({"quorum_price_oracle": oracle.to_string()})),
    };
    let text = format!("price from {source}, at most {} s old, breaker {breaker}", settings.max_price_staleness_secs);
    (text, json!({"price_source": source_json, "max_price_staleness_secs": settings.max_price_staleness_secs, "breaker": breaker_json}))
}

