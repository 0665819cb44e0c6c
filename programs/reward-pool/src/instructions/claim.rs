use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, TokenInterface, TransferChecked};
use device_registry::ownership::{verify_owner, OwnershipProof};
use device_registry::state::DeviceLeaf;

use crate::errors::{ownership_error, RewardPoolError};
use crate::events::RewardClaimed;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct ClaimArgs {
    /// The device's cumulative lifetime reward, as in its leaf (the device's asset id, this
    /// amount) of the active root.
    pub cumulative_amount: u64,
    /// Siblings from the leaf up to the root.
    pub proof: Vec<[u8; 32]>,
    /// The owner's proof that they own the device cNFT now; its nodes are the remaining
    /// accounts, from the leaf up, without the levels the tree's canopy holds.
    pub ownership: OwnershipProof,
}

/// Pays the current owner of a device cNFT (or the destination they set) what the active root
/// grants the device beyond what was already paid.
///
/// The claim is the network's most frequent instruction, so its accounts are read in place
/// rather than decoded whole (docs/compute-units.md): the pool's head ([`PoolHead`]), the
/// device's leaf fields ([`DeviceLeaf`]), the vault's balance and the recipient's owner. Each is
/// checked where it is read.
#[derive(Accounts)]
pub struct Claim<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The device cNFT's owner now, proven against the device's tree in the handler.
    pub owner: Signer<'info>,
    /// CHECK: a pool of this program (owner and discriminator checked by `PoolHead::read`).
    #[account(mut)]
    pub pool: UncheckedAccount<'info>,
    /// CHECK: a DeviceInfo of the registry (checked by `DeviceLeaf::read`). Only the registry
    /// writes them, so its asset id and tree are the ones Bubblegum minted. Its status does not
    /// matter: an inactive device is paid what the roots already grant it (docs/security.md).
    pub device: UncheckedAccount<'info>,
    /// CHECK: the device's claim record in this pool ([CLAIM_SEED, pool, asset]), opened or
    /// created by `ClaimRecord::open_or_create`.
    #[account(mut)]
    pub claim_record: UncheckedAccount<'info>,
    /// CHECK: must be the pool's vault (checked against the pool's head).
    #[account(mut)]
    pub vault: UncheckedAccount<'info>,
    /// CHECK: must be the pool's mint (checked against the pool's head); the token program
    /// checks it and its decimals in the transfer.
    pub mint: UncheckedAccount<'info>,
    /// CHECK: a token account of `token_program`, the owner's or the destination they set
    /// (checked in the handler); the token program checks its mint in the transfer.
    #[account(mut)]
    pub recipient: UncheckedAccount<'info>,
    /// CHECK: the device's tree, checked against the device and by account compression.
    pub merkle_tree: UncheckedAccount<'info>,
    /// CHECK: must be the program owning the tree; checked in `verify_owner`.
    pub compression_program: UncheckedAccount<'info>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Bytes of an SPL token account's base state (Token-2022 accounts start the same way).
const TOKEN_ACCOUNT_LEN: usize = 165;
/// Where the token account's owner and amount lie in it.
const TOKEN_OWNER_AT: usize = 32;
const TOKEN_AMOUNT_AT: usize = 64;

/// The owner of the token account `account` of `token_program`, or `None` when it is not one.
fn token_account_owner(account: &AccountInfo, token_program: &Pubkey) -> Option<Pubkey> {
    if account.owner != token_program {
        return None;
    }
    let data = account.try_borrow_data().ok()?;
    if data.len() < TOKEN_ACCOUNT_LEN {
        return None;
    }
    data[TOKEN_OWNER_AT..TOKEN_OWNER_AT + 32].try_into().ok().map(Pubkey::new_from_array)
}

/// The balance of the pool's vault (a token account the pool created, so its layout is known).
fn vault_amount(vault: &AccountInfo) -> Result<u64> {
    let data = vault.try_borrow_data()?;
    let amount = data.get(TOKEN_AMOUNT_AT..TOKEN_AMOUNT_AT + 8).ok_or(RewardPoolError::WrongVault)?;
    Ok(u64::from_le_bytes(amount.try_into().map_err(|_| RewardPoolError::WrongVault)?))
}

pub fn handler<'info>(ctx: Context<'info, Claim<'info>>, args: ClaimArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    let pool_info = accounts.pool.to_account_info();
    let mut pool = PoolHead::read(&pool_info)?;
    let device = DeviceLeaf::read(&accounts.device)?;
    require_keys_eq!(device.network, pool.network, RewardPoolError::WrongNetwork);
    require_keys_eq!(accounts.vault.key(), pool.vault, RewardPoolError::WrongVault);
    require_keys_eq!(accounts.mint.key(), pool.mint, RewardPoolError::WrongMint);

    let owner = accounts.owner.key();
    let record_info = accounts.claim_record.to_account_info();
    let mut record = ClaimRecord::open_or_create(
        &record_info,
        &pool_info.key(),
        &device.asset,
        &accounts.payer.to_account_info(),
        &accounts.system_program.to_account_info(),
    )?;
    let recipient = accounts.recipient.key();
    let paid_where_due = match record.destination_of(&owner) {
        Some(destination) => recipient == destination,
        None => token_account_owner(&accounts.recipient, &accounts.token_program.key()) == Some(owner),
    };
    require!(paid_where_due, RewardPoolError::WrongRecipient);

    require!(pool.active.epoch > 0, RewardPoolError::NoActiveRoot);
    require!(args.proof.len() <= fieldproof_merkle::MAX_PROOF_LEN, RewardPoolError::ProofTooLong);
    let leaf = fieldproof_merkle::leaf_hash(&device.asset.to_bytes(), args.cumulative_amount);
    require!(fieldproof_merkle::verify(&pool.active.root, leaf, &args.proof), RewardPoolError::InvalidProof);

    let owed = args.cumulative_amount.saturating_sub(record.claimed);
    require!(owed > 0, RewardPoolError::NothingToClaim);
    let total_claimed = pool.total_claimed.checked_add(owed).ok_or(RewardPoolError::ArithmeticOverflow)?;
    require!(total_claimed <= pool.active.cumulative_total, RewardPoolError::ExceedsRootTotal);

    // Last of the checks: the dearest, and a CPI into account compression when the proof is
    // not for the tree's current root.
    verify_owner(
        &device,
        &owner,
        &args.ownership,
        &accounts.merkle_tree.to_account_info(),
        &accounts.compression_program.to_account_info(),
        ctx.remaining_accounts,
        ownership_error,
    )?;
    pool.breaker.record(now, owed, vault_amount(&accounts.vault)?).map_err(breaker_error)?;

    let (id, bump) = pool.signer_seeds();
    let seeds: &[&[&[u8]]] = &[&[POOL_SEED, pool.mint.as_ref(), &id, &bump]];
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            accounts.token_program.key(),
            TransferChecked {
                from: accounts.vault.to_account_info(),
                mint: accounts.mint.to_account_info(),
                to: accounts.recipient.to_account_info(),
                authority: pool_info.clone(),
            },
            seeds,
        ),
        owed,
        pool.mint_decimals,
    )?;

    pool.total_claimed = total_claimed;
    pool.write(&pool_info)?;
    record.claimed = args.cumulative_amount;
    record.store(&record_info)?;
    emit!(RewardClaimed {
        pool: pool_info.key(),
        asset: device.asset,
        recipient,
        amount: owed,
        cumulative_claimed: record.claimed,
        epoch: pool.active.epoch,
    });
    Ok(())
}
