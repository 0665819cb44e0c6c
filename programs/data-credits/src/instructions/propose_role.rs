use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::RoleProposed;
use crate::state::*;

/// First step of handing a role to a new key (e.g. a multisig vault); the new key must accept,
/// so a typo cannot lock the config. A new authority may accept at once (the role gains nothing
/// by changing hands). A new burn authority (it could burn every escrow) or guardian only after
/// the time lock, during which the guardian can cancel it. Proposing `Pubkey::default()` as the
/// authority withdraws a proposal.
#[derive(Accounts)]
pub struct ProposeRole<'info> {
    #[account(mut, has_one = authority @ DataCreditsError::NotAuthority)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ProposeRole>, role: Role, new_holder: Pubkey) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let config = &mut ctx.accounts.config;
    let applicable_at = match role {
        Role::Authority => {
            config.pending_authority = new_holder;
            now
        }
        Role::BurnAuthority => {
            let applicable_at = config.unlocks_at(now)?;
            config.pending_burn_authority = Some(PendingKey { key: new_holder, applicable_at });
            applicable_at
        }
        Role::Guardian => {
            require!(new_holder != config.authority && new_holder != Pubkey::default(), DataCreditsError::GuardianIsAuthority);
            let applicable_at = config.unlocks_at(now)?;
            config.pending_guardian = Some(PendingKey { key: new_holder, applicable_at });
            applicable_at
        }
    };
    emit!(RoleProposed { config: config.key(), role, proposed: new_holder, applicable_at });
    Ok(())
}
