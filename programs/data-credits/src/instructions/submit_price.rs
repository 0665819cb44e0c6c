use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::PriceSubmitted;
use crate::state::*;

/// One submitter's current price, in the oracle account's fixed exponent.
#[derive(Accounts)]
pub struct SubmitPrice<'info> {
    pub submitter: Signer<'info>,
    #[account(mut)]
    pub price_oracle: Box<Account<'info, PriceOracle>>,
}

pub fn handler(ctx: Context<SubmitPrice>, price: u64) -> Result<()> {
    require!(price > 0, DataCreditsError::NonPositivePrice);
    let submitter = ctx.accounts.submitter.key();
    let oracle = &mut ctx.accounts.price_oracle;
    let slot = oracle.submitters().iter().position(|k| *k == submitter).ok_or(DataCreditsError::NotSubmitter)?;
    let now = Clock::get()?.unix_timestamp;
    oracle.submissions[slot] = PriceSubmission { price, submitted_at: now };
    emit!(PriceSubmitted { oracle: oracle.key(), submitter, price, expo: oracle.expo, submitted_at: now });
    Ok(())
}
