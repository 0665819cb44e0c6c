use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use fieldproof_circuit_breaker::{BreakerConfig, WindowedBreaker};

use crate::errors::RewardPoolError;
use crate::events::PoolCreated;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreatePoolArgs {
    /// Reward stream number, unique per mint (e.g. 0 coverage, 1 mapping).
    pub id: u16,
    pub guardian: Pubkey,
    pub oracles: Vec<Pubkey>,
    pub threshold: u8,
    pub dispute_window_secs: i64,
    pub breaker: BreakerConfig,
}

#[derive(Accounts)]
#[instruction(args: CreatePoolArgs)]
pub struct CreatePool<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The pool's authority; signs so that a pool cannot be created in someone else's name.
    pub authority: Signer<'info>,
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
    require!(args.dispute_window_secs >= 0, RewardPoolError::InvalidDisputeWindow);
    let oracles = OracleSet::from_keys(&args.oracles, args.threshold)?;
    let breaker = WindowedBreaker::new(args.breaker).map_err(breaker_error)?;
    let pool = &mut ctx.accounts.pool;
    pool.set_inner(Pool {
        mint: ctx.accounts.mint.key(),
        id: args.id,
        vault: ctx.accounts.vault.key(),
        authority: ctx.accounts.authority.key(),
        guardian: args.guardian,
        pending_authority: Pubkey::default(),
        pending_guardian: Pubkey::default(),
        oracles,
        pending_oracles: None,
        config_version: 1,
        dispute_window_secs: args.dispute_window_secs,
        active: RootState::default(),
        pending: None,
        total_claimed: 0,
        breaker,
        bump: ctx.bumps.pool,
        vault_bump: ctx.bumps.vault,
    });
    emit!(PoolCreated {
        pool: pool.key(),
        mint: pool.mint,
        id: pool.id,
        authority: pool.authority,
        guardian: pool.guardian,
        threshold: oracles.threshold,
        oracle_count: oracles.count,
    });
    Ok(())
}
