use anchor_lang::prelude::*;

use crate::errors::TreasuryError;
use crate::events::RoleCancelled;
use crate::state::*;

/// Drops a pending role change: a new guardian by the current guardian (its veto) or the
/// authority (a withdrawal); a new authority by the authority.
#[derive(Accounts)]
pub struct CancelRole<'info> {
    #[account(
        mut,
        seeds = [TREASURY_SEED, treasury.mint.as_ref()],
        bump = treasury.bump,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    pub signer: Signer<'info>,
}

pub fn handler(ctx: Context<CancelRole>, role: Role) -> Result<()> {
    let treasury = &mut ctx.accounts.treasury;
    let signer = ctx.accounts.signer.key();
    match role {
        Role::Authority => {
            require_keys_eq!(signer, treasury.authority, TreasuryError::NotAuthority);
            require!(treasury.pending_authority != Pubkey::default(), TreasuryError::NoPendingRole);
            treasury.pending_authority = Pubkey::default();
        }
        Role::Guardian => {
            require!(signer == treasury.guardian || signer == treasury.authority, TreasuryError::NotAuthorityOrGuardian);
            treasury.pending_guardian.take().ok_or(TreasuryError::NoPendingRole)?;
        }
    }
    emit!(RoleCancelled { treasury: treasury.key(), role, by: signer });
    Ok(())
}
