//! `fieldproof withdraw-dc request|take`: a payer takes back what is left of the DC it delegated
//! to a router, after a notice of some burn epochs (so that usage already served is still paid).
use clap::Subcommand;
use fieldproof_sdk::data_credits::{self, DelegatedEscrow};
use fieldproof_sdk::device_registry::NetworkConfig;
use fieldproof_sdk::{Chain, OwnershipSource};
use serde_json::json;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::{keypair, Context};

/// The signer's escrow for a router.
#[derive(Debug, Subcommand)]
pub enum WithdrawDcAction {
    /// Give notice: what is left may be taken back after the notice's burn epochs.
    Request {
        /// The network's address (the registry's NetworkConfig).
        #[arg(long)]
        network: String,
        /// The router the escrow pays.
        #[arg(long)]
        router: String,
    },
    /// Take back every DC left in the escrow, into the signer's DC account, once the notice passed.
    Take {
        /// The network's address.
        #[arg(long)]
        network: String,
        /// The router the escrow pays.
        #[arg(long)]
        router: String,
    },
}

pub async fn withdraw_dc<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, action: &WithdrawDcAction) -> Result<Outcome, Failure> {
    let payer = keypair::load(&ctx.keypair)?;
    let (WithdrawDcAction::Request { network, router } | WithdrawDcAction::Take { network, router }) = action;
    let router = address("router", router)?;
    let network: NetworkConfig = ctx.client.account(&address("network", network)?).await?;
    let escrow = data_credits::escrow_address(&network.dc_config, &payer.pubkey(), &router);
    ctx.client.account::<DelegatedEscrow>(&escrow).await?;
    let destination = data_credits::dc_account_address(&payer.pubkey(), &network.dc_mint);
    let (verb, ix) = match action {
        WithdrawDcAction::Request { .. } => ("withdrawal requested", data_credits::request_withdrawal(&payer.pubkey(), &network.dc_config, router)),
        WithdrawDcAction::Take { .. } => ("withdrawn", data_credits::withdraw_delegated(&payer.pubkey(), &network.dc_config, router, &destination)),
    };
    let signature = ctx.client.send(&[ix], &payer, &[]).await?;
    let now: DelegatedEscrow = ctx.client.account(&escrow).await?;
    let held = ctx.client.token_amount(&data_credits::escrow_dc_account_address(&escrow, &network.dc_mint)).await?;
    Ok(Outcome {
        human: format!("escrow {escrow} for router {router}: {verb}; it holds {held} DC, withdrawable from unix time {}\n{signature}\n", now.withdrawable_at),
        json: json!({
            "escrow": escrow.to_string(), "router": router.to_string(), "held": held, "withdrawable_at": now.withdrawable_at,
            "withdrawn": now.withdrawn, "transaction": signature.to_string(),
        }),
    })
}
