use anchor_lang::prelude::*;
use fieldproof_circuit_breaker::WindowedBreaker;

use crate::errors::RewardPoolError;

pub const POOL_SEED: &[u8] = b"pool";
pub const VAULT_SEED: &[u8] = b"vault";
pub const CLAIM_SEED: &[u8] = b"claim";
pub const MAX_ORACLES: usize = 10;

/// A posted root and what it commits to.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace)]
pub struct RootState {
    pub epoch: u64,
    pub root: [u8; 32],
    pub cumulative_total: u64,
    pub leaf_count: u64,
    pub content_hash: [u8; 32],
    pub posted_at: i64,
}

/// The oracle keys whose signatures count, and how many must sign.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace)]
pub struct OracleSet {
    pub keys: [Pubkey; MAX_ORACLES],
    pub count: u8,
    pub threshold: u8,
}

impl OracleSet {
    pub fn from_keys(keys: &[Pubkey], threshold: u8) -> Result<Self> {
        let distinct = keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k));
        require!(
            !keys.is_empty()
                && keys.len() <= MAX_ORACLES
                && distinct
                && threshold >= 1
                && usize::from(threshold) <= keys.len(),
            RewardPoolError::InvalidOracleSet
        );
        let mut set = OracleSet { count: keys.len() as u8, threshold, ..Default::default() };
        set.keys[..keys.len()].copy_from_slice(keys);
        Ok(set)
    }

    pub fn keys(&self) -> &[Pubkey] {
        &self.keys[..usize::from(self.count)]
    }

    pub fn position(&self, key: &Pubkey) -> Option<usize> {
        self.keys().iter().position(|k| k == key)
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PendingRoot {
    pub root: RootState,
    /// When anyone may activate it, unless the guardian vetoes it first.
    pub activates_at: i64,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct PendingOracleSet {
    pub set: OracleSet,
    /// When the authority may apply it, unless the guardian or the authority cancels it first.
    pub applicable_at: i64,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum Role {
    Authority,
    Guardian,
}

#[account]
#[derive(InitSpace, Debug)]
pub struct Pool {
    pub mint: Pubkey,
    pub id: u16,
    pub vault: Pubkey,
    /// Changes the oracle set, roles and configuration.
    pub authority: Pubkey,
    /// Can veto a pending root and a pending oracle set.
    pub guardian: Pubkey,
    /// Proposed holders of the two roles; `Pubkey::default()` when none is pending.
    pub pending_authority: Pubkey,
    pub pending_guardian: Pubkey,
    pub oracles: OracleSet,
    pub pending_oracles: Option<PendingOracleSet>,
    /// Part of every root message: bumped by every change of who may sign, so signatures
    /// gathered under an earlier configuration can no longer be posted.
    pub config_version: u64,
    pub dispute_window_secs: i64,
    pub active: RootState,
    /// A posted root in its dispute window.
    pub pending: Option<PendingRoot>,
    /// Total paid out of the vault by claims, ever.
    pub total_claimed: u64,
    pub breaker: WindowedBreaker,
    pub bump: u8,
    pub vault_bump: u8,
}

impl Pool {
    /// The newest posted root, pending or active: a new root must build on it.
    pub fn latest_root(&self) -> &RootState {
        self.pending.as_ref().map_or(&self.active, |p| &p.root)
    }

    pub fn bump_version(&mut self) -> Result<()> {
        self.config_version = self.config_version.checked_add(1).ok_or(RewardPoolError::ArithmeticOverflow)?;
        Ok(())
    }
}

/// What has been paid for one asset of one pool.
#[account]
#[derive(InitSpace, Debug)]
pub struct ClaimRecord {
    pub pool: Pubkey,
    pub asset: Pubkey,
    /// Cumulative amount paid so far; a claim pays the leaf's cumulative amount minus this.
    pub claimed: u64,
    /// Token account the owner chose for payouts; `Pubkey::default()` pays the owner directly.
    pub destination: Pubkey,
    /// Who set the destination. It applies only while they own the device: after the cNFT
    /// changes hands, the new owner is paid directly until they set their own.
    pub destination_owner: Pubkey,
    pub bump: u8,
}

impl ClaimRecord {
    /// Fills a record created by this instruction; a no-op on an existing one.
    pub fn open(&mut self, pool: Pubkey, asset: Pubkey, bump: u8) {
        if self.pool == Pubkey::default() {
            self.pool = pool;
            self.asset = asset;
            self.bump = bump;
        }
    }

    /// The destination `owner` set, if the current owner is the one who set it.
    pub fn destination_of(&self, owner: &Pubkey) -> Option<Pubkey> {
        (self.destination != Pubkey::default() && self.destination_owner == *owner).then_some(self.destination)
    }
}

pub fn breaker_error(e: fieldproof_circuit_breaker::BreakerError) -> Error {
    use fieldproof_circuit_breaker::BreakerError;
    match e {
        BreakerError::InvalidConfig => RewardPoolError::InvalidBreakerConfig.into(),
        BreakerError::Tripped => RewardPoolError::CircuitBreakerTripped.into(),
        BreakerError::Overflow => RewardPoolError::ArithmeticOverflow.into(),
    }
}
