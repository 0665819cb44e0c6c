use anchor_lang::prelude::*;

use crate::errors::TreasuryError;
use crate::events::AuthorityAccepted;
use crate::state::*;

/// Second step of an authority hand-over, signed by the proposed key.
#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    #[account(
        mut,
        seeds = [TREASURY_SEED, treasury.mint.as_ref()],
        bump = treasury.bump,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    pub new_authority: Signer<'info>,
}

pub fn handler(ctx: Context<AcceptAuthority>) -> Result<()> {
    let treasury = &mut ctx.accounts.treasury;
    let signer = ctx.accounts.new_authority.key();
    require!(
        treasury.pending_authority != Pubkey::default() && treasury.pending_authority == signer,
        TreasuryError::NotPendingAuthority
    );
    treasury.authority = signer;
    treasury.pending_authority = Pubkey::default();
    emit!(AuthorityAccepted { treasury: treasury.key(), authority: signer });
    Ok(())
}
