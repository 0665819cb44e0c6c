//! `fieldproof issue-device`: a maker issues a device as a cNFT, under the device's own key and the
//! maker's attestation key, both checked on chain.
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use fieldproof_sdk::device_registry::{self, DeviceInfo, DeviceKind, IssueDeviceArgs, OnboardingMessage};
use fieldproof_sdk::reports::ed25519_dalek::SigningKey;
use fieldproof_sdk::{Chain, OwnershipSource, Pubkey};
use serde_json::json;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::{keypair, Context};

/// (maker) Issue a device as a cNFT in the network's active tree: the device's key and the maker's
/// attestation key sign its onboarding; the signer pays, the onboarding fee from its DC.
#[derive(Debug, Args)]
pub struct IssueDevice {
    /// The network's address (the registry's NetworkConfig).
    #[arg(long)]
    network: String,
    /// The maker's id, as approved.
    #[arg(long)]
    maker_id: String,
    /// The maker's attestation keypair file.
    #[arg(long)]
    maker_keypair: PathBuf,
    /// The device's keypair file: its hardware key, which signs its reports.
    #[arg(long)]
    device_keypair: PathBuf,
    /// Who receives the device cNFT (the signer when absent).
    #[arg(long)]
    owner: Option<String>,
    /// What the device is.
    #[arg(long, value_enum, default_value_t = Kind::Hotspot)]
    kind: Kind,
    /// The onboarding message's nonce, chosen by the signers.
    #[arg(long, default_value_t = 0)]
    nonce: u64,
}

/// A device's kind on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Kind {
    /// A wireless hotspot (coverage).
    Hotspot,
    /// A mapping dashcam.
    Mapper,
}

pub async fn issue_device<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, args: &IssueDevice) -> Result<Outcome, Failure> {
    let network = address("network", &args.network)?;
    let maker_id = address("maker id", &args.maker_id)?;
    let payer = keypair::load(&ctx.keypair)?;
    let maker_key = SigningKey::from_bytes(keypair::load(&args.maker_keypair)?.secret_bytes());
    let device_key = SigningKey::from_bytes(keypair::load(&args.device_keypair)?.secret_bytes());
    let owner = match &args.owner {
        Some(owner) => address("owner", owner)?,
        None => payer.pubkey(),
    };
    let kind = match args.kind {
        Kind::Hotspot => DeviceKind::Hotspot,
        Kind::Mapper => DeviceKind::Mapper,
    };
    let issue = IssueDeviceArgs { device_key: Pubkey::new_from_array(device_key.verifying_key().to_bytes()), kind, nonce: args.nonce };
    let message = OnboardingMessage {
        network,
        device_key: issue.device_key,
        owner,
        kind,
        maker: device_registry::maker_address(&network, &maker_id),
        nonce: args.nonce,
    };
    let signatures = [device_registry::sign_onboarding(&message, &device_key), device_registry::sign_onboarding(&message, &maker_key)];
    let device_key = issue.device_key;
    let (device, signature) = ctx.client.issue_device(&payer, &network, &maker_id, &owner, issue, &signatures).await?;
    let info: DeviceInfo = ctx.client.account(&device).await?;
    Ok(Outcome {
        human: format!("device {device_key} issued to {owner} as cNFT {} (device account {device})\n{signature}\n", info.asset),
        json: json!({
            "device": device.to_string(), "device_key": device_key.to_string(), "asset": info.asset.to_string(),
            "owner": owner.to_string(), "tree": info.tree.to_string(), "transaction": signature.to_string(),
        }),
    })
}
