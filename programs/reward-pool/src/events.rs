use anchor_lang::prelude::*;

use fieldproof_circuit_breaker::BreakerConfig;

use crate::state::Role;

#[event]
pub struct PoolCreated {
    pub pool: Pubkey,
    pub network: Pubkey,
    pub mint: Pubkey,
    pub id: u16,
    pub authority: Pubkey,
    pub guardian: Pubkey,
    pub threshold: u8,
    pub oracle_count: u8,
    pub config_version: u64,
    pub timelock_secs: i64,
    pub dispute_window_secs: i64,
    pub breaker: BreakerConfig,
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
    /// The version after the veto: every signature gathered before it is void.
    pub config_version: u64,
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
    /// When the proposed key may accept: at once for the authority, after the time lock for
    /// the guardian.
    pub applicable_at: i64,
}

#[event]
pub struct RoleCancelled {
    pub pool: Pubkey,
    pub role: Role,
    pub by: Pubkey,
}

#[event]
pub struct RoleAccepted {
    pub pool: Pubkey,
    pub role: Role,
    pub holder: Pubkey,
    pub config_version: u64,
}

/// A configuration took effect: a tightening at once, or a proposal after its time lock.
#[event]
pub struct PoolConfigUpdated {
    pub pool: Pubkey,
    pub dispute_window_secs: i64,
    pub breaker: BreakerConfig,
}

#[event]
pub struct PoolConfigProposed {
    pub pool: Pubkey,
    pub dispute_window_secs: i64,
    pub breaker: BreakerConfig,
    pub applicable_at: i64,
}

#[event]
pub struct PoolConfigCancelled {
    pub pool: Pubkey,
    pub by: Pubkey,
}

#[event]
pub struct TimeLockRaised {
    pub pool: Pubkey,
    pub timelock_secs: i64,
}
