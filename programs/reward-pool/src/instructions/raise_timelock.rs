use anchor_lang::prelude::*;

use crate::errors::RewardPoolError;
use crate::events::TimeLockRaised;
use crate::state::*;

/// The authority lengthens the time lock at once (a tightening; up to 30 days). It can never be
/// shortened: the value set at creation is the floor. Changes already pending keep their time.
#[derive(Accounts)]
pub struct RaiseTimelock<'info> {
    #[account(mut, has_one = authority @ RewardPoolError::NotAuthority)]
    pub pool: Box<Account<'info, Pool>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<RaiseTimelock>, timelock_secs: i64) -> Result<()> {
    validate_timelock(timelock_secs)?;
    let pool = &mut ctx.accounts.pool;
    require!(timelock_secs > pool.timelock_secs, RewardPoolError::TimeLockNotRaised);
    pool.timelock_secs = timelock_secs;
    emit!(TimeLockRaised { pool: pool.key(), timelock_secs });
    Ok(())
}
