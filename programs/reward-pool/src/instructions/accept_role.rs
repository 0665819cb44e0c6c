use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::RoleAccepted;
use crate::state::*;

/// Second step of a role hand-over, signed by the proposed key. Bumps the config version.
#[derive(Accounts)]
pub struct AcceptRole<'info> {
    #[account(mut)]
    pub pool: Box<Account<'info, Pool>>,
    pub new_holder: Signer<'info>,
}

pub fn handler(ctx: Context<AcceptRole>, role: Role) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    let holder = ctx.accounts.new_holder.key();
    let pending = match role {
        Role::Authority => &mut pool.pending_authority,
        Role::Guardian => &mut pool.pending_guardian,
    };
    require!(*pending != Pubkey::default() && *pending == holder, RewardPoolError::NotPendingHolder);
    *pending = Pubkey::default();
    match role {
        Role::Authority => pool.authority = holder,
        Role::Guardian => pool.guardian = holder,
    }
    pool.bump_version()?;
    emit!(RoleAccepted { pool: pool.key(), role, holder, config_version: pool.config_version });
    Ok(())
}
