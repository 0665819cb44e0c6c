use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::PoolConfigUpdated;
use crate::state::*;

/// The authority tightens the configuration at once: a dispute window no shorter and a breaker
/// that lets no more out. Anything looser goes through `propose_pool_config`. The breaker keeps
/// its running total.
#[derive(Accounts)]
pub struct TightenPoolConfig<'info> {
    #[account(mut, has_one = authority @ RewardPoolError::NotAuthority)]
    pub pool: Box<Account<'info, Pool>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<TightenPoolConfig>, config: PoolConfig) -> Result<()> {
    config.validate()?;
    let pool = &mut ctx.accounts.pool;
    require!(config.is_at_least_as_tight_as(&pool.config()), RewardPoolError::ChangeLoosensSafety);
    pool.breaker.reconfigure(config.breaker).map_err(breaker_error)?;
    pool.dispute_window_secs = config.dispute_window_secs;
    emit!(PoolConfigUpdated { pool: pool.key(), dispute_window_secs: config.dispute_window_secs, breaker: config.breaker });
    Ok(())
}
