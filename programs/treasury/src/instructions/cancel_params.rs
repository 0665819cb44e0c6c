use anchor_lang::prelude::*;

use crate::errors::TreasuryError;
use crate::events::ParamsCancelled;
use crate::state::*;

/// The guardian (veto) or the authority (withdrawal) drops the pending parameter change.
#[derive(Accounts)]
pub struct CancelParams<'info> {
    #[account(
        mut,
        seeds = [TREASURY_SEED, treasury.mint.as_ref()],
        bump = treasury.bump,
        constraint = signer.key() == treasury.guardian || signer.key() == treasury.authority
            @ TreasuryError::NotAuthorityOrGuardian,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    pub signer: Signer<'info>,
}

pub fn handler(ctx: Context<CancelParams>) -> Result<()> {
    let treasury = &mut ctx.accounts.treasury;
    require!(treasury.pending_params.take().is_some(), TreasuryError::NoPendingChange);
    emit!(ParamsCancelled { treasury: treasury.key(), by: ctx.accounts.signer.key() });
    Ok(())
}
