use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::OracleSetApplied;
use crate::state::*;

/// Second step of an oracle-set rotation. Bumps the config version, so signatures gathered
/// under the old set can no longer be posted.
#[derive(Accounts)]
pub struct ApplyOracleSet<'info> {
    #[account(mut, has_one = authority @ RewardPoolError::NotAuthority)]
    pub pool: Box<Account<'info, Pool>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ApplyOracleSet>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let pool = &mut ctx.accounts.pool;
    let pending = pool.pending_oracles.ok_or(RewardPoolError::NoPendingOracleSet)?;
    require!(now >= pending.applicable_at, RewardPoolError::OracleSetTimeLocked);
    pool.oracles = pending.set;
    pool.pending_oracles = None;
    pool.bump_version()?;
    emit!(OracleSetApplied {
        pool: pool.key(),
        oracles: pending.set.keys().to_vec(),
        threshold: pending.set.threshold,
        config_version: pool.config_version,
    });
    Ok(())
}
