use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::OracleSetCancelled;
use crate::state::*;

/// The guardian (veto) or the authority (withdrawal) drops a pending oracle set.
#[derive(Accounts)]
pub struct CancelOracleSet<'info> {
    #[account(
        mut,
        constraint = signer.key() == pool.guardian || signer.key() == pool.authority
            @ RewardPoolError::NotAuthorityOrGuardian,
    )]
    pub pool: Box<Account<'info, Pool>>,
    pub signer: Signer<'info>,
}

pub fn handler(ctx: Context<CancelOracleSet>) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    pool.pending_oracles.take().ok_or(RewardPoolError::NoPendingOracleSet)?;
    emit!(OracleSetCancelled { pool: pool.key(), by: ctx.accounts.signer.key() });
    Ok(())
}
