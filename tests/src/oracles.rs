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

/// `ed25519` (a precompile instruction of [`fieldproof_ed25519::signatures_instruction`]) with
/// every offset naming the transaction's instruction `index` instead of "this instruction". The
/// runtime still verifies it when `index` is where it lands, but the programs accept only
/// signatures over bytes of the precompile instruction itself, named so.
pub fn naming_instruction(mut ed25519: Instruction, index: u16) -> Instruction {
    // Header: signature count, padding; then 14 bytes of offsets per signature, of which the
    // signature's, the public key's and the message's instruction indexes are at 2, 6 and 12.
    let count = usize::from(ed25519.data[0]);
    for entry in 0..count {
        for at in [2, 6, 12] {
            let at = 2 + entry * 14 + at;
            ed25519.data[at..at + 2].copy_from_slice(&index.to_le_bytes());
        }
    }
    ed25519
}
