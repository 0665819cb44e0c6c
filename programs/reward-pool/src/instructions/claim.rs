use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::errors::RewardPoolError;
use crate::events::RewardClaimed;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct ClaimArgs {
    pub asset: Pubkey,
    /// The asset's cumulative lifetime reward, as in its leaf of the active root.
    pub cumulative_amount: u64,
    /// Siblings from the leaf up to the root.
    pub proof: Vec<[u8; 32]>,
}

#[derive(Accounts)]
#[instruction(args: ClaimArgs)]
pub struct Claim<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The asset's owner. Until the device registry proves ownership of the device cNFT, the
    /// owner must sign; the reward leaf (asset id, amount) does not depend on who the owner is.
    pub owner: Signer<'info>,
    #[account(mut, has_one = vault, has_one = mint)]
    pub pool: Box<Account<'info, Pool>>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + ClaimRecord::INIT_SPACE,
        seeds = [CLAIM_SEED, pool.key().as_ref(), args.asset.as_ref()],
        bump,
    )]
    pub claim_record: Box<Account<'info, ClaimRecord>>,
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The owner's token account, or the destination the owner set.
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub recipient: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Claim>, args: ClaimArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let pool_key = ctx.accounts.pool.key();
    let record = &mut ctx.accounts.claim_record;
    if record.pool == Pubkey::default() {
        record.pool = pool_key;
        record.asset = args.asset;
        record.bump = ctx.bumps.claim_record;
    }

    let recipient = &ctx.accounts.recipient;
    let paid_to_destination = record.destination != Pubkey::default() && recipient.key() == record.destination;
    let paid_to_owner = record.destination == Pubkey::default() && recipient.owner == ctx.accounts.owner.key();
    require!(paid_to_destination || paid_to_owner, RewardPoolError::WrongRecipient);

    let pool = &mut ctx.accounts.pool;
    require!(pool.active.epoch > 0, RewardPoolError::NoActiveRoot);
    require!(args.proof.len() <= fieldproof_merkle::MAX_PROOF_LEN, RewardPoolError::ProofTooLong);
    let leaf = fieldproof_merkle::leaf_hash(&args.asset.to_bytes(), args.cumulative_amount);
    require!(fieldproof_merkle::verify(&pool.active.root, leaf, &args.proof), RewardPoolError::InvalidProof);

    let owed = args.cumulative_amount.saturating_sub(record.claimed);
    require!(owed > 0, RewardPoolError::NothingToClaim);
    let total_claimed = pool.total_claimed.checked_add(owed).ok_or(RewardPoolError::ArithmeticOverflow)?;
    require!(total_claimed <= pool.active.cumulative_total, RewardPoolError::ExceedsRootTotal);
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
        asset: args.asset,
        recipient: ctx.accounts.recipient.key(),
        amount: owed,
        cumulative_claimed: record.claimed,
        epoch: pool.active.epoch,
    });
    Ok(())
}
