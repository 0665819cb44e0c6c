use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::RoleProposed;
use crate::state::*;

/// First step of handing the authority or the burn authority to a new key (e.g. a multisig
/// vault); the new key must accept, so a typo cannot lock the config.
#[derive(Accounts)]
pub struct ProposeRole<'info> {
    #[account(mut, has_one = authority @ DataCreditsError::NotAuthority)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ProposeRole>, role: Role, new_holder: Pubkey) -> Result<()> {
    let config = &mut ctx.accounts.config;
    match role {
        Role::Authority => config.pending_authority = new_holder,
        Role::BurnAuthority => config.pending_burn_authority = new_holder,
    }
    emit!(RoleProposed { config: config.key(), role, proposed: new_holder });
    Ok(())
}
