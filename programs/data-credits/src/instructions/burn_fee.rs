use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::{self, Burn, Mint, TokenAccount};

use crate::errors::DataCreditsError;
use crate::events::FeeBurned;
use crate::state::*;

/// Burns a fee in DC from the owner's account and books it in the epoch's totals. Other
/// programs (the device registry) call it by CPI for onboarding and location fees.
#[derive(Accounts)]
#[instruction(amount: u64, epoch: u64)]
pub struct BurnFee<'info> {
    /// Pays the rent of the epoch's burn totals when this is its first burn.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// Owner of the DC burned.
    pub owner: Signer<'info>,
    #[account(has_one = dc_mint @ DataCreditsError::WrongDcMint)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    #[account(mut, mint::token_program = token_program)]
    pub dc_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        mut,
        token::mint = dc_mint,
        token::token_program = token_program,
        constraint = source.owner == owner.key() @ DataCreditsError::WrongTokenOwner,
    )]
    pub source: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + EpochBurns::INIT_SPACE,
        seeds = [EPOCH_BURNS_SEED, config.key().as_ref(), &epoch.to_le_bytes()],
        bump,
    )]
    pub epoch_burns: Box<Account<'info, EpochBurns>>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<BurnFee>, amount: u64, epoch: u64) -> Result<()> {
    require!(amount > 0, DataCreditsError::ZeroAmount);
    ctx.accounts.config.require_current_epoch(epoch)?;

    token_interface::burn(
        CpiContext::new(
            ctx.accounts.token_program.key(),
            Burn {
                mint: ctx.accounts.dc_mint.to_account_info(),
                from: ctx.accounts.source.to_account_info(),
                authority: ctx.accounts.owner.to_account_info(),
            },
        ),
        amount,
    )?;

    let config = ctx.accounts.config.key();
    let burns = &mut ctx.accounts.epoch_burns;
    burns.open(config, epoch, ctx.bumps.epoch_burns);
    burns.fees = burns.fees.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    emit!(FeeBurned { config, owner: ctx.accounts.owner.key(), amount, epoch, epoch_fees: burns.fees });
    Ok(())
}
