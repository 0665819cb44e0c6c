//! `fieldproof transfer-device`: the owner gives a device cNFT away; its rewards follow.
use clap::Args;
use fieldproof_sdk::{Chain, OwnershipSource};
use serde_json::json;

use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::{keypair, Context};

/// Give a device cNFT to another owner (a Bubblegum transfer signed by its owner); the device's
/// future claims pay the new owner.
#[derive(Debug, Args)]
pub struct TransferDevice {
    /// The device's asset.
    #[arg(long)]
    asset: String,
    /// The new owner.
    #[arg(long)]
    to: String,
}

pub async fn transfer_device<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, args: &TransferDevice) -> Result<Outcome, Failure> {
    let (asset, to) = (address("asset", &args.asset)?, address("new owner", &args.to)?);
    let owner = keypair::load(&ctx.keypair)?;
    let signature = ctx.client.transfer_device(&owner, &owner, &asset, &to, &ctx.ownership).await?;
    Ok(Outcome {
        human: format!("device {asset} now belongs to {to}\n{signature}\n"),
        json: json!({"asset": asset.to_string(), "to": to.to_string(), "transaction": signature.to_string()}),
    })
}
