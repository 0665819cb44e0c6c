//! `fieldproof delegate-dc`: DC moved into an escrow a router's usage is burned from.
use clap::Args;
use fieldproof_sdk::data_credits::{self, DelegatedEscrow};
use fieldproof_sdk::device_registry::NetworkConfig;
use fieldproof_sdk::{Chain, OwnershipSource};
use serde_json::json;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::{keypair, Context};

/// Delegate DC to a router: move them from the signer's DC account into the signer's escrow for
/// that router, which the oracle's burn authority burns per usage batch.
#[derive(Debug, Args)]
pub struct DelegateDc {
    /// The network's address (the registry's NetworkConfig).
    #[arg(long)]
    network: String,
    /// DC to move into the escrow.
    #[arg(long)]
    amount: u64,
    /// The router (or operator) key whose countersigned usage the escrow pays.
    #[arg(long)]
    router: String,
}

pub async fn delegate_dc<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, args: &DelegateDc) -> Result<Outcome, Failure> {
    let payer = keypair::load(&ctx.keypair)?;
    let router = address("router", &args.router)?;
    let network: NetworkConfig = ctx.client.account(&address("network", &args.network)?).await?;
    let source = data_credits::dc_account_address(&payer.pubkey(), &network.dc_mint);
    let ix = data_credits::delegate_data_credits(&payer.pubkey(), &network.dc_config, &source, args.amount, router);
    let signature = ctx.client.send(&[ix], &payer, &[]).await?;
    let escrow = data_credits::escrow_address(&network.dc_config, &payer.pubkey(), &router);
    let held = ctx.client.token_amount(&data_credits::escrow_dc_account_address(&escrow, &network.dc_mint)).await?;
    let delegated: DelegatedEscrow = ctx.client.account(&escrow).await?;
    Ok(Outcome {
        human: format!("delegated {} DC to router {router}: escrow {escrow} holds {held}\n{signature}\n", args.amount),
        json: json!({
            "escrow": escrow.to_string(), "router": router.to_string(), "delegated": args.amount, "held": held,
            "burned": delegated.burned, "transaction": signature.to_string(),
        }),
    })
}
