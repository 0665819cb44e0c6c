use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::RoleAccepted;
use crate::state::*;

/// Second step of a role hand-over, signed by the proposed key.
#[derive(Accounts)]
pub struct AcceptRole<'info> {
    #[account(mut)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub new_holder: Signer<'info>,
}

pub fn handler(ctx: Context<AcceptRole>, role: Role) -> Result<()> {
    let config = &mut ctx.accounts.config;
    let holder = ctx.accounts.new_holder.key();
    let pending = match role {
        Role::Authority => &mut config.pending_authority,
        Role::BurnAuthority => &mut config.pending_burn_authority,
    };
    require!(*pending != Pubkey::default() && *pending == holder, DataCreditsError::NotPendingHolder);
    *pending = Pubkey::default();
    match role {
        Role::Authority => config.authority = holder,
        Role::BurnAuthority => config.burn_authority = holder,
    }
    emit!(RoleAccepted { config: config.key(), role, holder });
    Ok(())
}
