use anchor_lang::prelude::*;

use crate::errors::TreasuryError;
use crate::events::ParamsCancelled;
use crate::state::*;

#[derive(Accounts)]
pub struct CancelParams<'info> {
    #[account(
        mut,
        seeds = [TREASURY_SEED, treasury.mint.as_ref()],
        bump = treasury.bump,
        has_one = authority @ TreasuryError::NotAuthority,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<CancelParams>) -> Result<()> {
    let treasury = &mut ctx.accounts.treasury;
    require!(treasury.pending_params.take().is_some(), TreasuryError::NoPendingChange);
    emit!(ParamsCancelled { treasury: treasury.key() });
    Ok(())
}
