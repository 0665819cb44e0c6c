use anchor_lang::prelude::*;
use anchor_lang::system_program;
use anchor_spl::token_2022::spl_token_2022::extension::ExtensionType;
use anchor_spl::token_2022::spl_token_2022::state::Mint as MintState;
use anchor_spl::token_2022::Token2022;
use anchor_spl::token_interface::{self, InitializeMint2, Mint, NonTransferableMintInitialize};
use fieldproof_circuit_breaker::{BreakerConfig, WindowedBreaker};

use crate::errors::DataCreditsError;
use crate::events::ConfigInitialized;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeArgs {
    pub burn_authority: Pubkey,
    /// Cancels pending loosening changes; must not be the authority's key.
    pub guardian: Pubkey,
    /// How long every loosening change waits; the floor for the config's life.
    pub timelock_secs: i64,
    pub price_source: PriceSource,
    pub max_price_staleness_secs: i64,
    /// Start of burn epoch 0 (unix seconds); burns before it are refused.
    pub epoch_start: i64,
    pub epoch_length_secs: i64,
    /// Must be absolute: its base, the DC supply, starts at zero.
    pub breaker: BreakerConfig,
}

/// Creates the config of one network token and its DC mint. Its address derives from the mint
/// alone, and the device network's and the pools' follow from it, so only the network token's
/// mint authority may create it: nobody can take the address first. (The bootstrap does it
/// before it hands the mint authority to the treasury.)
#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The network token's mint authority, which becomes the config's authority.
    pub authority: Signer<'info>,
    #[account(constraint = network_mint.mint_authority == Some(authority.key()).into() @ DataCreditsError::NotMintAuthority)]
    pub network_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        init,
        payer = payer,
        space = 8 + DataCreditsConfig::INIT_SPACE,
        seeds = [CONFIG_SEED, network_mint.key().as_ref()],
        bump,
    )]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    /// CHECK: created here as a Token-2022 mint with the NonTransferable extension; its address
    /// is fixed by the seeds.
    #[account(mut, seeds = [DC_MINT_SEED, config.key().as_ref()], bump)]
    pub dc_mint: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    let settings = Settings { price_source: args.price_source, max_price_staleness_secs: args.max_price_staleness_secs, breaker: args.breaker };
    settings.validate()?;
    require!(args.epoch_length_secs > 0, DataCreditsError::InvalidEpochLength);
    validate_timelock(args.timelock_secs)?;
    let authority = ctx.accounts.authority.key();
    require!(args.guardian != authority && args.guardian != Pubkey::default(), DataCreditsError::GuardianIsAuthority);
    let breaker = WindowedBreaker::new(args.breaker).map_err(breaker_error)?;

    let config_key = ctx.accounts.config.key();
    create_dc_mint(&ctx, config_key)?;

    let config = &mut ctx.accounts.config;
    config.set_inner(DataCreditsConfig {
        authority,
        pending_authority: Pubkey::default(),
        burn_authority: args.burn_authority,
        pending_burn_authority: None,
        guardian: args.guardian,
        pending_guardian: None,
        timelock_secs: args.timelock_secs,
        pending_settings: None,
        network_mint: ctx.accounts.network_mint.key(),
        dc_mint: ctx.accounts.dc_mint.key(),
        price_source: args.price_source,
        max_price_staleness_secs: args.max_price_staleness_secs,
        epoch_start: args.epoch_start,
        epoch_length_secs: args.epoch_length_secs,
        breaker,
        bump: ctx.bumps.config,
        dc_mint_bump: ctx.bumps.dc_mint,
    });
    emit!(ConfigInitialized {
        config: config_key,
        network_mint: config.network_mint,
        dc_mint: config.dc_mint,
        authority: config.authority,
        burn_authority: config.burn_authority,
        guardian: config.guardian,
        timelock_secs: config.timelock_secs,
        price_source: config.price_source,
        max_price_staleness_secs: config.max_price_staleness_secs,
        epoch_start: config.epoch_start,
        epoch_length_secs: config.epoch_length_secs,
        breaker: args.breaker,
    });
    Ok(())
}

/// Anchor's `mint::` constraints cannot add the NonTransferable extension, so the mint is
/// created by hand: allocate with room for the extension, initialize the extension, then the
/// mint (0 decimals, mint authority the config, no freeze authority).
fn create_dc_mint(ctx: &Context<Initialize>, config_key: Pubkey) -> Result<()> {
    let dc_mint = ctx.accounts.dc_mint.to_account_info();
    let payer = ctx.accounts.payer.to_account_info();
    let token_program = ctx.accounts.token_program.key();
    let system = ctx.accounts.system_program.key();
    let space = ExtensionType::try_calculate_account_len::<MintState>(&[ExtensionType::NonTransferable])
        .map_err(|_| error!(DataCreditsError::ArithmeticOverflow))?;
    let rent = Rent::get()?.minimum_balance(space);
    let bump = [ctx.bumps.dc_mint];
    let seeds: &[&[&[u8]]] = &[&[DC_MINT_SEED, config_key.as_ref(), &bump]];

    // Lamports sent to the address beforehand must not block initialization: top up, then
    // allocate and assign, as Anchor's own `init` does.
    let held = dc_mint.lamports();
    if held == 0 {
        system_program::create_account(
            CpiContext::new_with_signer(system, system_program::CreateAccount { from: payer, to: dc_mint.clone() }, seeds),
            rent,
            space as u64,
            &token_program,
        )?;
    } else {
        let missing = rent.saturating_sub(held);
        if missing > 0 {
            system_program::transfer(
                CpiContext::new(system, system_program::Transfer { from: payer, to: dc_mint.clone() }),
                missing,
            )?;
        }
        system_program::allocate(
            CpiContext::new_with_signer(system, system_program::Allocate { account_to_allocate: dc_mint.clone() }, seeds),
            space as u64,
        )?;
        system_program::assign(
            CpiContext::new_with_signer(system, system_program::Assign { account_to_assign: dc_mint.clone() }, seeds),
            &token_program,
        )?;
    }

    token_interface::non_transferable_mint_initialize(CpiContext::new(
        token_program,
        NonTransferableMintInitialize { token_program_id: ctx.accounts.token_program.to_account_info(), mint: dc_mint.clone() },
    ))?;
    token_interface::initialize_mint2(
        CpiContext::new(token_program, InitializeMint2 { mint: dc_mint }),
        DC_DECIMALS,
        &config_key,
        None,
    )?;
    Ok(())
}
