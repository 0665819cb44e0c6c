//! `fieldproof treasury-params propose|apply|cancel`: every change of the treasury's schedule,
//! split, breaker or time lock waits out the time lock, which the guardian can cancel.
use clap::{Args, Subcommand};
use fieldproof_sdk::treasury::{self, Params, Recipient, Treasury};
use fieldproof_sdk::{Chain, OwnershipSource};
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::{address, breaker_text, BreakerChange};
use crate::output::Outcome;
use crate::{keypair, Context};

/// The treasury's parameters.
#[derive(Debug, Subcommand)]
pub enum TreasuryParamsAction {
    /// (authority) Propose parameters: the current ones with those given replaced.
    Propose(ParamsChange),
    /// (authority) Apply the proposed parameters once the time lock has passed.
    Apply {
        /// The treasury's address.
        #[arg(long)]
        treasury: String,
    },
    /// (guardian or authority) Cancel the proposed parameters.
    Cancel {
        /// The treasury's address.
        #[arg(long)]
        treasury: String,
    },
}

/// The treasury's current parameters, with those given replaced.
#[derive(Debug, Args)]
pub struct ParamsChange {
    /// The treasury's address.
    #[arg(long)]
    treasury: String,
    /// Network token base units emitted in epoch 0 (halving from there).
    #[arg(long)]
    initial_emission: Option<u64>,
    /// Epochs between two halvings (0: constant emission).
    #[arg(long)]
    halving_interval_epochs: Option<u64>,
    /// Hard cap on the network token's supply.
    #[arg(long)]
    max_supply: Option<u64>,
    /// Share of each emission split by the epoch's DC usage, in basis points.
    #[arg(long)]
    usage_bps: Option<u16>,
    /// Every recipient of the emissions, in order, as TOKEN_ACCOUNT:WEIGHT:CATEGORY (repeated;
    /// replaces the whole list).
    #[arg(long = "recipient", value_parser = parse_recipient)]
    recipients: Vec<Recipient>,
    /// The time lock of later changes, in seconds (it may only rise).
    #[arg(long)]
    timelock_secs: Option<i64>,
    #[command(flatten)]
    breaker: BreakerChange,
}

impl ParamsChange {
    fn params(&self, current: &Params) -> Params {
        let mut params = current.clone();
        let schedule = &mut params.schedule;
        schedule.initial_emission = self.initial_emission.unwrap_or(schedule.initial_emission);
        schedule.halving_interval_epochs = self.halving_interval_epochs.unwrap_or(schedule.halving_interval_epochs);
        schedule.max_supply = self.max_supply.unwrap_or(schedule.max_supply);
        params.usage_bps = self.usage_bps.unwrap_or(params.usage_bps);
        if !self.recipients.is_empty() {
            params.recipients = self.recipients.clone();
        }
        params.timelock_secs = self.timelock_secs.unwrap_or(params.timelock_secs);
        params.breaker = self.breaker.applied_to(params.breaker);
        params
    }
}

fn parse_recipient(text: &str) -> Result<Recipient, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let [account, weight, category] = parts.as_slice() else {
        return Err("a recipient is TOKEN_ACCOUNT:WEIGHT:CATEGORY".into());
    };
    Ok(Recipient {
        token_account: account.parse().map_err(|_| format!("not a base58 address: {account:?}"))?,
        weight: weight.parse().map_err(|e| format!("weight {weight:?}: {e}"))?,
        category: category.parse().map_err(|e| format!("category {category:?}: {e}"))?,
    })
}

pub async fn treasury_params<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, action: &TreasuryParamsAction) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    let key = signer.pubkey();
    let treasury_address = address(
        "treasury",
        match action {
            TreasuryParamsAction::Propose(change) => &change.treasury,
            TreasuryParamsAction::Apply { treasury } | TreasuryParamsAction::Cancel { treasury } => treasury,
        },
    )?;
    let current: Treasury = ctx.client.account(&treasury_address).await?;
    let (verb, ix) = match action {
        TreasuryParamsAction::Propose(change) => ("parameters proposed", treasury::propose_params(&current.mint, &key, change.params(&current.params))),
        TreasuryParamsAction::Apply { .. } => ("parameters applied", treasury::apply_params(&current.mint, &key)),
        TreasuryParamsAction::Cancel { .. } => ("proposal cancelled", treasury::cancel_params(&current.mint, &key)),
    };
    let signature = ctx.client.send(&[ix], &signer, &[]).await?;
    let now: Treasury = ctx.client.account(&treasury_address).await?;
    let (in_force, in_force_json) = params_text(&now.params);
    let mut human = format!("treasury {treasury_address}: {verb}\n  in force    {in_force}\n");
    let proposed = now.pending_params.as_ref().map(|p| {
        let (text, json) = params_text(&p.params);
        human.push_str(&format!("  proposed    {text}, applicable from unix time {}\n", p.apply_after));
        json!({"params": json, "applicable_at": p.apply_after})
    });
    human.push_str(&format!("{signature}\n"));
    Ok(Outcome {
        human,
        json: json!({"treasury": treasury_address.to_string(), "params": in_force_json, "proposed": proposed, "transaction": signature.to_string()}),
    })
}

/// Parameters for people and for scripts.
fn params_text(params: &Params) -> (String, Value) {
    let s = &params.schedule;
    let (breaker, breaker_json) = breaker_text(&params.breaker);
    let recipients: Vec<Value> = params
        .recipients
        .iter()
        .map(|r| json!({"token_account": r.token_account.to_string(), "weight": r.weight, "category": r.category}))
        .collect();
    let text = format!(
        "emission {} halving every {} epochs (cap {}), {} recipient(s), usage share {} bps, breaker {breaker}, time lock {} s",
        s.initial_emission,
        s.halving_interval_epochs,
        s.max_supply,
        params.recipients.len(),
        params.usage_bps,
        params.timelock_secs
    );
    let json = json!({
        "start_ts": s.start_ts, "epoch_length_secs": s.epoch_length_secs, "initial_emission": s.initial_emission,
        "halving_interval_epochs": s.halving_interval_epochs, "max_supply": s.max_supply, "recipients": recipients,
        "usage_bps": params.usage_bps, "dc_config": params.dc_config.to_string(), "breaker": breaker_json, "timelock_secs": params.timelock_secs,
    });
    (text, json)
}

