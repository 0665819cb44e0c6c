use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::PriceSubmittersSet;
use crate::state::*;

/// Replaces the price oracle's submitters. Every earlier submission is forgotten, so a
/// removed key's last price cannot keep counting.
#[derive(Accounts)]
pub struct SetPriceSubmitters<'info> {
    pub authority: Signer<'info>,
    #[account(has_one = authority @ DataCreditsError::NotAuthority)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    #[account(
        mut,
        has_one = config @ DataCreditsError::WrongConfig,
        seeds = [PRICE_ORACLE_SEED, config.key().as_ref()],
        bump = price_oracle.bump,
    )]
    pub price_oracle: Box<Account<'info, PriceOracle>>,
}

pub fn handler(ctx: Context<SetPriceSubmitters>, submitters: Vec<Pubkey>, min_submissions: u8) -> Result<()> {
    let oracle = &mut ctx.accounts.price_oracle;
    oracle.set_submitters(&submitters, min_submissions)?;
    emit!(PriceSubmittersSet { oracle: oracle.key(), submitters, min_submissions });
    Ok(())
}
