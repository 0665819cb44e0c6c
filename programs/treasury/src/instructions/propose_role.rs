use anchor_lang::prelude::*;

use crate::errors::TreasuryError;
use crate::events::RoleProposed;
use crate::state::*;

/// First step of handing the authority or the guardian role to a new key (e.g. a multisig
/// vault); the new key must accept, so a typo cannot lock the treasury. A new authority may
/// accept at once; a new guardian only after the time lock, during which the current guardian
/// can cancel it. Proposing `Pubkey::default()` as the authority withdraws a proposal.
#[derive(Accounts)]
pub struct ProposeRole<'info> {
    #[account(
        mut,
        seeds = [TREASURY_SEED, treasury.mint.as_ref()],
        bump = treasury.bump,
        has_one = authority @ TreasuryError::NotAuthority,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ProposeRole>, role: Role, new_holder: Pubkey) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let treasury = &mut ctx.accounts.treasury;
    let applicable_at = match role {
        Role::Authority => {
            treasury.pending_authority = new_holder;
            now
        }
        Role::Guardian => {
            require!(new_holder != treasury.authority && new_holder != Pubkey::default(), TreasuryError::GuardianIsAuthority);
            let applicable_at = now.checked_add(treasury.params.timelock_secs).ok_or(TreasuryError::ArithmeticOverflow)?;
            treasury.pending_guardian = Some(PendingGuardian { guardian: new_holder, applicable_at });
            applicable_at
        }
    };
    emit!(RoleProposed { treasury: treasury.key(), role, proposed: new_holder, applicable_at });
    Ok(())
}
