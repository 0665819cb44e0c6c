use anchor_lang::prelude::*;

use crate::state::{DeviceKind, DeviceStatus, Location, Role};

#[event]
pub struct NetworkInitialized {
    pub network: Pubkey,
    pub authority: Pubkey,
    pub dc_config: Pubkey,
    pub onboarding_fee: u64,
    pub location_fee: u64,
}

#[event]
pub struct NetworkUpdated {
    pub network: Pubkey,
    pub onboarding_fee: u64,
    pub location_fee: u64,
    pub metadata_uri: String,
}

#[event]
pub struct RoleProposed {
    pub network: Pubkey,
    pub role: Role,
    pub proposed: Pubkey,
}

#[event]
pub struct RoleAccepted {
    pub network: Pubkey,
    pub role: Role,
    pub holder: Pubkey,
}

#[event]
pub struct RoleCancelled {
    pub network: Pubkey,
    pub role: Role,
    pub by: Pubkey,
}

#[event]
pub struct ActiveTreeSet {
    pub network: Pubkey,
    pub tree: Pubkey,
    pub capacity: u64,
    pub minted: u64,
}

#[event]
pub struct MakerApproved {
    pub network: Pubkey,
    pub maker: Pubkey,
    pub id: Pubkey,
    pub attestation_key: Pubkey,
    pub quota: u64,
}

#[event]
pub struct MakerUpdated {
    pub maker: Pubkey,
    pub attestation_key: Pubkey,
    pub quota: u64,
}

#[event]
pub struct MakerRevoked {
    pub maker: Pubkey,
}

#[event]
pub struct DeviceIssued {
    pub network: Pubkey,
    pub device: Pubkey,
    pub device_key: Pubkey,
    pub asset: Pubkey,
    pub tree: Pubkey,
    pub leaf_nonce: u64,
    pub owner: Pubkey,
    pub maker: Pubkey,
    pub kind: DeviceKind,
    pub fee: u64,
}

#[event]
pub struct LocationAsserted {
    pub device: Pubkey,
    pub asset: Pubkey,
    pub owner: Pubkey,
    pub location: Location,
    pub fee: u64,
    pub asserts: u32,
}

#[event]
pub struct DeviceStatusSet {
    pub device: Pubkey,
    pub asset: Pubkey,
    pub status: DeviceStatus,
}
