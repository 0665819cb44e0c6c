use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;
use fieldproof_ed25519::{Ed25519Error, VerifiedSignatures};

use crate::errors::RewardPoolError;
use crate::events::{RootActivated, RootPosted};
use crate::message::RootMessage;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct PostRootArgs {
    pub config_version: u64,
    pub epoch: u64,
    pub root: [u8; 32],
    pub cumulative_total: u64,
    pub leaf_count: u64,
    pub content_hash: [u8; 32],
    pub expires_at: i64,
}

impl PostRootArgs {
    /// The message the oracles sign for these arguments on `pool` of this program.
    pub fn message(&self, pool: Pubkey) -> RootMessage {
        RootMessage {
            program_id: crate::ID,
            pool,
            config_version: self.config_version,
            epoch: self.epoch,
            root: self.root,
            cumulative_total: self.cumulative_total,
            leaf_count: self.leaf_count,
            content_hash: self.content_hash,
            expires_at: self.expires_at,
        }
    }
}

/// Anyone may submit: what counts are the oracle signatures in the preceding Ed25519
/// precompile instruction, over the root message of these arguments. A pending root whose
/// dispute window has passed is activated first; while one is still in its window, no root
/// may be posted (the oracles wait until `pending.activates_at`, then post).
#[derive(Accounts)]
pub struct PostRoot<'info> {
    #[account(mut, has_one = vault)]
    pub pool: Box<Account<'info, Pool>>,
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: the instructions sysvar, checked by address.
    #[account(address = solana_sdk_ids::sysvar::instructions::ID)]
    pub instructions: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<PostRoot>, args: PostRootArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let pool = &mut ctx.accounts.pool;
    require!(args.config_version == pool.config_version, RewardPoolError::ConfigVersionMismatch);
    require!(now <= args.expires_at, RewardPoolError::RootMessageExpired);
    // A pending root is never replaced: a replacement would restart the dispute window, and with
    // a window as long as an epoch no root would ever become active. One that has matured is
    // promoted first; one still in its window makes the oracles wait until it matures.
    if let Some(pending) = pool.pending {
        require!(now >= pending.activates_at, RewardPoolError::PendingRootInDisputeWindow);
    }
    let latest = *pool.latest_root();
    require!(args.epoch > latest.epoch, RewardPoolError::EpochNotIncreasing);
    let furthest = latest.epoch.checked_add(MAX_EPOCH_STEP).ok_or(RewardPoolError::ArithmeticOverflow)?;
    require!(args.epoch <= furthest, RewardPoolError::EpochTooFarAhead);
    require!(args.cumulative_total >= latest.cumulative_total, RewardPoolError::TotalDecreased);
    // Funding is what the vault holds plus what it already paid out.
    let funded = ctx.accounts.vault.amount.checked_add(pool.total_claimed).ok_or(RewardPoolError::ArithmeticOverflow)?;
    require!(args.cumulative_total <= funded, RewardPoolError::TotalExceedsFunding);

    let message = args.message(pool.key()).to_bytes();
    require_quorum(&ctx.accounts.instructions, &pool.oracles, &message)?;

    let pool_key = pool.key();
    if let Some(matured) = pool.pending.take() {
        pool.active = matured.root;
        emit!(RootActivated {
            pool: pool_key,
            epoch: matured.root.epoch,
            root: matured.root.root,
            cumulative_total: matured.root.cumulative_total,
        });
    }
    let root = RootState {
        epoch: args.epoch,
        root: args.root,
        cumulative_total: args.cumulative_total,
        leaf_count: args.leaf_count,
        content_hash: args.content_hash,
        posted_at: now,
    };
    let activates_at = now.checked_add(pool.dispute_window_secs).ok_or(RewardPoolError::ArithmeticOverflow)?;
    emit!(RootPosted {
        pool: pool_key,
        epoch: root.epoch,
        root: root.root,
        cumulative_total: root.cumulative_total,
        leaf_count: root.leaf_count,
        content_hash: root.content_hash,
        config_version: pool.config_version,
        activates_at,
    });
    if pool.dispute_window_secs == 0 {
        // No dispute window (a local network): the root is active at once.
        pool.active = root;
        emit!(RootActivated { pool: pool_key, epoch: root.epoch, root: root.root, cumulative_total: root.cumulative_total });
    } else {
        pool.pending = Some(PendingRoot { root, activates_at });
    }
    Ok(())
}

/// Requires at least `threshold` distinct oracles of `set` to have signed exactly `message`,
/// and no signature in the precompile instruction by anyone else or over anything else.
fn require_quorum(ix_sysvar: &AccountInfo, set: &OracleSet, message: &[u8]) -> Result<()> {
    let signatures = VerifiedSignatures::from_preceding_instruction(ix_sysvar).map_err(|e| match e {
        Ed25519Error::NoPrecedingInstruction | Ed25519Error::NotEd25519Program => {
            Error::from(RewardPoolError::MissingSignatures)
        }
        Ed25519Error::MalformedData => RewardPoolError::MalformedSignatureInstruction.into(),
        Ed25519Error::Sysvar(e) => e.into(),
    })?;
    let mut seen = [false; MAX_ORACLES];
    let mut distinct: u8 = 0;
    for signature in signatures.iter() {
        require!(signature.message == message, RewardPoolError::SignedMessageMismatch);
        let signer = Pubkey::new_from_array(*signature.signer);
        let index = set.position(&signer).ok_or(RewardPoolError::UnknownOracle)?;
        require!(!seen[index], RewardPoolError::DuplicateOracleSignature);
        seen[index] = true;
        distinct = distinct.checked_add(1).ok_or(RewardPoolError::ArithmeticOverflow)?;
    }
    require!(distinct >= set.threshold, RewardPoolError::InsufficientSignatures);
    Ok(())
}
