use anchor_lang::prelude::*;
use fieldproof_circuit_breaker::BreakerConfig;

use crate::errors::RewardPoolError;
use crate::events::PoolConfigUpdated;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct UpdatePoolConfigArgs {
    pub dispute_window_secs: i64,
    pub breaker: BreakerConfig,
}

#[derive(Accounts)]
pub struct UpdatePoolConfig<'info> {
    #[account(mut, has_one = authority @ RewardPoolError::NotAuthority)]
    pub pool: Box<Account<'info, Pool>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<UpdatePoolConfig>, args: UpdatePoolConfigArgs) -> Result<()> {
    require!(args.dispute_window_secs >= 0, RewardPoolError::InvalidDisputeWindow);
    let pool = &mut ctx.accounts.pool;
    pool.breaker.reconfigure(args.breaker).map_err(breaker_error)?;
    pool.dispute_window_secs = args.dispute_window_secs;
    pool.bump_version()?;
    emit!(PoolConfigUpdated {
        pool: pool.key(),
        dispute_window_secs: args.dispute_window_secs,
        breaker: args.breaker,
        config_version: pool.config_version,
    });
    Ok(())
}
