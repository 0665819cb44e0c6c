//! `fieldproof assert-location`: where a device stands, asserted by its owner.
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey};
use serde_json::json;

use crate::failure::Failure;
use crate::output::Outcome;
use crate::{keypair, Context};

pub async fn assert_location<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, asset: Pubkey, location: fieldproof_sdk::device_registry::Location) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    let signature = ctx.client.assert_location(&signer, &signer, &asset, location, &ctx.ownership).await?;
    Ok(Outcome {
        human: format!("device {asset} now stands in H3 cell {:x} ({} m, {} tenths of dBi)\n{signature}\n", location.h3_cell, location.elevation, location.gain),
        json: json!({"asset": asset.to_string(), "h3_cell": format!("{:x}", location.h3_cell), "elevation": location.elevation, "gain": location.gain, "transaction": signature.to_string()}),
    })
}
