use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::PoolConfigCancelled;
use crate::state::*;

/// The guardian (veto) or the authority (withdrawal) drops a pending configuration change.
#[derive(Accounts)]
pub struct CancelPoolConfig<'info> {
    #[account(
        mut,
        constraint = signer.key() == pool.guardian || signer.key() == pool.authority
            @ RewardPoolError::NotAuthorityOrGuardian,
    )]
    pub pool: Box<Account<'info, Pool>>,
    pub signer: Signer<'info>,
}

pub fn handler(ctx: Context<CancelPoolConfig>) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    pool.pending_config.take().ok_or(RewardPoolError::NoPendingConfig)?;
    emit!(PoolConfigCancelled { pool: pool.key(), by: ctx.accounts.signer.key() });
    Ok(())
}
