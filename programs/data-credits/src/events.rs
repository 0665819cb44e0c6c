use anchor_lang::prelude::*;

use crate::state::{PriceSource, Role};

#[event]
pub struct ConfigInitialized {
    pub config: Pubkey,
    pub network_mint: Pubkey,
    pub dc_mint: Pubkey,
    pub authority: Pubkey,
    pub burn_authority: Pubkey,
    pub guardian: Pubkey,
    pub timelock_secs: i64,
    pub price_source: PriceSource,
    pub max_price_staleness_secs: i64,
    pub epoch_start: i64,
    pub epoch_length_secs: i64,
    pub breaker: fieldproof_circuit_breaker::BreakerConfig,
}

/// Settings took effect: a tightening at once, or a proposal after its time lock.
#[event]
pub struct ConfigUpdated {
    pub config: Pubkey,
    pub price_source: PriceSource,
    pub max_price_staleness_secs: i64,
    pub breaker: fieldproof_circuit_breaker::BreakerConfig,
}

#[event]
pub struct ConfigProposed {
    pub config: Pubkey,
    pub price_source: PriceSource,
    pub max_price_staleness_secs: i64,
    pub breaker: fieldproof_circuit_breaker::BreakerConfig,
    pub applicable_at: i64,
}

#[event]
pub struct ConfigChangeCancelled {
    pub config: Pubkey,
    pub by: Pubkey,
}

#[event]
pub struct TimeLockRaised {
    pub config: Pubkey,
    pub timelock_secs: i64,
}

#[event]
pub struct RoleProposed {
    pub config: Pubkey,
    pub role: Role,
    pub proposed: Pubkey,
    /// When the proposed key may accept: at once for the authority, after the time lock for
    /// the burn authority and the guardian.
    pub applicable_at: i64,
}

#[event]
pub struct RoleCancelled {
    pub config: Pubkey,
    pub role: Role,
    pub by: Pubkey,
}

#[event]
pub struct RoleAccepted {
    pub config: Pubkey,
    pub role: Role,
    pub holder: Pubkey,
}

#[event]
pub struct PriceOracleInitialized {
    pub config: Pubkey,
    pub oracle: Pubkey,
    pub submitters: Vec<Pubkey>,
    pub min_submissions: u8,
    pub expo: i32,
}

/// A submitter set took effect, after its time lock.
#[event]
pub struct PriceSubmittersSet {
    pub oracle: Pubkey,
    pub submitters: Vec<Pubkey>,
    pub min_submissions: u8,
}

#[event]
pub struct PriceSubmittersProposed {
    pub oracle: Pubkey,
    pub submitters: Vec<Pubkey>,
    pub min_submissions: u8,
    pub applicable_at: i64,
}

#[event]
pub struct PriceSubmittersCancelled {
    pub oracle: Pubkey,
    pub by: Pubkey,
}

#[event]
pub struct PriceSubmitted {
    pub oracle: Pubkey,
    pub submitter: Pubkey,
    pub price: u64,
    pub expo: i32,
    pub submitted_at: i64,
}

#[event]
pub struct DataCreditsMinted {
    pub config: Pubkey,
    pub payer: Pubkey,
    pub recipient: Pubkey,
    /// Network token burned, in base units.
    pub network_amount: u64,
    pub dc_amount: u64,
    /// The conservative USD price used: price * 10^expo per whole network token.
    pub price: u64,
    pub expo: i32,
    pub price_account: Pubkey,
}

#[event]
pub struct FeeBurned {
    pub config: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub epoch: u64,
    pub epoch_fees: u64,
}

#[event]
pub struct DataCreditsDelegated {
    pub config: Pubkey,
    pub escrow: Pubkey,
    pub payer: Pubkey,
    pub router: Pubkey,
    pub amount: u64,
    pub escrow_balance: u64,
}

#[event]
pub struct DelegatedBurned {
    pub config: Pubkey,
    pub escrow: Pubkey,
    pub router: Pubkey,
    pub amount: u64,
    pub category: u8,
    pub epoch: u64,
    pub epoch_category_total: u64,
    pub escrow_balance: u64,
}

#[event]
pub struct WithdrawalRequested {
    pub config: Pubkey,
    pub escrow: Pubkey,
    pub payer: Pubkey,
    pub router: Pubkey,
    /// From then on the payer may take back what is left; the burn authority may burn until then.
    pub withdrawable_at: i64,
}

#[event]
pub struct DelegatedWithdrawn {
    pub config: Pubkey,
    pub escrow: Pubkey,
    pub payer: Pubkey,
    pub router: Pubkey,
    pub amount: u64,
}
