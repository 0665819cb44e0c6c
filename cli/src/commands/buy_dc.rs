//! `fieldproof buy-dc`: data credits bought by burning the network token at the oracle price.
use clap::Args;
use fieldproof_sdk::data_credits::{self, DataCreditsConfig, PriceSource};
use fieldproof_sdk::device_registry::NetworkConfig;
use fieldproof_sdk::{Chain, OwnershipSource};
use serde_json::json;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::{keypair, Context};

/// Buy data credits: burn the signer's network tokens at the price of the network's price source
/// and mint the DC (non-transferable) to the signer or to `--to`.
#[derive(Debug, Args)]
pub struct BuyDc {
    /// The network's address (the registry's NetworkConfig).
    #[arg(long)]
    network: String,
    /// Network token base units to burn.
    #[arg(long)]
    amount: u64,
    /// Whose DC account receives the credits (the signer when absent).
    #[arg(long)]
    to: Option<String>,
    /// The Pyth price update account, for a network priced by Pyth (a quorum-priced network's
    /// price account is its configuration's).
    #[arg(long)]
    price_account: Option<String>,
}

pub async fn buy_dc<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, args: &BuyDc) -> Result<Outcome, Failure> {
    let payer = keypair::load(&ctx.keypair)?;
    let network: NetworkConfig = ctx.client.account(&address("network", &args.network)?).await?;
    let config: DataCreditsConfig = ctx.client.account(&network.dc_config).await?;
    let price_account = match (config.price_source, &args.price_account) {
        (_, Some(account)) => address("price account", account)?,
        (PriceSource::Quorum { oracle }, None) => oracle,
        (PriceSource::Pyth { .. }, None) => return Err(Failure::BadInput("this network's DC price comes from Pyth: name its price update account with --price-account".into())),
    };
    let owner = match &args.to {
        Some(to) => address("recipient", to)?,
        None => payer.pubkey(),
    };
    let recipient = data_credits::dc_account_address(&owner, &config.dc_mint);
    let before = ctx.client.token_amount(&recipient).await.unwrap_or(0);
    let signature = ctx.client.buy_data_credits(&payer, &network.dc_config, &owner, args.amount, price_account).await?;
    let bought = ctx.client.token_amount(&recipient).await?.saturating_sub(before);
    Ok(Outcome {
        human: format!("burned {} network tokens for {bought} DC, credited to {owner}\n{signature}\n", args.amount),
        json: json!({"burned": args.amount, "dc": bought, "owner": owner.to_string(), "dc_account": recipient.to_string(), "transaction": signature.to_string()}),
    })
}
