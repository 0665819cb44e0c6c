//! `fieldproof price-submitters propose|apply|cancel`: the keys whose median is the DC price of a
//! quorum-priced network change only through the time lock, which the guardian can cancel.
use clap::Subcommand;
use fieldproof_sdk::data_credits::{self, DataCreditsConfig, PriceOracle};
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey};
use serde_json::json;
use solana_signer::Signer;

use super::dc_config::ConfigArg;
use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::{keypair, Context};

/// A quorum price oracle's submitters.
#[derive(Debug, Subcommand)]
pub enum PriceSubmittersAction {
    /// (authority) Propose a new set of price submitters and how many fresh prices a price needs.
    Propose {
        #[command(flatten)]
        config: ConfigArg,
        /// A submitter's key, repeated for each.
        #[arg(long = "submitter", required = true)]
        submitters: Vec<String>,
        /// Fewest fresh submissions a price needs.
        #[arg(long)]
        min_submissions: u8,
    },
    /// (authority) Apply the proposed set once the time lock has passed.
    Apply(ConfigArg),
    /// (guardian or authority) Cancel the proposed set.
    Cancel(ConfigArg),
}

pub async fn price_submitters<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, action: &PriceSubmittersAction) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    let key = signer.pubkey();
    let (config, verb, ix) = match action {
        PriceSubmittersAction::Propose { config, submitters, min_submissions } => {
            let config = address("data-credits configuration", &config.dc_config)?;
            let submitters = submitters.iter().map(|k| address("submitter", k)).collect::<Result<Vec<_>, _>>()?;
            (config, "proposed", data_credits::propose_price_submitters(&key, &config, submitters, *min_submissions))
        }
        PriceSubmittersAction::Apply(ConfigArg { dc_config }) => {
            let config = address("data-credits configuration", dc_config)?;
            (config, "applied", data_credits::apply_price_submitters(&key, &config))
        }
        PriceSubmittersAction::Cancel(ConfigArg { dc_config }) => {
            let config = address("data-credits configuration", dc_config)?;
            (config, "cancelled", data_credits::cancel_price_submitters(&key, &config))
        }
    };
    ctx.client.account::<DataCreditsConfig>(&config).await?;
    let signature = ctx.client.send(&[ix], &signer, &[]).await?;
    let oracle: PriceOracle = ctx.client.account(&data_credits::price_oracle_address(&config)).await?;
    let keys = |keys: &[Pubkey]| keys.iter().map(Pubkey::to_string).collect::<Vec<_>>();
    let proposed = oracle.pending.as_ref().map(|p| json!({"submitters": keys(p.set.keys()), "min_submissions": p.set.min_submissions, "applicable_at": p.applicable_at}));
    Ok(Outcome {
        human: format!(
            "price submitters of {config} {verb}: {} of {} fresh prices make a price{}\n{signature}\n",
            oracle.min_submissions,
            oracle.submitter_count,
            oracle.pending.map(|p| format!("; proposed {} of {}, applicable from unix time {}", p.set.min_submissions, p.set.count, p.applicable_at)).unwrap_or_default()
        ),
        json: json!({
            "dc_config": config.to_string(), "submitters": keys(oracle.submitters()), "min_submissions": oracle.min_submissions,
            "proposed": proposed, "transaction": signature.to_string(),
        }),
    })
}
