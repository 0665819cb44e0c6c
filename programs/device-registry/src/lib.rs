//! Device registry: every device of the network is a Bubblegum compressed NFT. A device is
//! issued only when its hardware key and its maker's attestation key both sign the onboarding
//! message (checked on-chain through the Ed25519 precompile); whoever owns the cNFT now is the
//! device's owner, proven against the tree through account compression, for location asserts
//! here and for reward claims in reward-pool (see [`ownership`]).
use anchor_lang::prelude::*;

pub mod bubblegum;
pub mod errors;
pub mod events;
pub mod fees;
pub mod instructions;
pub mod onboarding;
pub mod ownership;
pub mod state;

use instructions::*;
use state::{DeviceStatus, Role};

declare_id!("GJrirZn5tU8UhTKnwwXCjXDDhKYUC4RFWpV5XuuxKtSY");

#[program]
pub mod device_registry {
    use super::*;

    pub fn initialize_network(ctx: Context<InitializeNetwork>, args: NetworkArgs) -> Result<()> {
        instructions::initialize_network::handler(ctx, args)
    }

    pub fn update_network(ctx: Context<UpdateNetwork>, args: NetworkArgs) -> Result<()> {
        instructions::update_network::handler(ctx, args)
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

    pub fn set_active_tree(ctx: Context<SetActiveTree>) -> Result<()> {
        instructions::set_active_tree::handler(ctx)
    }

    pub fn approve_maker(ctx: Context<ApproveMaker>, args: MakerArgs) -> Result<()> {
        instructions::approve_maker::handler(ctx, args)
    }

    pub fn revoke_maker(ctx: Context<RevokeMaker>) -> Result<()> {
        instructions::revoke_maker::handler(ctx)
    }

    pub fn issue_device(ctx: Context<IssueDevice>, args: IssueDeviceArgs) -> Result<()> {
        instructions::issue_device::handler(ctx, args)
    }

    pub fn assert_location<'info>(
        ctx: Context<'info, AssertLocation<'info>>,
        args: AssertLocationArgs,
    ) -> Result<()> {
        instructions::assert_location::handler(ctx, args)
    }

    pub fn set_device_status(ctx: Context<SetDeviceStatus>, status: DeviceStatus) -> Result<()> {
        instructions::set_device_status::handler(ctx, status)
    }
}
