use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use data_credits::state::DataCreditsConfig;
use device_registry::state::NetworkConfig;
use fieldproof_circuit_breaker::{BreakerConfig, WindowedBreaker};

use crate::errors::RewardPoolError;
use crate::events::PoolCreated;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreatePoolArgs {
    /// Reward stream number, unique per mint (e.g. 0 coverage, 1 mapping).
    pub id: u16,
    /// Must not be the authority's key.
    pub guardian: Pubkey,
    pub oracles: Vec<Pubkey>,
    pub threshold: u8,
    pub dispute_window_secs: i64,
    pub breaker: BreakerConfig,
    /// How long every loosening change waits; the floor for the pool's life.
    pub timelock_secs: i64,
}

/// Creates the pool of reward stream `id` of a device network, paid in the network's token.
/// Only the network's authority may: the pool's address derives from the mint and the id alone,
/// and the treasury emits into it, so a pool created by anyone else first would take the
/// network's emissions.
#[derive(Accounts)]
#[instruction(args: CreatePoolArgs)]
pub struct CreatePool<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The device network's authority, which becomes the pool's authority.
    pub authority: Signer<'info>,
    #[account(constraint = network.authority == authority.key() @ RewardPoolError::NotNetworkAuthority)]
    pub network: Box<Account<'info, NetworkConfig>>,
    /// The network's data-credits config, which names the network's token.
    #[account(
        address = network.dc_config @ RewardPoolError::WrongDcConfig,
        constraint = dc_config.network_mint == mint.key() @ RewardPoolError::WrongNetworkMint,
    )]
    pub dc_config: Box<Account<'info, DataCreditsConfig>>,
    #[account(
        init,
        payer = payer,
        space = 8 + Pool::INIT_SPACE,
        seeds = [POOL_SEED, mint.key().as_ref(), &args.id.to_le_bytes()],
        bump,
    )]
    pub pool: Box<Account<'info, Pool>>,
    #[account(
        init,
        payer = payer,
        seeds = [VAULT_SEED, pool.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = pool,
        token::token_program = token_program,
    )]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<CreatePool>, args: CreatePoolArgs) -> Result<()> {
    let config = PoolConfig { dispute_window_secs: args.dispute_window_secs, breaker: args.breaker };
    config.validate()?;
    validate_timelock(args.timelock_secs)?;
    let authority = ctx.accounts.authority.key();
    require!(args.guardian != authority && args.guardian != Pubkey::default(), RewardPoolError::GuardianIsAuthority);
    let oracles = OracleSet::from_keys(&args.oracles, args.threshold)?;
    let breaker = WindowedBreaker::new(args.breaker).map_err(breaker_error)?;
    let clock = Clock::get()?;
    let pool_key = ctx.accounts.pool.key();
    let pool = &mut ctx.accounts.pool;
    pool.set_inner(Pool {
        network: ctx.accounts.network.key(),
        mint: ctx.accounts.mint.key(),
        vault: ctx.accounts.vault.key(),
        id: args.id,
        bump: ctx.bumps.pool,
        vault_bump: ctx.bumps.vault,
        mint_decimals: ctx.accounts.mint.decimals,
        active: RootState::default(),
        total_claimed: 0,
        breaker,
        authority,
        guardian: args.guardian,
        pending_authority: Pubkey::default(),
        pending_guardian: None,
        oracles,
        pending_oracles: None,
        config_version: initial_config_version(clock.slot, clock.unix_timestamp, &pool_key),
        timelock_secs: args.timelock_secs,
        dispute_window_secs: args.dispute_window_secs,
        pending_config: None,
        pending: None,
    });
    emit!(PoolCreated {
        pool: pool_key,
        network: pool.network,
        mint: pool.mint,
        id: pool.id,
        authority: pool.authority,
        guardian: pool.guardian,
        threshold: oracles.threshold,
        oracle_count: oracles.count,
        config_version: pool.config_version,
        timelock_secs: pool.timelock_secs,
        dispute_window_secs: pool.dispute_window_secs,
        breaker: args.breaker,
    });
    Ok(())
}
