//! `fieldproof maker approve|revoke`: the network authority's makers.
use clap::Subcommand;
use fieldproof_sdk::device_registry::{self, Maker, MakerArgs};
use fieldproof_sdk::{Chain, OwnershipSource};
use serde_json::json;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::{keypair, Context};

/// (network authority) Approve or revoke a hardware maker.
#[derive(Debug, Subcommand)]
pub enum MakerAction {
    /// Approve a maker: its attestation key may co-sign devices' onboarding, up to its quota.
    Approve {
        /// The network's address (the registry's NetworkConfig).
        #[arg(long)]
        network: String,
        /// The maker's id, fixed for life (its account's seed).
        #[arg(long)]
        id: String,
        /// The ed25519 key that signs its devices' onboarding.
        #[arg(long)]
        attestation_key: String,
        /// Most devices it may ever issue, those already issued included.
        #[arg(long)]
        quota: u64,
    },
    /// Revoke a maker: it issues no more devices (those issued stay).
    Revoke {
        /// The network's address.
        #[arg(long)]
        network: String,
        /// The maker's id.
        #[arg(long)]
        id: String,
    },
}

pub async fn maker<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, action: &MakerAction) -> Result<Outcome, Failure> {
    let authority = keypair::load(&ctx.keypair)?;
    let (network, id, ix) = match action {
        MakerAction::Approve { network, id, attestation_key, quota } => {
            let (network, id) = (address("network", network)?, address("maker id", id)?);
            let args = MakerArgs { id, attestation_key: address("attestation key", attestation_key)?, quota: *quota };
            (network, id, device_registry::approve_maker(&authority.pubkey(), &network, &authority.pubkey(), args))
        }
        MakerAction::Revoke { network, id } => {
            let (network, id) = (address("network", network)?, address("maker id", id)?);
            (network, id, device_registry::revoke_maker(&network, &authority.pubkey(), &id))
        }
    };
    let signature = ctx.client.send(&[ix], &authority, &[]).await?;
    let account = device_registry::maker_address(&network, &id);
    let maker: Maker = ctx.client.account(&account).await?;
    let state = if maker.approved { "approved" } else { "revoked" };
    Ok(Outcome {
        human: format!("maker {id} of network {network} {state}: {} of {} devices issued\n{signature}\n", maker.issued, maker.quota),
        json: json!({
            "maker": account.to_string(), "id": id.to_string(), "network": network.to_string(), "active": maker.approved,
            "attestation_key": maker.attestation_key.to_string(), "quota": maker.quota, "issued": maker.issued, "transaction": signature.to_string(),
        }),
    })
}
