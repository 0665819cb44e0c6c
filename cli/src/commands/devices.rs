//! `fieldproof devices`: the signer's devices in a network.
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey};
use serde_json::json;

use solana_signer::Signer;

use crate::failure::Failure;
use crate::output::Outcome;
use crate::{keypair, Context};

pub async fn devices<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, network: Pubkey) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    // Reading the network first turns a wrong address into "not found" instead of an empty list.
    ctx.client.account::<fieldproof_sdk::device_registry::NetworkConfig>(&network).await?;
    let mine = ctx.client.devices_of(&network, &signer.pubkey(), &ctx.ownership).await?;
    let mut human = format!("{} device(s) of {} in network {network}\n", mine.len(), signer.pubkey());
    let mut rows = Vec::with_capacity(mine.len());
    for (address, device) in &mine {
        let (kind, status) = (format!("{:?}", device.kind).to_lowercase(), format!("{:?}", device.status).to_lowercase());
        let location = (device.location_asserts > 0).then(|| format!("{:x}", device.location.h3_cell));
        human.push_str(&format!("{:<44} {kind:<8} {status:<8} {}\n", device.asset.to_string(), location.as_deref().unwrap_or("not located")));
        rows.push(json!({
            "asset": device.asset.to_string(), "device": address.to_string(), "device_key": device.device_key.to_string(),
            "kind": kind, "status": status, "h3_cell": location, "elevation": device.location.elevation, "gain": device.location.gain,
        }));
    }
    Ok(Outcome { human, json: json!({"network": network.to_string(), "owner": signer.pubkey().to_string(), "devices": rows}) })
}
