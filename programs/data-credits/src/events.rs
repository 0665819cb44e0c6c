use anchor_lang::prelude::*;

use crate::state::{PriceSource, Role};

#[event]
pub struct ConfigInitialized {
    pub config: Pubkey,
    pub network_mint: Pubkey,
    pub dc_mint: Pubkey,
    pub authority: Pubkey,
    pub burn_authority: Pubkey,
    pub price_source: PriceSource,
    pub max_price_staleness_secs: i64,
    pub epoch_start: i64,
    pub epoch_length_secs: i64,
    pub breaker: fieldproof_circuit_breaker::BreakerConfig,
}

#[event]
pub struct ConfigUpdated {
    pub config: Pubkey,
    pub price_source: PriceSource,
    pub max_price_staleness_secs: i64,
    pub breaker: fieldproof_circuit_breaker::BreakerConfig,
}

#[event]
pub struct RoleProposed {
    pub config: Pubkey,
    pub role: Role,
    pub proposed: Pubkey,
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

#[event]
pub struct PriceSubmittersSet {
    pub oracle: Pubkey,
    pub submitters: Vec<Pubkey>,
    pub min_submissions: u8,
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
