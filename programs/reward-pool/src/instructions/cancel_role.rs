use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::RoleCancelled;
use crate::state::*;

/// Drops a pending role change: a new guardian by the current guardian (its veto) or the
/// authority (a withdrawal); a new authority by the authority.
#[derive(Accounts)]
pub struct CancelRole<'info> {
    #[account(mut)]
    pub pool: Box<Account<'info, Pool>>,
    pub signer: Signer<'info>,
}

pub fn handler(ctx: Context<CancelRole>, role: Role) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    let signer = ctx.accounts.signer.key();
    match role {
        Role::Authority => {
            require_keys_eq!(signer, pool.authority, RewardPoolError::NotAuthority);
            require!(pool.pending_authority != Pubkey::default(), RewardPoolError::NoPendingRole);
            pool.pending_authority = Pubkey::default();
        }
        Role::Guardian => {
            require!(signer == pool.guardian || signer == pool.authority, RewardPoolError::NotAuthorityOrGuardian);
            pool.pending_guardian.take().ok_or(RewardPoolError::NoPendingRole)?;
        }
    }
    emit!(RoleCancelled { pool: pool.key(), role, by: signer });
    Ok(())
}
