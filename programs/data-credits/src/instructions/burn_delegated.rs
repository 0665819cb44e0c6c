use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::{self, Burn, Mint, TokenAccount};

use crate::errors::DataCreditsError;
use crate::events::DelegatedBurned;
use crate::state::*;

/// Burns DC out of a usage escrow for one verified usage batch, signed by the oracle's burn
/// authority, and books it under the usage category of the current epoch.
#[derive(Accounts)]
pub struct BurnDelegated<'info> {
    /// Pays the rent of the epoch's burn totals when this is its first burn.
    #[account(mut)]
    pub payer: Signer<'info>,
    pub burn_authority: Signer<'info>,
    #[account(
        has_one = dc_mint @ DataCreditsError::WrongDcMint,
        has_one = burn_authority @ DataCreditsError::NotBurnAuthority,
    )]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    #[account(
        mut,
        seeds = [ESCROW_SEED, config.key().as_ref(), escrow.payer.as_ref(), escrow.router.as_ref()],
        bump = escrow.bump,
    )]
    pub escrow: Box<Account<'info, DelegatedEscrow>>,
    #[account(
        mut,
        associated_token::mint = dc_mint,
        associated_token::authority = escrow,
        associated_token::token_program = token_program,
    )]
    pub escrow_dc_account: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, mint::token_program = token_program)]
    pub dc_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: the epoch's burn totals ([EPOCH_BURNS_SEED, config, epoch]), opened or created by
    /// `EpochBurns::open_or_create`.
    #[account(mut)]
    pub epoch_burns: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<BurnDelegated>, amount: u64, category: u8, epoch: u64) -> Result<()> {
    require!(amount > 0, DataCreditsError::ZeroAmount);
    require!(usize::from(category) < MAX_CATEGORIES, DataCreditsError::InvalidCategory);
    ctx.accounts.config.require_current_epoch(epoch)?;
    let remaining = ctx.accounts.escrow_dc_account.amount.checked_sub(amount).ok_or(DataCreditsError::InsufficientEscrow)?;

    let escrow = &mut ctx.accounts.escrow;
    let config = escrow.config;
    let bump = [escrow.bump];
    let seeds: &[&[&[u8]]] = &[&[ESCROW_SEED, config.as_ref(), escrow.payer.as_ref(), escrow.router.as_ref(), &bump]];
    token_interface::burn(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.key(),
            Burn {
                mint: ctx.accounts.dc_mint.to_account_info(),
                from: ctx.accounts.escrow_dc_account.to_account_info(),
                authority: escrow.to_account_info(),
            },
            seeds,
        ),
        amount,
    )?;
    escrow.burned = escrow.burned.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;

    let burns_info = ctx.accounts.epoch_burns.to_account_info();
    let mut burns = EpochBurns::open_or_create(
        &burns_info,
        &config,
        epoch,
        &ctx.accounts.payer.to_account_info(),
        &ctx.accounts.system_program.to_account_info(),
    )?;
    let slot = &mut burns.usage_by_category[usize::from(category)];
    *slot = slot.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    let epoch_category_total = *slot;
    burns.store(&burns_info)?;
    emit!(DelegatedBurned {
        config,
        escrow: escrow.key(),
        router: escrow.router,
        amount,
        category,
        epoch,
        epoch_category_total,
        escrow_balance: remaining,
    });
    Ok(())
}
