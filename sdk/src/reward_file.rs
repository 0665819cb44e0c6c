//! The reward file of one epoch of one pool: every asset's cumulative reward, in the order of the
//! tree's leaves. The tree and every proof are rebuilt from the file alone with
//! [`fieldproof_merkle`], so an owner who holds the file needs nobody's proof service to claim,
//! and anyone can check that the file gives the root the oracles posted.
//!
//! JSON, so it can be read and diffed by hand:
//! ```json
//! {"pool": "<base58>", "epoch": 7, "leaves": [{"asset": "<base58>", "cumulative_amount": 1500}]}
//! ```
use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use fieldproof_merkle::{leaf_hash, Hash, MerkleTree};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::client::RewardLeaf;

/// The content hash of a published reward file (or any published object): sha256 of its bytes,
/// as the root message carries it. A root names its file by it, so the file can be fetched from
/// anyone and checked.
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
    solana_sha256_hasher::hash(bytes).to_bytes()
}

/// Why a reward file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RewardFileError {
    /// The text is not the file's JSON shape.
    #[error("not a reward file: {0}")]
    Malformed(String),
    /// An address in the file is not base58 of 32 bytes.
    #[error("{field} is not a base58 address: {value:?}")]
    BadAddress {
        /// Where in the file.
        field: String,
        /// What was there.
        value: String,
    },
    /// An asset has two leaves; its reward would be ambiguous.
    #[error("asset {0} appears twice")]
    DuplicateAsset(Pubkey),
    /// The file has no leaves.
    #[error("the reward file has no leaves")]
    Empty,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileJson {
    pool: String,
    epoch: u64,
    leaves: Vec<LeafJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeafJson {
    asset: String,
    cumulative_amount: u64,
}

/// One epoch's rewards for one pool, with its merkle tree.
#[derive(Debug)]
pub struct RewardFile {
    /// The pool the rewards are paid from.
    pub pool: Pubkey,
    /// The epoch whose root the file gives.
    pub epoch: u64,
    leaves: Vec<(Pubkey, u64)>,
    index: HashMap<Pubkey, usize>,
    tree: MerkleTree,
}

fn address(field: String, value: &str) -> Result<Pubkey, RewardFileError> {
    value.parse().map_err(|_| RewardFileError::BadAddress { field, value: value.to_string() })
}

impl RewardFile {
    /// A file over `leaves`, in tree order. Refuses an empty list and repeated assets.
    pub fn new(pool: Pubkey, epoch: u64, leaves: Vec<(Pubkey, u64)>) -> Result<Self, RewardFileError> {
        if leaves.is_empty() {
            return Err(RewardFileError::Empty);
        }
        let mut index = HashMap::with_capacity(leaves.len());
        for (i, (asset, _)) in leaves.iter().enumerate() {
            if index.insert(*asset, i).is_some() {
                return Err(RewardFileError::DuplicateAsset(*asset));
            }
        }
        let tree = MerkleTree::new_parallel(leaves.iter().map(|(asset, amount)| leaf_hash(&asset.to_bytes(), *amount)).collect());
        Ok(Self { pool, epoch, leaves, index, tree })
    }

    /// Parses the JSON form.
    pub fn from_json(text: &str) -> Result<Self, RewardFileError> {
        let file: FileJson = serde_json::from_str(text).map_err(|e| RewardFileError::Malformed(e.to_string()))?;
        let pool = address("pool".into(), &file.pool)?;
        let leaves = file
            .leaves
            .iter()
            .enumerate()
            .map(|(i, leaf)| Ok((address(format!("leaves[{i}].asset"), &leaf.asset)?, leaf.cumulative_amount)))
            .collect::<Result<Vec<_>, RewardFileError>>()?;
        Self::new(pool, file.epoch, leaves)
    }

    /// The JSON form, leaves in tree order.
    pub fn to_json(&self) -> String {
        let file = FileJson {
            pool: self.pool.to_string(),
            epoch: self.epoch,
            // Base58 is the dearest part of a million-leaf file: spread over every core.
            leaves: self.leaves.par_iter().map(|(asset, amount)| LeafJson { asset: asset.to_string(), cumulative_amount: *amount }).collect(),
        };
        // Strings and integers only: serializing cannot fail.
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// The root the oracles must have posted for this file.
    pub fn root(&self) -> Hash {
        self.tree.root()
    }

    /// The sum of every leaf: the root's cumulative total.
    pub fn cumulative_total(&self) -> u128 {
        self.leaves.iter().map(|(_, amount)| u128::from(*amount)).sum()
    }

    /// Assets and cumulative amounts, in tree order.
    pub fn leaves(&self) -> &[(Pubkey, u64)] {
        &self.leaves
    }

    /// `asset`'s leaf with its proof, if the file has it.
    pub fn leaf(&self, asset: &Pubkey) -> Option<RewardLeaf> {
        let i = *self.index.get(asset)?;
        let (asset, cumulative_amount) = self.leaves[i];
        Some(RewardLeaf { asset, cumulative_amount, proof: self.tree.proof(i)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_leaf_proves_against_the_root_and_json_round_trips() {
        let leaves: Vec<(Pubkey, u64)> = (0..5).map(|i| (Pubkey::new_unique(), 100 * i + 1)).collect();
        let file = RewardFile::new(Pubkey::new_unique(), 3, leaves.clone()).unwrap();
        for (asset, amount) in &leaves {
            let leaf = file.leaf(asset).unwrap();
            assert_eq!(leaf.cumulative_amount, *amount);
            assert!(fieldproof_merkle::verify(&file.root(), leaf_hash(&asset.to_bytes(), *amount), &leaf.proof));
        }
        assert!(file.leaf(&Pubkey::new_unique()).is_none());
        let again = RewardFile::from_json(&file.to_json()).unwrap();
        assert_eq!((again.pool, again.epoch, again.root(), again.leaves()), (file.pool, 3, file.root(), &leaves[..]));
        assert_eq!(file.cumulative_total(), 1 + 101 + 201 + 301 + 401);
    }

    #[test]
    fn bad_files_are_refused_by_name() {
        let pool = Pubkey::new_unique().to_string();
        let asset = Pubkey::new_unique().to_string();
        let parse = |text: String| RewardFile::from_json(&text).unwrap_err();
        assert!(matches!(parse("{".into()), RewardFileError::Malformed(_)));
        assert!(matches!(parse(format!(r#"{{"pool":"{pool}","epoch":1,"leaves":[],"extra":1}}"#)), RewardFileError::Malformed(_)));
        assert_eq!(parse(format!(r#"{{"pool":"{pool}","epoch":1,"leaves":[]}}"#)), RewardFileError::Empty);
        assert_eq!(
            parse(format!(r#"{{"pool":"{pool}","epoch":1,"leaves":[{{"asset":"xyz0","cumulative_amount":1}}]}}"#)),
            RewardFileError::BadAddress { field: "leaves[0].asset".into(), value: "xyz0".into() }
        );
        let twice = format!(r#"{{"pool":"{pool}","epoch":1,"leaves":[{{"asset":"{asset}","cumulative_amount":1}},{{"asset":"{asset}","cumulative_amount":2}}]}}"#);
        assert!(matches!(parse(twice), RewardFileError::DuplicateAsset(_)));
    }
}
