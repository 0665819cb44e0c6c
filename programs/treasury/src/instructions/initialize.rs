use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, spl_token_2022::instruction::AuthorityType, Mint, SetAuthority, TokenInterface};
use data_credits::state::DataCreditsConfig;
use fieldproof_circuit_breaker::WindowedBreaker;

use crate::errors::TreasuryError;
use crate::events::TreasuryInitialized;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeArgs {
    /// Changes the parameters (through the time lock) and rotates itself; may be a multisig
    /// vault that cannot sign this instruction.
    pub authority: Pubkey,
    /// Cancels pending parameter changes; must not be the authority's key.
    pub guardian: Pubkey,
    pub params: Params,
}

/// Creates the treasury of `mint` and hands it the mint authority. The data-credits config the
/// parameters name must exist, for the same token and with the same epochs. Remaining accounts:
/// the recipients' token accounts, in the order of `params.recipients`, so a treasury cannot
/// start with a recipient that cannot receive the mint.
#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The mint's current mint authority, giving it up to the treasury.
    pub mint_authority: Signer<'info>,
    #[account(
        init,
        payer = payer,
        space = 8 + Treasury::INIT_SPACE,
        seeds = [TREASURY_SEED, mint.key().as_ref()],
        bump,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    #[account(mut, mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The data-credits config of `params.dc_config`.
    pub dc_config: Box<Account<'info, DataCreditsConfig>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    let mint_authority = ctx.accounts.mint_authority.key();
    require!(
        ctx.accounts.mint.mint_authority == Some(mint_authority).into(),
        TreasuryError::NotMintAuthority
    );
    args.params.validate(args.params.schedule.scheduled_emission(0))?;
    require!(args.guardian != args.authority && args.guardian != Pubkey::default(), TreasuryError::GuardianIsAuthority);
    let mint_key = ctx.accounts.mint.key();
    args.params.check_dc_config(&ctx.accounts.dc_config, &mint_key)?;
    let token_program = ctx.accounts.token_program.key();
    args.params.check_recipient_accounts(ctx.remaining_accounts, &mint_key, &token_program)?;
    let breaker = WindowedBreaker::new(args.params.breaker).map_err(breaker_error)?;

    let treasury_key = ctx.accounts.treasury.key();
    token_interface::set_authority(
        CpiContext::new(
            token_program,
            SetAuthority {
                current_authority: ctx.accounts.mint_authority.to_account_info(),
                account_or_mint: ctx.accounts.mint.to_account_info(),
            },
        ),
        AuthorityType::MintTokens,
        Some(treasury_key),
    )?;

    let treasury = &mut ctx.accounts.treasury;
    treasury.set_inner(Treasury {
        mint: mint_key,
        token_program,
        authority: args.authority,
        pending_authority: Pubkey::default(),
        guardian: args.guardian,
        pending_guardian: None,
        params: args.params,
        pending_params: None,
        next_epoch: 0,
        total_emitted: 0,
        breaker,
        bump: ctx.bumps.treasury,
    });
    emit!(TreasuryInitialized {
        treasury: treasury_key,
        mint: mint_key,
        authority: treasury.authority,
        guardian: treasury.guardian,
        params: treasury.params.clone(),
    });
    Ok(())
}
