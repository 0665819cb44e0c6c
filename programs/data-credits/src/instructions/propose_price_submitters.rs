use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::PriceSubmittersProposed;
use crate::state::*;

/// First step of replacing the price oracle's submitters (the authority): the new set takes
/// effect after the config's time lock, during which the guardian can cancel it. Every change
/// waits, removals included: removing honest keys weakens the median as surely as adding bad
/// ones. A new proposal replaces a pending one and starts its own lock.
#[derive(Accounts)]
pub struct ProposePriceSubmitters<'info> {
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

pub fn handler(ctx: Context<ProposePriceSubmitters>, submitters: Vec<Pubkey>, min_submissions: u8) -> Result<()> {
    let set = SubmitterSet::new(&submitters, min_submissions)?;
    let applicable_at = ctx.accounts.config.unlocks_at(Clock::get()?.unix_timestamp)?;
    let oracle = &mut ctx.accounts.price_oracle;
    oracle.pending = Some(PendingSubmitters { set, applicable_at });
    emit!(PriceSubmittersProposed { oracle: oracle.key(), submitters, min_submissions, applicable_at });
    Ok(())
}
