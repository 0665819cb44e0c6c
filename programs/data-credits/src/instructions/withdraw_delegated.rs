use anchor_lang::prelude::*;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::{self, Burn, Mint, MintTo, TokenAccount};

use crate::errors::DataCreditsError;
use crate::events::DelegatedWithdrawn;
use crate::state::*;

/// After the notice of `request_withdrawal`, the payer takes back every DC left in its escrow
/// for `router`. DC cannot be transferred (NonTransferable), so this burns them from the escrow
/// and mints as many to the payer: the supply is unchanged, and no epoch's burn totals count it.
#[derive(Accounts)]
#[instruction(router: Pubkey)]
pub struct WithdrawDelegated<'info> {
    pub payer: Signer<'info>,
    #[account(has_one = dc_mint @ DataCreditsError::WrongDcMint)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    #[account(
        mut,
        // The seeds bind the escrow to the signing payer: nobody else's escrow matches them.
        seeds = [ESCROW_SEED, config.key().as_ref(), payer.key().as_ref(), router.as_ref()],
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
    /// The payer's own DC account.
    #[account(
        mut,
        token::mint = dc_mint,
        token::token_program = token_program,
        constraint = destination.owner == payer.key() @ DataCreditsError::WrongTokenOwner,
    )]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, mint::token_program = token_program)]
    pub dc_mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Program<'info, Token2022>,
}

pub fn handler(ctx: Context<WithdrawDelegated>, router: Pubkey) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let escrow = &ctx.accounts.escrow;
    require!(escrow.withdrawable_at != 0 && now >= escrow.withdrawable_at, DataCreditsError::WithdrawalNotDue);
    let amount = ctx.accounts.escrow_dc_account.amount;
    let config = &ctx.accounts.config;
    if amount > 0 {
        let escrow_bump = [escrow.bump];
        let escrow_seeds: &[&[&[u8]]] =
            &[&[ESCROW_SEED, escrow.config.as_ref(), escrow.payer.as_ref(), escrow.router.as_ref(), &escrow_bump]];
        token_interface::burn(
            CpiContext::new_with_signer(
                ctx.accounts.token_program.key(),
                Burn {
                    mint: ctx.accounts.dc_mint.to_account_info(),
                    from: ctx.accounts.escrow_dc_account.to_account_info(),
                    authority: escrow.to_account_info(),
                },
                escrow_seeds,
            ),
            amount,
        )?;
        let config_bump = [config.bump];
        let config_seeds: &[&[&[u8]]] = &[&[CONFIG_SEED, config.network_mint.as_ref(), &config_bump]];
        token_interface::mint_to(
            CpiContext::new_with_signer(
                ctx.accounts.token_program.key(),
                MintTo {
                    mint: ctx.accounts.dc_mint.to_account_info(),
                    to: ctx.accounts.destination.to_account_info(),
                    authority: config.to_account_info(),
                },
                config_seeds,
            ),
            amount,
        )?;
    }
    let escrow = &mut ctx.accounts.escrow;
    escrow.withdrawable_at = 0;
    escrow.withdrawn = escrow.withdrawn.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    emit!(DelegatedWithdrawn { config: escrow.config, escrow: escrow.key(), payer: escrow.payer, router, amount });
    Ok(())
}
