use anchor_lang::prelude::*;

use crate::errors::TreasuryError;
use crate::events::AuthorityProposed;
use crate::state::*;

/// First step of handing the authority to a new key (e.g. a multisig vault); the new key must
/// accept, so a typo cannot lock the treasury. Proposing `Pubkey::default()` withdraws a
/// proposal.
#[derive(Accounts)]
pub struct ProposeAuthority<'info> {
    #[account(
        mut,
        seeds = [TREASURY_SEED, treasury.mint.as_ref()],
        bump = treasury.bump,
        has_one = authority @ TreasuryError::NotAuthority,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ProposeAuthority>, new_authority: Pubkey) -> Result<()> {
    let treasury = &mut ctx.accounts.treasury;
    treasury.pending_authority = new_authority;
    emit!(AuthorityProposed { treasury: treasury.key(), proposed: new_authority });
    Ok(())
}
