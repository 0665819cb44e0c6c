use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::RoleAccepted;
use crate::state::*;

/// Second step of a role hand-over, signed by the proposed key (for the guardian, once the time
/// lock has passed). Bumps the config version. The guardian and the authority stay two keys.
#[derive(Accounts)]
pub struct AcceptRole<'info> {
    #[account(mut)]
    pub pool: Box<Account<'info, Pool>>,
    pub new_holder: Signer<'info>,
}

pub fn handler(ctx: Context<AcceptRole>, role: Role) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let pool = &mut ctx.accounts.pool;
    let holder = ctx.accounts.new_holder.key();
    match role {
        Role::Authority => {
            require!(pool.pending_authority != Pubkey::default() && pool.pending_authority == holder, RewardPoolError::NotPendingHolder);
            require!(holder != pool.guardian, RewardPoolError::GuardianIsAuthority);
            pool.pending_authority = Pubkey::default();
            pool.authority = holder;
        }
        Role::Guardian => {
            let pending = pool.pending_guardian.filter(|p| p.guardian == holder).ok_or(RewardPoolError::NotPendingHolder)?;
            require!(now >= pending.applicable_at, RewardPoolError::TimeLockNotElapsed);
            require!(holder != pool.authority, RewardPoolError::GuardianIsAuthority);
            pool.pending_guardian = None;
            pool.guardian = holder;
        }
    }
    pool.bump_version()?;
    emit!(RoleAccepted { pool: pool.key(), role, holder, config_version: pool.config_version });
    Ok(())
}
