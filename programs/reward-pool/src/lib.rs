//! Reward pools: one per reward stream (coverage, mapping, ...). A quorum of oracles posts the
//! merkle root of every device's CUMULATIVE lifetime reward; after a dispute window the root
//! becomes active and each asset's reward can be claimed against it, paying only what was not
//! paid before.
//!
//! Safety (docs/security.md): every change that loosens the pool (a shorter dispute window, a
//! looser breaker, a new oracle set, a new guardian) waits out a time lock the guardian can
//! cancel, whose floor is fixed at creation; a veto voids every signature gathered before it; a
//! matured pending root is activated before another is posted.
use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod message;
pub mod state;

use instructions::*;
use device_registry::ownership::OwnershipProof;
use state::{PoolConfig, Role};

declare_id!("GcZdGAvDUcKz5fMHSEon61yHp2Z164JZszMxsR4uchvo");

#[program]
pub mod reward_pool {
    use super::*;

    pub fn create_pool(ctx: Context<CreatePool>, args: CreatePoolArgs) -> Result<()> {
        instructions::create_pool::handler(ctx, args)
    }

    pub fn post_root(ctx: Context<PostRoot>, args: PostRootArgs) -> Result<()> {
        instructions::post_root::handler(ctx, args)
    }

    pub fn activate_root(ctx: Context<ActivateRoot>) -> Result<()> {
        instructions::activate_root::handler(ctx)
    }

    pub fn veto_root(ctx: Context<VetoRoot>) -> Result<()> {
        instructions::veto_root::handler(ctx)
    }

    pub fn claim<'info>(ctx: Context<'info, Claim<'info>>, args: ClaimArgs) -> Result<()> {
        instructions::claim::handler(ctx, args)
    }

    pub fn set_destination<'info>(ctx: Context<'info, SetDestination<'info>>, destination: Pubkey, ownership: OwnershipProof) -> Result<()> {
        instructions::set_destination::handler(ctx, destination, ownership)
    }

    pub fn propose_oracle_set(ctx: Context<ProposeOracleSet>, oracle_set: OracleSetArgs) -> Result<()> {
        instructions::propose_oracle_set::handler(ctx, oracle_set)
    }

    pub fn apply_oracle_set(ctx: Context<ApplyOracleSet>) -> Result<()> {
        instructions::apply_oracle_set::handler(ctx)
    }

    pub fn cancel_oracle_set(ctx: Context<CancelOracleSet>) -> Result<()> {
        instructions::cancel_oracle_set::handler(ctx)
    }

    pub fn propose_role(ctx: Context<ProposeRole>, role: Role, new_holder: Pubkey) -> Result<()> {
        instructions::propose_role::handler(ctx, role, new_holder)
    }

    pub fn accept_role(ctx: Context<AcceptRole>, role: Role) -> Result<()> {
        instructions::accept_role::handler(ctx, role)
    }

    pub fn cancel_role(ctx: Context<CancelRole>, role: Role) -> Result<()> {
        instructions::cancel_role::handler(ctx, role)
    }

    pub fn tighten_pool_config(ctx: Context<TightenPoolConfig>, config: PoolConfig) -> Result<()> {
        instructions::tighten_pool_config::handler(ctx, config)
    }

    pub fn propose_pool_config(ctx: Context<ProposePoolConfig>, config: PoolConfig) -> Result<()> {
        instructions::propose_pool_config::handler(ctx, config)
    }

    pub fn apply_pool_config(ctx: Context<ApplyPoolConfig>) -> Result<()> {
        instructions::apply_pool_config::handler(ctx)
    }

    pub fn cancel_pool_config(ctx: Context<CancelPoolConfig>) -> Result<()> {
        instructions::cancel_pool_config::handler(ctx)
    }

    pub fn raise_timelock(ctx: Context<RaiseTimelock>, timelock_secs: i64) -> Result<()> {
        instructions::raise_timelock::handler(ctx, timelock_secs)
    }
}
