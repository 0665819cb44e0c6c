use anchor_lang::prelude::*;

use crate::errors::RegistryError;
use crate::events::LocationAsserted;
use crate::fees::*;
use crate::ownership::{verify_owner, OwnershipProof};
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct AssertLocationArgs {
    pub h3_cell: u64,
    pub elevation: i32,
    pub gain: i32,
    pub ownership: OwnershipProof,
}

/// The device cNFT's current owner sets where the device stands and pays the location fee in
/// DC. Remaining accounts: the ownership proof's nodes, from the leaf up, without the levels
/// the tree's canopy holds.
#[derive(Accounts)]
pub struct AssertLocation<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// Proves cNFT ownership below and pays the fee from its DC account.
    pub owner: Signer<'info>,
    #[account(seeds = [NETWORK_SEED, network.dc_config.as_ref()], bump = network.bump)]
    pub network: Box<Account<'info, NetworkConfig>>,
    #[account(
        mut,
        seeds = [DEVICE_SEED, network.key().as_ref(), &device_key_hash(&device.device_key)],
        bump = device.bump,
        has_one = network,
    )]
    pub device: Box<Account<'info, DeviceInfo>>,
    /// CHECK: the device's tree, checked against the device and by account compression.
    pub merkle_tree: UncheckedAccount<'info>,
    /// CHECK: must be the program owning the tree; checked in `verify_owner`.
    pub compression_program: UncheckedAccount<'info>,
    pub fee: DcFee<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler<'info>(ctx: Context<'info, AssertLocation<'info>>, args: AssertLocationArgs) -> Result<()> {
    require!(ctx.accounts.device.status == DeviceStatus::Active, RegistryError::DeviceInactive);
    let location = Location::validated(args.h3_cell, args.elevation, args.gain)?;
    let owner = ctx.accounts.owner.key();
    verify_owner(
        &ctx.accounts.device.leaf(),
        &owner,
        &args.ownership,
        &ctx.accounts.merkle_tree.to_account_info(),
        &ctx.accounts.compression_program.to_account_info(),
        ctx.remaining_accounts,
        Error::from,
    )?;
    let network = &ctx.accounts.network;
    ctx.accounts.fee.burn(
        &network.head(),
        &ctx.accounts.payer.to_account_info(),
        &ctx.accounts.owner.to_account_info(),
        &ctx.accounts.system_program.to_account_info(),
        network.location_fee,
    )?;

    let device = &mut ctx.accounts.device;
    device.location = location;
    device.location_asserts = device.location_asserts.checked_add(1).ok_or(RegistryError::ArithmeticOverflow)?;
    device.last_location_assert_at = Clock::get()?.unix_timestamp;
    emit!(LocationAsserted {
        device: device.key(),
        asset: device.asset,
        owner,
        location,
        fee: network.location_fee,
        asserts: device.location_asserts,
    });
    Ok(())
}
