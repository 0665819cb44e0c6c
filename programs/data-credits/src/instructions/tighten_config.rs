use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::ConfigUpdated;
use crate::state::*;

/// The authority tightens the settings at once: the same price source, a staleness limit no
/// longer, a breaker that lets no more out. Anything else goes through `propose_config`. The
/// epoch schedule is fixed at initialization: moving it would re-number epochs whose burn
/// totals already exist.
#[derive(Accounts)]
pub struct TightenConfig<'info> {
    #[account(mut, has_one = authority @ DataCreditsError::NotAuthority)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<TightenConfig>, settings: Settings) -> Result<()> {
    settings.validate()?;
    let config = &mut ctx.accounts.config;
    require!(settings.is_at_least_as_tight_as(&config.settings()), DataCreditsError::ChangeLoosensSafety);
    apply(config, settings)
}

/// Puts `settings` in force; the breaker keeps its running total.
pub(crate) fn apply(config: &mut Account<DataCreditsConfig>, settings: Settings) -> Result<()> {
    config.breaker.reconfigure(settings.breaker).map_err(breaker_error)?;
    config.price_source = settings.price_source;
    config.max_price_staleness_secs = settings.max_price_staleness_secs;
    emit!(ConfigUpdated {
        config: config.key(),
        price_source: settings.price_source,
        max_price_staleness_secs: settings.max_price_staleness_secs,
        breaker: settings.breaker,
    });
    Ok(())
}
