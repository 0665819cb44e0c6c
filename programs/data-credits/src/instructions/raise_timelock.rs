use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::TimeLockRaised;
use crate::state::*;

/// The authority lengthens the time lock at once (a tightening; up to 30 days). It can never be
/// shortened: the value set at creation is the floor. Changes already pending keep their time.
#[derive(Accounts)]
pub struct RaiseTimelock<'info> {
    #[account(mut, has_one = authority @ DataCreditsError::NotAuthority)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<RaiseTimelock>, timelock_secs: i64) -> Result<()> {
    validate_timelock(timelock_secs)?;
    let config = &mut ctx.accounts.config;
    require!(timelock_secs > config.timelock_secs, DataCreditsError::TimeLockNotRaised);
    config.timelock_secs = timelock_secs;
    emit!(TimeLockRaised { config: config.key(), timelock_secs });
    Ok(())
}
