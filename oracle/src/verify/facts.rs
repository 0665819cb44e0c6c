//! The chain facts an epoch is judged against: the device directory as asserted on chain, the
//! blocks its reports' entropy names, and the denylist. They are fixed for the epoch and recorded
//! (by content hash) in its manifest, so the same judgement can be made again anywhere.
use std::collections::BTreeMap;

use fieldproof_reports::Entropy;
use serde::{Deserialize, Serialize};

use super::{Denylist, Reason};
use crate::devices::{DeviceEntry, DeviceKind, Directory};

/// A block as the chain has it at a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// The block's hash, hex in JSON.
    #[serde(with = "hex_32")]
    pub hash: [u8; 32],
    /// The block's time (the chain's, not a device's), in Unix milliseconds.
    pub time_ms: i64,
}

/// The blocks at the slots an epoch's reports name; `None` where the chain has no block at that
/// slot (skipped).
pub type Blocks = BTreeMap<u64, Option<Block>>;

pub struct ChainFacts<'a> {
    pub directory: &'a Directory,
    pub blocks: &'a Blocks,
    pub denylist: &'a Denylist,
}

impl ChainFacts<'_> {
    /// The directory's entry of a device that may send this report: registered, active, not
    /// denylisted and of the kind the report comes from (any kind when `kind` is `None`).
    pub fn device(&self, key: &[u8; 32], kind: Option<DeviceKind>) -> Result<&DeviceEntry, Reason> {
        let entry = self.directory.get(key).ok_or(Reason::UnknownDevice)?;
        if !entry.active {
            return Err(Reason::InactiveDevice);
        }
        if self.denylist.contains(key) {
            return Err(Reason::Denylisted);
        }
        if kind.is_some_and(|k| k != entry.kind) {
            return Err(Reason::WrongDeviceKind);
        }
        Ok(entry)
    }

    /// The chain's time of the block `entropy` names, if the chain has exactly that block.
    pub fn entropy_time_ms(&self, entropy: &Entropy) -> Result<i64, Reason> {
        match self.blocks.get(&entropy.slot) {
            Some(Some(block)) if block.hash == entropy.blockhash => Ok(block.time_ms),
            _ => Err(Reason::UnknownEntropy),
        }
    }
}

mod hex_32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(&text).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| serde::de::Error::custom("a block hash is 64 hex digits"))
    }
}
