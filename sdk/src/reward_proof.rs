//! An asset's reward leaf with its proof against one epoch's root, as the oracle serves it
//! (`GET /v1/rewards/{pool}/{asset}` of the oracle API). JSON, hex for hashes:
//! ```json
//! {"pool": "<base58>", "epoch": 7, "root": "<64 hex>", "asset": "<base58>",
//!  "cumulative_amount": 1500, "proof": ["<64 hex>", "..."]}
//! ```
use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Serialize};

use crate::RewardLeaf;

/// A reward leaf and the root it proves against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RewardProof {
    /// The pool that pays it.
    pub pool: Pubkey,
    /// The epoch of `root`.
    pub epoch: u64,
    /// The root the proof leads to: the pool's active root when the oracle served it.
    pub root: [u8; 32],
    /// The leaf and its proof, as a claim takes them.
    pub leaf: RewardLeaf,
}

/// Why a reward proof cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a reward proof: {0}")]
pub struct RewardProofError(String);

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RewardProofJson {
    pool: String,
    epoch: u64,
    root: String,
    asset: String,
    cumulative_amount: u64,
    proof: Vec<String>,
}

fn hash(field: &str, text: &str) -> Result<[u8; 32], RewardProofError> {
    hex::decode(text).ok().and_then(|v| v.try_into().ok()).ok_or_else(|| RewardProofError(format!("{field} is not 32 hex bytes")))
}

fn address(field: &str, text: &str) -> Result<Pubkey, RewardProofError> {
    text.parse().map_err(|_| RewardProofError(format!("{field} is not a base58 address")))
}

impl RewardProof {
    /// True when the leaf and its proof lead to `root`.
    pub fn verify(&self) -> bool {
        let leaf = fieldproof_merkle::leaf_hash(&self.leaf.asset.to_bytes(), self.leaf.cumulative_amount);
        fieldproof_merkle::verify(&self.root, leaf, &self.leaf.proof)
    }

    /// The JSON form (see the module docs).
    pub fn to_json(&self) -> String {
        let json = RewardProofJson {
            pool: self.pool.to_string(),
            epoch: self.epoch,
            root: hex::encode(self.root),
            asset: self.leaf.asset.to_string(),
            cumulative_amount: self.leaf.cumulative_amount,
            proof: self.leaf.proof.iter().map(hex::encode).collect(),
        };
        // Strings and integers only: serializing cannot fail.
        serde_json::to_string(&json).unwrap_or_default()
    }

    /// Parses the JSON form.
    pub fn from_json(text: &str) -> Result<Self, RewardProofError> {
        let json: RewardProofJson = serde_json::from_str(text).map_err(|e| RewardProofError(e.to_string()))?;
        let proof = json.proof.iter().enumerate().map(|(i, h)| hash(&format!("proof[{i}]"), h)).collect::<Result<_, _>>()?;
        Ok(Self {
            pool: address("pool", &json.pool)?,
            epoch: json.epoch,
            root: hash("root", &json.root)?,
            leaf: RewardLeaf { asset: address("asset", &json.asset)?, cumulative_amount: json.cumulative_amount, proof },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RewardFile;

    #[test]
    fn a_served_proof_round_trips_and_verifies_only_unchanged() {
        let assets: Vec<Pubkey> = (0..5).map(|_| Pubkey::new_unique()).collect();
        let file = RewardFile::new(Pubkey::new_unique(), 4, assets.iter().map(|a| (*a, 7)).collect()).unwrap();
        let proof = RewardProof { pool: file.pool, epoch: 4, root: file.root(), leaf: file.leaf(&assets[2]).unwrap() };
        let again = RewardProof::from_json(&proof.to_json()).unwrap();
        assert_eq!(again, proof);
        assert!(again.verify());
        let mut inflated = again.clone();
        inflated.leaf.cumulative_amount += 1;
        assert!(!inflated.verify());
        assert!(RewardProof::from_json(r#"{"pool":"x"}"#).is_err());
    }
}
