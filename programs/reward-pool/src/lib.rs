//! Reward pools: one per reward stream (coverage, mapping, ...). A quorum of oracles posts the
//! merkle root of every device's CUMULATIVE lifetime reward; after a dispute window the root
//! becomes active and each asset's reward can be claimed against it, paying only what was not
//! paid before.
use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod message;
pub mod state;

use instructions::*;
use device_registry::ownership::OwnershipProof;
use state::Role;

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

    pub fn update_pool_config(ctx: Context<UpdatePoolConfig>, args: UpdatePoolConfigArgs) -> Result<()> {
        instructions::update_pool_config::handler(ctx, args)
    }
}
