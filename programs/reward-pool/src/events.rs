use anchor_lang::prelude::*;

use crate::state::Role;

#[event]
pub struct PoolCreated {
    pub pool: Pubkey,
    pub mint: Pubkey,
    pub id: u16,
    pub authority: Pubkey,
    pub guardian: Pubkey,
    pub threshold: u8,
    pub oracle_count: u8,
}

#[event]
pub struct RootPosted {
    pub pool: Pubkey,
    pub epoch: u64,
    pub root: [u8; 32],
    pub cumulative_total: u64,
    pub leaf_count: u64,
    pub content_hash: [u8; 32],
    pub config_version: u64,
    /// When the root may be activated; equal to the post time when there is no dispute window.
    pub activates_at: i64,
}

#[event]
pub struct RootActivated {
    pub pool: Pubkey,
    pub epoch: u64,
    pub root: [u8; 32],
    pub cumulative_total: u64,
}

#[event]
pub struct RootVetoed {
    pub pool: Pubkey,
    pub epoch: u64,
    pub root: [u8; 32],
    pub by: Pubkey,
}

#[event]
pub struct RewardClaimed {
    pub pool: Pubkey,
    pub asset: Pubkey,
    pub recipient: Pubkey,
    pub amount: u64,
    pub cumulative_claimed: u64,
    pub epoch: u64,
}

#[event]
pub struct DestinationSet {
    pub pool: Pubkey,
    pub asset: Pubkey,
    /// The device's owner, proven when setting it.
    pub owner: Pubkey,
    pub destination: Pubkey,
}

#[event]
pub struct OracleSetProposed {
    pub pool: Pubkey,
    pub oracles: Vec<Pubkey>,
    pub threshold: u8,
    pub applicable_at: i64,
}

#[event]
pub struct OracleSetApplied {
    pub pool: Pubkey,
    pub oracles: Vec<Pubkey>,
    pub threshold: u8,
    pub config_version: u64,
}

#[event]
pub struct OracleSetCancelled {
    pub pool: Pubkey,
    pub by: Pubkey,
}

#[event]
pub struct RoleProposed {
    pub pool: Pubkey,
    pub role: Role,
    pub proposed: Pubkey,
}

#[event]
pub struct RoleAccepted {
    pub pool: Pubkey,
    pub role: Role,
    pub holder: Pubkey,
    pub config_version: u64,
}

#[event]
pub struct PoolConfigUpdated {
    pub pool: Pubkey,
    pub dispute_window_secs: i64,
    pub breaker: fieldproof_circuit_breaker::BreakerConfig,
    pub config_version: u64,
}
