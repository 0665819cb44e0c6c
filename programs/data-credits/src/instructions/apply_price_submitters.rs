use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::PriceSubmittersSet;
use crate::state::*;

/// Second step of a submitter change, after its time lock (the authority). Every earlier
/// submission is forgotten, so a removed key's last price cannot keep counting.
#[derive(Accounts)]
pub struct ApplyPriceSubmitters<'info> {
    pub authority: Signer<'info>,
    #[account(has_one = authority @ DataCreditsError::NotAuthority)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    #[account(
        mut,
        seeds = [PRICE_ORACLE_SEED, config.key().as_ref()],
        bump = price_oracle.bump,
    )]
    pub price_oracle: Box<Account<'info, PriceOracle>>,
}

pub fn handler(ctx: Context<ApplyPriceSubmitters>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let oracle = &mut ctx.accounts.price_oracle;
    let pending = oracle.pending.ok_or(DataCreditsError::NoPendingChange)?;
    require!(now >= pending.applicable_at, DataCreditsError::TimeLockNotElapsed);
    oracle.set_submitters(&pending.set);
    oracle.pending = None;
    emit!(PriceSubmittersSet {
        oracle: oracle.key(),
        submitters: pending.set.keys().to_vec(),
        min_submissions: pending.set.min_submissions,
    });
    Ok(())
}
