use anchor_lang::prelude::*;

use crate::errors::RegistryError;
use crate::events::RoleCancelled;
use crate::state::*;

/// Withdraws a pending role hand-over, signed by the current holder.
#[derive(Accounts)]
pub struct CancelRole<'info> {
    #[account(mut, has_one = authority @ RegistryError::NotAuthority)]
    pub network: Box<Account<'info, NetworkConfig>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<CancelRole>, role: Role) -> Result<()> {
    let network = &mut ctx.accounts.network;
    match role {
        Role::Authority => {
            require!(network.pending_authority != Pubkey::default(), RegistryError::NoPendingRole);
            network.pending_authority = Pubkey::default();
        }
    }
    emit!(RoleCancelled { network: network.key(), role, by: ctx.accounts.authority.key() });
    Ok(())
}
