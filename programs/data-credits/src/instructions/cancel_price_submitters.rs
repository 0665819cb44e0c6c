use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::PriceSubmittersCancelled;
use crate::state::*;

/// The guardian (veto) or the authority (withdrawal) drops a pending submitter set.
#[derive(Accounts)]
pub struct CancelPriceSubmitters<'info> {
    pub signer: Signer<'info>,
    #[account(
        constraint = signer.key() == config.guardian || signer.key() == config.authority
            @ DataCreditsError::NotAuthorityOrGuardian,
    )]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    #[account(
        mut,
        seeds = [PRICE_ORACLE_SEED, config.key().as_ref()],
        bump = price_oracle.bump,
    )]
    pub price_oracle: Box<Account<'info, PriceOracle>>,
}

pub fn handler(ctx: Context<CancelPriceSubmitters>) -> Result<()> {
    let oracle = &mut ctx.accounts.price_oracle;
    oracle.pending.take().ok_or(DataCreditsError::NoPendingChange)?;
    emit!(PriceSubmittersCancelled { oracle: oracle.key(), by: ctx.accounts.signer.key() });
    Ok(())
}
