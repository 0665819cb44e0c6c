use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::PoolConfigProposed;
use crate::state::*;

/// First step of any configuration change, loosening ones included (a shorter dispute window, a
/// looser breaker): it takes effect after the pool's time lock, during which the guardian can
/// cancel it. A new proposal replaces a pending one and starts its own time lock.
#[derive(Accounts)]
pub struct ProposePoolConfig<'info> {
    #[account(mut, has_one = authority @ RewardPoolError::NotAuthority)]
    pub pool: Box<Account<'info, Pool>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ProposePoolConfig>, config: PoolConfig) -> Result<()> {
    config.validate()?;
    let now = Clock::get()?.unix_timestamp;
    let pool = &mut ctx.accounts.pool;
    let applicable_at = pool.unlocks_at(now)?;
    pool.pending_config = Some(PendingPoolConfig { config, applicable_at });
    emit!(PoolConfigProposed {
        pool: pool.key(),
        dispute_window_secs: config.dispute_window_secs,
        breaker: config.breaker,
        applicable_at,
    });
    Ok(())
}
