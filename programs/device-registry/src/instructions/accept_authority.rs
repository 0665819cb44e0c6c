use anchor_lang::prelude::*;

use crate::errors::RegistryError;
use crate::events::AuthorityAccepted;
use crate::state::*;

/// Second step of an authority hand-over, signed by the proposed key.
#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    #[account(mut, seeds = [NETWORK_SEED, network.dc_config.as_ref()], bump = network.bump)]
    pub network: Box<Account<'info, NetworkConfig>>,
    pub new_authority: Signer<'info>,
}

pub fn handler(ctx: Context<AcceptAuthority>) -> Result<()> {
    let network = &mut ctx.accounts.network;
    let holder = ctx.accounts.new_authority.key();
    require!(
        network.pending_authority != Pubkey::default() && network.pending_authority == holder,
        RegistryError::NotPendingAuthority
    );
    network.pending_authority = Pubkey::default();
    network.authority = holder;
    emit!(AuthorityAccepted { network: network.key(), authority: holder });
    Ok(())
}
