use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::RoleAccepted;
use crate::state::*;

/// Second step of a role hand-over, signed by the proposed key: at once for the authority,
/// after the time lock for the burn authority and the guardian. The guardian and the authority
/// stay two keys.
#[derive(Accounts)]
pub struct AcceptRole<'info> {
    #[account(mut)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub new_holder: Signer<'info>,
}

/// The pending key of a time-locked role, if `holder` is it and its time lock has passed.
fn take_due(pending: &mut Option<PendingKey>, holder: &Pubkey, now: i64) -> Result<()> {
    let due = pending.filter(|p| p.key == *holder).ok_or(DataCreditsError::NotPendingHolder)?;
    require!(now >= due.applicable_at, DataCreditsError::TimeLockNotElapsed);
    *pending = None;
    Ok(())
}

pub fn handler(ctx: Context<AcceptRole>, role: Role) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let config = &mut ctx.accounts.config;
    let holder = ctx.accounts.new_holder.key();
    match role {
        Role::Authority => {
            require!(config.pending_authority != Pubkey::default() && config.pending_authority == holder, DataCreditsError::NotPendingHolder);
            require!(holder != config.guardian, DataCreditsError::GuardianIsAuthority);
            config.pending_authority = Pubkey::default();
            config.authority = holder;
        }
        Role::BurnAuthority => {
            take_due(&mut config.pending_burn_authority, &holder, now)?;
            config.burn_authority = holder;
        }
        Role::Guardian => {
            require!(holder != config.authority, DataCreditsError::GuardianIsAuthority);
            take_due(&mut config.pending_guardian, &holder, now)?;
            config.guardian = holder;
        }
    }
    emit!(RoleAccepted { config: config.key(), role, holder });
    Ok(())
}
