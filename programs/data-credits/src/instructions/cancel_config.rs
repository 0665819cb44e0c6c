use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::ConfigChangeCancelled;
use crate::state::*;

/// The guardian (veto) or the authority (withdrawal) drops pending settings.
#[derive(Accounts)]
pub struct CancelConfig<'info> {
    #[account(
        mut,
        constraint = signer.key() == config.guardian || signer.key() == config.authority
            @ DataCreditsError::NotAuthorityOrGuardian,
    )]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub signer: Signer<'info>,
}

pub fn handler(ctx: Context<CancelConfig>) -> Result<()> {
    let config = &mut ctx.accounts.config;
    config.pending_settings.take().ok_or(DataCreditsError::NoPendingChange)?;
    emit!(ConfigChangeCancelled { config: config.key(), by: ctx.accounts.signer.key() });
    Ok(())
}
