use anchor_lang::prelude::*;

use crate::state::{Params, Role};

#[event]
pub struct TreasuryInitialized {
    pub treasury: Pubkey,
    pub mint: Pubkey,
    pub authority: Pubkey,
    pub guardian: Pubkey,
    pub params: Params,
}

#[event]
pub struct EpochEmitted {
    pub treasury: Pubkey,
    pub epoch: u64,
    /// Minted in total; below the schedule's amount when clipped at the supply cap or when a
    /// recipient could not receive.
    pub amount: u64,
    /// The part split by DC usage burns.
    pub usage_amount: u64,
    /// Minted to each recipient, in the recipients' order; 0 for one that could not receive.
    pub amounts: Vec<u64>,
    /// The shares of recipients that could not receive (a closed or frozen token account), in
    /// the recipients' order: not minted.
    pub skipped: Vec<u64>,
    pub supply_after: u64,
}

#[event]
pub struct ParamsProposed {
    pub treasury: Pubkey,
    pub params: Params,
    pub apply_after: i64,
}

#[event]
pub struct ParamsApplied {
    pub treasury: Pubkey,
    pub params: Params,
}

#[event]
pub struct ParamsCancelled {
    pub treasury: Pubkey,
    pub by: Pubkey,
}

#[event]
pub struct RoleProposed {
    pub treasury: Pubkey,
    pub role: Role,
    pub proposed: Pubkey,
    /// When the proposed key may accept: at once for the authority, after the time lock for
    /// the guardian.
    pub applicable_at: i64,
}

#[event]
pub struct RoleAccepted {
    pub treasury: Pubkey,
    pub role: Role,
    pub holder: Pubkey,
}

#[event]
pub struct RoleCancelled {
    pub treasury: Pubkey,
    pub role: Role,
    pub by: Pubkey,
}
