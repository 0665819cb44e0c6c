use anchor_lang::prelude::*;
use device_registry::ownership::{verify_owner, OwnershipProof};
use device_registry::state::DeviceLeaf;

use crate::errors::{ownership_error, RewardPoolError};
use crate::events::DestinationSet;
use crate::state::*;

/// The device cNFT's current owner chooses the token account its rewards are paid to;
/// `Pubkey::default()` pays the owner's own token account again. The choice lapses when the
/// device changes hands. Remaining accounts: the ownership proof's nodes, as for `claim`, whose
/// way of reading the accounts this shares.
#[derive(Accounts)]
pub struct SetDestination<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The device cNFT's owner now, proven against the device's tree in the handler.
    pub owner: Signer<'info>,
    /// CHECK: a pool of this program (owner and discriminator checked by `PoolHead::read`).
    pub pool: UncheckedAccount<'info>,
    /// CHECK: a DeviceInfo of the registry (checked by `DeviceLeaf::read`).
    pub device: UncheckedAccount<'info>,
    /// CHECK: the device's claim record in this pool, opened or created by
    /// `ClaimRecord::open_or_create`.
    #[account(mut)]
    pub claim_record: UncheckedAccount<'info>,
    /// CHECK: the device's tree, checked against the device and by account compression.
    pub merkle_tree: UncheckedAccount<'info>,
    /// CHECK: must be the program owning the tree; checked in `verify_owner`.
    pub compression_program: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler<'info>(ctx: Context<'info, SetDestination<'info>>, destination: Pubkey, ownership: OwnershipProof) -> Result<()> {
    let accounts = &ctx.accounts;
    let pool = PoolHead::read(&accounts.pool)?;
    let device = DeviceLeaf::read(&accounts.device)?;
    require_keys_eq!(device.network, pool.network, RewardPoolError::WrongNetwork);
    let owner = accounts.owner.key();
    verify_owner(
        &device,
        &owner,
        &ownership,
        &accounts.merkle_tree.to_account_info(),
        &accounts.compression_program.to_account_info(),
        ctx.remaining_accounts,
        ownership_error,
    )?;
    let pool_key = accounts.pool.key();
    let record_info = accounts.claim_record.to_account_info();
    let mut record = ClaimRecord::open_or_create(
        &record_info,
        &pool_key,
        &device.asset,
        &accounts.payer.to_account_info(),
        &accounts.system_program.to_account_info(),
    )?;
    record.destination = destination;
    record.destination_owner = owner;
    record.store(&record_info)?;
    emit!(DestinationSet { pool: pool_key, asset: device.asset, owner, destination });
    Ok(())
}
