use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::state::*;

/// Second step of a settings change, after its time lock (the authority).
#[derive(Accounts)]
pub struct ApplyConfig<'info> {
    #[account(mut, has_one = authority @ DataCreditsError::NotAuthority)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ApplyConfig>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let config = &mut ctx.accounts.config;
    let pending = config.pending_settings.ok_or(DataCreditsError::NoPendingChange)?;
    require!(now >= pending.applicable_at, DataCreditsError::TimeLockNotElapsed);
    config.pending_settings = None;
    super::tighten_config::apply(config, pending.settings)
}
