use anchor_lang::prelude::*;
use device_registry::ownership::{verify_owner, OwnershipProof};
use device_registry::state::DeviceInfo;

use crate::errors::{ownership_error, RewardPoolError};
use crate::events::DestinationSet;
use crate::state::*;

/// The device cNFT's current owner chooses the token account its rewards are paid to;
/// `Pubkey::default()` pays the owner's own token account again. The choice lapses when the
/// device changes hands. Remaining accounts: the ownership proof's nodes, as for `claim`.
#[derive(Accounts)]
pub struct SetDestination<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The device cNFT's owner now, proven through account compression in the handler.
    pub owner: Signer<'info>,
    pub pool: Box<Account<'info, Pool>>,
    #[account(constraint = device.network == pool.network @ RewardPoolError::WrongNetwork)]
    pub device: Box<Account<'info, DeviceInfo>>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + ClaimRecord::INIT_SPACE,
        seeds = [CLAIM_SEED, pool.key().as_ref(), device.asset.as_ref()],
        bump,
    )]
    pub claim_record: Box<Account<'info, ClaimRecord>>,
    /// CHECK: the device's tree, checked against the device and by account compression.
    pub merkle_tree: UncheckedAccount<'info>,
    /// CHECK: must be the program owning the tree; checked in `verify_owner`.
    pub compression_program: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler<'info>(ctx: Context<'info, SetDestination<'info>>, destination: Pubkey, ownership: OwnershipProof) -> Result<()> {
    let owner = ctx.accounts.owner.key();
    verify_owner(
        &ctx.accounts.device,
        &owner,
        &ownership,
        &ctx.accounts.merkle_tree.to_account_info(),
        &ctx.accounts.compression_program.to_account_info(),
        ctx.remaining_accounts,
        ownership_error,
    )?;
    let pool = ctx.accounts.pool.key();
    let asset = ctx.accounts.device.asset;
    let record = &mut ctx.accounts.claim_record;
    record.open(pool, asset, ctx.bumps.claim_record);
    record.destination = destination;
    record.destination_owner = owner;
    emit!(DestinationSet { pool, asset, owner, destination });
    Ok(())
}
