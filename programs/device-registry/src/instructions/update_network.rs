use anchor_lang::prelude::*;

use crate::errors::RegistryError;
use crate::events::NetworkUpdated;
use crate::instructions::initialize_network::NetworkArgs;
use crate::state::*;

/// Changes the fees and the metadata URI of devices issued from now on.
#[derive(Accounts)]
pub struct UpdateNetwork<'info> {
    #[account(
        mut,
        seeds = [NETWORK_SEED, network.dc_config.as_ref()],
        bump = network.bump,
        has_one = authority @ RegistryError::NotAuthority,
    )]
    pub network: Box<Account<'info, NetworkConfig>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<UpdateNetwork>, args: NetworkArgs) -> Result<()> {
    let network = &mut ctx.accounts.network;
    args.apply(network)?;
    emit!(NetworkUpdated {
        network: network.key(),
        onboarding_fee: network.onboarding_fee,
        location_fee: network.location_fee,
        metadata_uri: network.metadata_uri.clone(),
    });
    Ok(())
}
