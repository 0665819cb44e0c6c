use anchor_lang::prelude::*;

use crate::errors::RegistryError;
use crate::events::RoleAccepted;
use crate::state::*;

/// Second step of a role hand-over, signed by the proposed key.
#[derive(Accounts)]
pub struct AcceptRole<'info> {
    #[account(mut)]
    pub network: Box<Account<'info, NetworkConfig>>,
    pub new_holder: Signer<'info>,
}

pub fn handler(ctx: Context<AcceptRole>, role: Role) -> Result<()> {
    let network = &mut ctx.accounts.network;
    let holder = ctx.accounts.new_holder.key();
    match role {
        Role::Authority => {
            require!(
                network.pending_authority != Pubkey::default() && network.pending_authority == holder,
                RegistryError::NotPendingHolder
            );
            network.pending_authority = Pubkey::default();
            network.authority = holder;
        }
    }
    emit!(RoleAccepted { network: network.key(), role, holder });
    Ok(())
}
