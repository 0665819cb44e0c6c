use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::PoolConfigUpdated;
use crate::state::*;

/// Second step of a configuration change, after its time lock (the authority). The breaker
/// keeps its running total, so a new configuration cannot be used to reset it.
#[derive(Accounts)]
pub struct ApplyPoolConfig<'info> {
    #[account(mut, has_one = authority @ RewardPoolError::NotAuthority)]
    pub pool: Box<Account<'info, Pool>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ApplyPoolConfig>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let pool = &mut ctx.accounts.pool;
    let pending = pool.pending_config.ok_or(RewardPoolError::NoPendingConfig)?;
    require!(now >= pending.applicable_at, RewardPoolError::TimeLockNotElapsed);
    let config = pending.config;
    pool.breaker.reconfigure(config.breaker).map_err(breaker_error)?;
    pool.dispute_window_secs = config.dispute_window_secs;
    pool.pending_config = None;
    emit!(PoolConfigUpdated { pool: pool.key(), dispute_window_secs: config.dispute_window_secs, breaker: config.breaker });
    Ok(())
}
