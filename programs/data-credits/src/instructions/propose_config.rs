use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::ConfigProposed;
use crate::state::*;

/// First step of any change of the settings, loosening ones included (a new price source, a
/// longer staleness limit, a looser breaker): it takes effect after the time lock, during which
/// the guardian can cancel it. A new proposal replaces a pending one and starts its own lock.
#[derive(Accounts)]
pub struct ProposeConfig<'info> {
    #[account(mut, has_one = authority @ DataCreditsError::NotAuthority)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<ProposeConfig>, settings: Settings) -> Result<()> {
    settings.validate()?;
    let now = Clock::get()?.unix_timestamp;
    let config = &mut ctx.accounts.config;
    let applicable_at = config.unlocks_at(now)?;
    config.pending_settings = Some(PendingSettings { settings, applicable_at });
    emit!(ConfigProposed {
        config: config.key(),
        price_source: settings.price_source,
        max_price_staleness_secs: settings.max_price_staleness_secs,
        breaker: settings.breaker,
        applicable_at,
    });
    Ok(())
}
