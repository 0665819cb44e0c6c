use anchor_lang::prelude::*;

use crate::state::Params;

#[event]
pub struct TreasuryInitialized {
    pub treasury: Pubkey,
    pub mint: Pubkey,
    pub authority: Pubkey,
    pub params: Params,
}

#[event]
pub struct EpochEmitted {
    pub treasury: Pubkey,
    pub epoch: u64,
    /// Minted in total; below the schedule's amount when clipped at the supply cap.
    pub amount: u64,
    /// The part split by DC usage burns.
    pub usage_amount: u64,
    /// Minted to each recipient, in the recipients' order.
    pub amounts: Vec<u64>,
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
}

#[event]
pub struct AuthorityProposed {
    pub treasury: Pubkey,
    pub proposed: Pubkey,
}

#[event]
pub struct AuthorityAccepted {
    pub treasury: Pubkey,
    pub authority: Pubkey,
}
