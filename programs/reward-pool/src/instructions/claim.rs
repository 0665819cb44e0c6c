use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};
use device_registry::ownership::{verify_owner, OwnershipProof};
use device_registry::state::DeviceInfo;

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
#[derive(Accounts)]
pub struct Claim<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The device cNFT's owner now, proven through account compression in the handler.
    pub owner: Signer<'info>,
    #[account(mut, has_one = vault, has_one = mint)]
    pub pool: Box<Account<'info, Pool>>,
    /// The device; only the registry writes DeviceInfo accounts, so its asset id and tree are
    /// the ones Bubblegum minted. Its status does not matter: an inactive device is paid what
    /// the roots already grant it (see docs/security.md).
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
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The owner's token account, or the destination the owner set.
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub recipient: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: the device's tree, checked against the device and by account compression.
    pub merkle_tree: UncheckedAccount<'info>,
    /// CHECK: must be the program owning the tree; checked in `verify_owner`.
    pub compression_program: UncheckedAccount<'info>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handler<'info>(ctx: Context<'info, Claim<'info>>, args: ClaimArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let pool_key = ctx.accounts.pool.key();
    let asset = ctx.accounts.device.asset;
    let owner = ctx.accounts.owner.key();
    let record = &mut ctx.accounts.claim_record;
    record.open(pool_key, asset, ctx.bumps.claim_record);

    let recipient = &ctx.accounts.recipient;
    let paid_where_due = match record.destination_of(&owner) {
        Some(destination) => recipient.key() == destination,
        None => recipient.owner == owner,
    };
    require!(paid_where_due, RewardPoolError::WrongRecipient);

    let pool = &mut ctx.accounts.pool;
    require!(pool.active.epoch > 0, RewardPoolError::NoActiveRoot);
    require!(args.proof.len() <= fieldproof_merkle::MAX_PROOF_LEN, RewardPoolError::ProofTooLong);
    let leaf = fieldproof_merkle::leaf_hash(&asset.to_bytes(), args.cumulative_amount);
    require!(fieldproof_merkle::verify(&pool.active.root, leaf, &args.proof), RewardPoolError::InvalidProof);

    let owed = args.cumulative_amount.saturating_sub(record.claimed);
    require!(owed > 0, RewardPoolError::NothingToClaim);
    let total_claimed = pool.total_claimed.checked_add(owed).ok_or(RewardPoolError::ArithmeticOverflow)?;
    require!(total_claimed <= pool.active.cumulative_total, RewardPoolError::ExceedsRootTotal);

    // Last of the checks: the dearest, and a CPI into account compression when the proof is
    // not for the tree's current root.
    verify_owner(
        &ctx.accounts.device,
        &owner,
        &args.ownership,
        &ctx.accounts.merkle_tree.to_account_info(),
        &ctx.accounts.compression_program.to_account_info(),
        ctx.remaining_accounts,
        ownership_error,
    )?;
    pool.breaker.record(now, owed, ctx.accounts.vault.amount).map_err(breaker_error)?;

    let mint_key = pool.mint;
    let id = pool.id.to_le_bytes();
    let bump = [pool.bump];
    let seeds: &[&[&[u8]]] = &[&[POOL_SEED, mint_key.as_ref(), &id, &bump]];
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.key(),
            TransferChecked {
                from: ctx.accounts.vault.to_account_info(),
                mint: ctx.accounts.mint.to_account_info(),
                to: ctx.accounts.recipient.to_account_info(),
                authority: pool.to_account_info(),
            },
            seeds,
        ),
        owed,
        ctx.accounts.mint.decimals,
    )?;

    pool.total_claimed = total_claimed;
    record.claimed = args.cumulative_amount;
    emit!(RewardClaimed {
        pool: pool_key,
        asset,
        recipient: ctx.accounts.recipient.key(),
        amount: owed,
        cumulative_claimed: record.claimed,
        epoch: pool.active.epoch,
    });
    Ok(())
}
