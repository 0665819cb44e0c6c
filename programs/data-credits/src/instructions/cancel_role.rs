use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::RoleCancelled;
use crate::state::*;

/// Drops a pending role change: a new burn authority or guardian by the guardian (its veto) or
/// the authority (a withdrawal); a new authority by the authority.
#[derive(Accounts)]
pub struct CancelRole<'info> {
    #[account(mut)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub signer: Signer<'info>,
}

pub fn handler(ctx: Context<CancelRole>, role: Role) -> Result<()> {
    let config = &mut ctx.accounts.config;
    let signer = ctx.accounts.signer.key();
    match role {
        Role::Authority => {
            require_keys_eq!(signer, config.authority, DataCreditsError::NotAuthority);
            require!(config.pending_authority != Pubkey::default(), DataCreditsError::NoPendingChange);
            config.pending_authority = Pubkey::default();
        }
        Role::BurnAuthority | Role::Guardian => {
            require!(signer == config.guardian || signer == config.authority, DataCreditsError::NotAuthorityOrGuardian);
            let pending = match role {
                Role::BurnAuthority => &mut config.pending_burn_authority,
                _ => &mut config.pending_guardian,
            };
            pending.take().ok_or(DataCreditsError::NoPendingChange)?;
        }
    }
    emit!(RoleCancelled { config: config.key(), role, by: signer });
    Ok(())
}
