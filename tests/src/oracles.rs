//! Oracle keys that sign root messages, as the oracle service does.
use ed25519_dalek::{Signer as _, SigningKey};
use solana_instruction::Instruction;

type Pubkey = anchor_lang::prelude::Pubkey;

#[derive(Clone)]
pub struct Oracle {
    pub key: SigningKey,
}

impl Oracle {
    /// A deterministic oracle key, so failures are reproducible.
    pub fn from_seed(seed: u8) -> Self {
        Self { key: SigningKey::from_bytes(&[seed; 32]) }
    }

    pub fn pubkey(&self) -> Pubkey {
        Pubkey::new_from_array(self.key.verifying_key().to_bytes())
    }

    pub fn sign(&self, message: &[u8]) -> ([u8; 32], [u8; 64]) {
        (self.key.verifying_key().to_bytes(), self.key.sign(message).to_bytes())
    }
}

/// One Ed25519 precompile instruction with each oracle's signature over `message`.
pub fn signed_by(message: &[u8], oracles: &[&Oracle]) -> Instruction {
    let signatures: Vec<_> = oracles.iter().map(|o| o.sign(message)).collect();
    fieldproof_ed25519::signatures_instruction(message, &signatures)
}
