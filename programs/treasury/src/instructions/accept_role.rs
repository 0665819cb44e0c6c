use anchor_lang::prelude::*;

use crate::errors::TreasuryError;
use crate::events::RoleAccepted;
use crate::state::*;

/// Second step of a role hand-over, signed by the proposed key (for the guardian, once the time
/// lock has passed). The guardian and the authority stay two keys.
#[derive(Accounts)]
pub struct AcceptRole<'info> {
    #[account(
        mut,
        seeds = [TREASURY_SEED, treasury.mint.as_ref()],
        bump = treasury.bump,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    pub new_holder: Signer<'info>,
}

pub fn handler(ctx: Context<AcceptRole>, role: Role) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let treasury = &mut ctx.accounts.treasury;
    let holder = ctx.accounts.new_holder.key();
    match role {
        Role::Authority => {
            require!(
                treasury.pending_authority != Pubkey::default() && treasury.pending_authority == holder,
                TreasuryError::NotPendingHolder
            );
            require!(holder != treasury.guardian, TreasuryError::GuardianIsAuthority);
            treasury.pending_authority = Pubkey::default();
            treasury.authority = holder;
        }
        Role::Guardian => {
            let pending = treasury.pending_guardian.filter(|p| p.guardian == holder).ok_or(TreasuryError::NotPendingHolder)?;
            require!(now >= pending.applicable_at, TreasuryError::TimeLockNotElapsed);
            require!(holder != treasury.authority, TreasuryError::GuardianIsAuthority);
            treasury.pending_guardian = None;
            treasury.guardian = holder;
        }
    }
    emit!(RoleAccepted { treasury: treasury.key(), role, holder });
    Ok(())
}
