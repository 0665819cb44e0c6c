use anchor_lang::prelude::*;
use anchor_spl::associated_token::AssociatedToken;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::{self, Burn, Mint, MintTo, TokenAccount};

use crate::errors::DataCreditsError;
use crate::events::DataCreditsDelegated;
use crate::state::*;

/// Moves DC from the payer into the usage escrow of (payer, router), out of which the burn
/// authority burns per usage batch. DC cannot be transferred (NonTransferable), so the move is
/// a burn from the payer and a mint of the same amount into the escrow: supply is unchanged.
#[derive(Accounts)]
#[instruction(amount: u64, router: Pubkey)]
pub struct DelegateDataCredits<'info> {
    /// Owner of the DC delegated; pays the rent of a new escrow.
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(has_one = dc_mint @ DataCreditsError::WrongDcMint)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    #[account(mut, mint::token_program = token_program)]
    pub dc_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        mut,
        token::mint = dc_mint,
        token::token_program = token_program,
        constraint = source.owner == payer.key() @ DataCreditsError::WrongTokenOwner,
    )]
    pub source: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + DelegatedEscrow::INIT_SPACE,
        seeds = [ESCROW_SEED, config.key().as_ref(), payer.key().as_ref(), router.as_ref()],
        bump,
    )]
    pub escrow: Box<Account<'info, DelegatedEscrow>>,
    #[account(
        init_if_needed,
        payer = payer,
        associated_token::mint = dc_mint,
        associated_token::authority = escrow,
        associated_token::token_program = token_program,
    )]
    pub escrow_dc_account: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
    pub associated_token_program: Program<'info, AssociatedToken>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<DelegateDataCredits>, amount: u64, router: Pubkey) -> Result<()> {
    require!(amount > 0, DataCreditsError::ZeroAmount);
    let config = &ctx.accounts.config;
    let payer = ctx.accounts.payer.key();

    token_interface::burn(
        CpiContext::new(
            ctx.accounts.token_program.key(),
            Burn {
                mint: ctx.accounts.dc_mint.to_account_info(),
                from: ctx.accounts.source.to_account_info(),
                authority: ctx.accounts.payer.to_account_info(),
            },
        ),
        amount,
    )?;
    let bump = [config.bump];
    let seeds: &[&[&[u8]]] = &[&[CONFIG_SEED, config.network_mint.as_ref(), &bump]];
    token_interface::mint_to(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.key(),
            MintTo {
                mint: ctx.accounts.dc_mint.to_account_info(),
                to: ctx.accounts.escrow_dc_account.to_account_info(),
                authority: config.to_account_info(),
            },
            seeds,
        ),
        amount,
    )?;

    let escrow = &mut ctx.accounts.escrow;
    if escrow.config == Pubkey::default() {
        escrow.config = config.key();
        escrow.payer = payer;
        escrow.router = router;
        escrow.withdrawable_at = 0;
        escrow.withdrawn = 0;
        escrow.bump = ctx.bumps.escrow;
    }
    escrow.delegated = escrow.delegated.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    let escrow_balance = ctx.accounts.escrow_dc_account.amount.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    emit!(DataCreditsDelegated { config: config.key(), escrow: escrow.key(), payer, router, amount, escrow_balance });
    Ok(())
}
