use anchor_lang::prelude::*;
use data_credits::state::DataCreditsConfig;

use crate::bubblegum::device_data_hash;
use crate::errors::RegistryError;
use crate::events::NetworkInitialized;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct NetworkArgs {
    pub onboarding_fee: u64,
    pub location_fee: u64,
    pub metadata_uri: String,
}

impl NetworkArgs {
    pub(crate) fn apply(self, network: &mut NetworkConfig) -> Result<()> {
        require!(self.metadata_uri.len() <= MAX_URI_LEN, RegistryError::UriTooLong);
        network.onboarding_fee = self.onboarding_fee;
        network.location_fee = self.location_fee;
        for kind in DeviceKind::ALL {
            network.device_data_hashes[usize::from(kind.code())] = device_data_hash(kind, &self.metadata_uri)?;
        }
        network.metadata_uri = self.metadata_uri;
        Ok(())
    }
}

/// Creates the network of one data-credits config; its fees are paid in that config's DC. The
/// network's address derives from the config alone, and reward pools bind to it, so only the
/// config's authority may create it: nobody can take the address first.
#[derive(Accounts)]
pub struct InitializeNetwork<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The data-credits config's authority, which becomes the network's authority.
    pub authority: Signer<'info>,
    #[account(
        init,
        payer = payer,
        space = 8 + NetworkConfig::INIT_SPACE,
        seeds = [NETWORK_SEED, dc_config.key().as_ref()],
        bump,
    )]
    pub network: Box<Account<'info, NetworkConfig>>,
    #[account(constraint = dc_config.authority == authority.key() @ RegistryError::NotDcAuthority)]
    pub dc_config: Box<Account<'info, DataCreditsConfig>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<InitializeNetwork>, args: NetworkArgs) -> Result<()> {
    let network = &mut ctx.accounts.network;
    network.authority = ctx.accounts.authority.key();
    network.pending_authority = Pubkey::default();
    network.dc_config = ctx.accounts.dc_config.key();
    network.dc_mint = ctx.accounts.dc_config.dc_mint;
    network.active_tree = Pubkey::default();
    network.bump = ctx.bumps.network;
    args.apply(network)?;
    emit!(NetworkInitialized {
        network: network.key(),
        authority: network.authority,
        dc_config: network.dc_config,
        onboarding_fee: network.onboarding_fee,
        location_fee: network.location_fee,
    });
    Ok(())
}
