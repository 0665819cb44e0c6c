//! Treasury: holds the network token's mint authority in a PDA and emits every epoch on a
//! published schedule (halvings, hard supply cap), once per epoch through a permissionless
//! crank, split into reward-pool vaults by static weights and optionally by the epoch's DC usage
//! burns. Every emission passes a windowed circuit breaker; parameter changes are time-locked
//! and the guardian can cancel them.
use anchor_lang::prelude::*;

pub mod emission;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod state;

use instructions::*;
use state::{Params, Role};

declare_id!("7ghpvAn2KLVm4nbGKdrAVBind7vGaXwvmumZKHo7ZZrj");

#[program]
pub mod treasury {
    use super::*;

    pub fn initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
        instructions::initialize::handler(ctx, args)
    }

    pub fn emit_epoch<'info>(ctx: Context<'info, EmitEpoch<'info>>, epoch: u64) -> Result<()> {
        instructions::emit_epoch::handler(ctx, epoch)
    }

    pub fn propose_params(ctx: Context<ProposeParams>, params: Params) -> Result<()> {
        instructions::propose_params::handler(ctx, params)
    }

    pub fn apply_params(ctx: Context<ApplyParams>) -> Result<()> {
        instructions::apply_params::handler(ctx)
    }

    pub fn cancel_params(ctx: Context<CancelParams>) -> Result<()> {
        instructions::cancel_params::handler(ctx)
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
}
