//! `fieldproof device-status`: the network authority deactivates (or reactivates) a device, e.g. a
//! proven spoofer; the oracles stop crediting an inactive device.
use clap::{Args, ValueEnum};
use fieldproof_sdk::device_registry::{self, DeviceInfo, DeviceStatus};
use fieldproof_sdk::{Chain, OwnershipSource};
use serde_json::json;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::{keypair, Context};

/// (network authority) Deactivate or reactivate a device.
#[derive(Debug, Args)]
pub struct SetDeviceStatus {
    /// The network's address (the registry's NetworkConfig).
    #[arg(long)]
    network: String,
    /// The device's hardware key.
    #[arg(long)]
    device_key: String,
    /// What the device becomes.
    #[arg(long, value_enum)]
    status: Status,
}

/// A device's status on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Status {
    /// Reports are credited.
    Active,
    /// Reports are refused and nothing more is credited (what the roots granted stays claimable).
    Inactive,
}

pub async fn device_status<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, args: &SetDeviceStatus) -> Result<Outcome, Failure> {
    let (network, device_key) = (address("network", &args.network)?, address("device key", &args.device_key)?);
    let authority = keypair::load(&ctx.keypair)?;
    let status = match args.status {
        Status::Active => DeviceStatus::Active,
        Status::Inactive => DeviceStatus::Inactive,
    };
    let device = device_registry::device_address(&network, &device_key);
    // Reading the device first turns an unknown key into "not found" instead of a failed transaction.
    ctx.client.account::<DeviceInfo>(&device).await?;
    let signature = ctx.client.send(&[device_registry::set_device_status(&network, &authority.pubkey(), &device_key, status)], &authority, &[]).await?;
    let now: DeviceInfo = ctx.client.account(&device).await?;
    let status = format!("{:?}", now.status).to_lowercase();
    Ok(Outcome {
        human: format!("device {device_key} (cNFT {}) is {status}\n{signature}\n", now.asset),
        json: json!({"device": device.to_string(), "device_key": device_key.to_string(), "asset": now.asset.to_string(), "status": status, "transaction": signature.to_string()}),
    })
}
