//! The onboarding message a device and its maker both sign before the device can be issued.
//! One format for the program, the SDK and the maker's factory tooling.
use anchor_lang::prelude::*;

use crate::state::DeviceKind;

/// Domain separator: no other Fieldproof signature can be replayed as an onboarding one.
pub const ONBOARDING_DOMAIN: &[u8] = b"fieldproof:onboard:v1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnboardingMessage {
    pub network: Pubkey,
    pub device_key: Pubkey,
    pub owner: Pubkey,
    pub kind: DeviceKind,
    pub maker: Pubkey,
    pub nonce: u64,
}

impl OnboardingMessage {
    /// The 32 bytes both keys sign: sha256 of the domain, this program's id and every field.
    /// Signing a digest keeps the Ed25519 instruction small (issue_device is near the
    /// transaction size limit) and suits hardware secure elements, which sign digests.
    pub fn digest(&self) -> [u8; 32] {
        solana_sha256_hasher::hashv(&[
            ONBOARDING_DOMAIN,
            crate::ID.as_ref(),
            self.network.as_ref(),
            self.device_key.as_ref(),
            self.owner.as_ref(),
            &[self.kind.code()],
            self.maker.as_ref(),
            &self.nonce.to_le_bytes(),
        ])
        .to_bytes()
    }
}
