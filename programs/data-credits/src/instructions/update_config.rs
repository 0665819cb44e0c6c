use anchor_lang::prelude::*;
use fieldproof_circuit_breaker::BreakerConfig;

use crate::errors::DataCreditsError;
use crate::events::ConfigUpdated;
use crate::state::*;

/// The settings the authority may change. The epoch schedule is fixed at initialization:
/// moving it would re-number epochs whose burn totals already exist.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct UpdateConfigArgs {
    pub price_source: PriceSource,
    pub max_price_staleness_secs: i64,
    pub breaker: BreakerConfig,
}

#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    #[account(mut, has_one = authority @ DataCreditsError::NotAuthority)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub authority: Signer<'info>,
}

pub fn handler(ctx: Context<UpdateConfig>, args: UpdateConfigArgs) -> Result<()> {
    validate_settings(args.max_price_staleness_secs, &args.price_source)?;
    let config = &mut ctx.accounts.config;
    config.breaker.reconfigure(args.breaker).map_err(breaker_error)?;
    config.price_source = args.price_source;
    config.max_price_staleness_secs = args.max_price_staleness_secs;
    emit!(ConfigUpdated {
        config: config.key(),
        price_source: args.price_source,
        max_price_staleness_secs: args.max_price_staleness_secs,
        breaker: args.breaker,
    });
    Ok(())
}
