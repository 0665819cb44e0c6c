use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::PriceOracleInitialized;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializePriceOracleArgs {
    pub submitters: Vec<Pubkey>,
    pub min_submissions: u8,
    /// Decimal exponent of every submitted price, fixed for the account's life.
    pub expo: i32,
}

/// Creates the config's oracle-quorum price account, with its first submitters (in force at
/// once: minting reads it only when the price source names it, which the config's creation or a
/// time-locked `propose_config` decides). Later submitter sets wait out the time lock.
#[derive(Accounts)]
pub struct InitializePriceOracle<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    pub authority: Signer<'info>,
    #[account(has_one = authority @ DataCreditsError::NotAuthority)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    #[account(
        init,
        payer = payer,
        space = 8 + PriceOracle::INIT_SPACE,
        seeds = [PRICE_ORACLE_SEED, config.key().as_ref()],
        bump,
    )]
    pub price_oracle: Box<Account<'info, PriceOracle>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<InitializePriceOracle>, args: InitializePriceOracleArgs) -> Result<()> {
    require!(args.expo.abs() <= MAX_PRICE_EXPONENT, DataCreditsError::PriceExponentOutOfRange);
    let oracle = &mut ctx.accounts.price_oracle;
    oracle.config = ctx.accounts.config.key();
    oracle.expo = args.expo;
    oracle.bump = ctx.bumps.price_oracle;
    oracle.set_submitters(&SubmitterSet::new(&args.submitters, args.min_submissions)?);
    oracle.pending = None;
    emit!(PriceOracleInitialized {
        config: oracle.config,
        oracle: oracle.key(),
        submitters: args.submitters,
        min_submissions: args.min_submissions,
        expo: args.expo,
    });
    Ok(())
}
