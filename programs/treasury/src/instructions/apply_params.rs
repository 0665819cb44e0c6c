use anchor_lang::prelude::*;

use crate::errors::TreasuryError;
use crate::events::ParamsApplied;
use crate::state::*;

/// Second step of a parameter change, after its time lock. The breaker keeps its running
/// total, so a new configuration cannot be used to reset it.
#[derive(Accounts)]
pub struct ApplyParams<'info> {
    #[account(
        mut,
        seeds = [TREASURY_SEED, treasury.mint.as_ref()],
        bump = treasury.bump,
        has_one = authority @ TreasuryError::NotAuthority,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ApplyParams>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let treasury = &mut ctx.accounts.treasury;
    let pending = treasury.pending_params.take().ok_or(TreasuryError::NoPendingChange)?;
    require!(now >= pending.apply_after, TreasuryError::TimeLockNotElapsed);
    treasury.breaker.reconfigure(pending.params.breaker).map_err(breaker_error)?;
    treasury.params = pending.params;
    emit!(ParamsApplied { treasury: treasury.key(), params: treasury.params.clone() });
    Ok(())
}
