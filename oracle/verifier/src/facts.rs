//! The chain facts an epoch is judged against: the device directory as asserted on chain, the
//! blocks its reports' entropy names, and the denylist. They are fixed for the epoch and recorded
//! (by content hash) in its manifest, so the same judgement can be made again anywhere.
use std::collections::BTreeMap;

use fieldproof_reports::Entropy;
use h3o::LatLng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::physics::{cell_center, Site};
use super::{Denylist, Reason};
use crate::directory::{DeviceEntry, DeviceKind, Directory};

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
    pub blocks: &'a Blocks,
    pub denylist: &'a Denylist,
    /// The directory's entries by key: an epoch looks a device up several times per report.
    entries: foldhash::HashMap<[u8; 32], Known<'a>>,
}

/// A device of the directory as the rules look it up: the facts they read, copied side by side
/// in the lookup table (a million-device epoch looks devices up millions of times, and each
/// lookup that also had to follow a reference into the directory's tree cost a second miss of
/// the cache), and the entry itself for what the rules do not read.
#[derive(Clone, Copy, Debug)]
pub struct Known<'a> {
    entry: &'a DeviceEntry,
    /// The asserted cell, meaningful only where `has_location` (flags beside the values, not
    /// `Option`s, keep an entry of the table small).
    location_h3: u64,
    /// Its centre, computed once per epoch: every beacon, witness and heartbeat of the device is
    /// measured from it. Meaningful only where `has_center`.
    center: LatLng,
    elevation_m: i32,
    gain_ddbi: i16,
    kind: DeviceKind,
    active: bool,
    has_location: bool,
    has_center: bool,
}

impl<'a> Known<'a> {
    fn of(entry: &'a DeviceEntry) -> Self {
        let center = entry.location_h3.and_then(cell_center);
        Self {
            entry,
            location_h3: entry.location_h3.unwrap_or(0),
            center: center.unwrap_or_default(),
            elevation_m: entry.elevation_m,
            gain_ddbi: entry.gain_ddbi,
            kind: entry.kind,
            active: entry.active,
            has_location: entry.location_h3.is_some(),
            has_center: center.is_some(),
        }
    }

    pub fn kind(&self) -> DeviceKind {
        self.kind
    }

    /// The asserted cell, if the registry has one.
    pub fn location_h3(&self) -> Option<u64> {
        self.has_location.then_some(self.location_h3)
    }

    pub fn gain_ddbi(&self) -> i16 {
        self.gain_ddbi
    }

    /// Where the device is asserted: its cell's centre and its antenna's height; `None` without
    /// a valid asserted cell.
    pub fn site(&self) -> Option<Site> {
        self.has_center.then_some(Site { at: self.center, elevation_m: self.elevation_m })
    }
}

impl<'a> ChainFacts<'a> {
    pub fn new(directory: &'a Directory, blocks: &'a Blocks, denylist: &'a Denylist) -> Self {
        let known: Vec<([u8; 32], Known)> = directory.par_iter().map(|(key, entry)| (*key, Known::of(entry))).collect();
        let mut entries = foldhash::HashMap::with_capacity_and_hasher(known.len(), Default::default());
        entries.extend(known);
        Self { blocks, denylist, entries }
    }

    /// The directory's entry of `key`, whatever its state.
    pub fn entry(&self, key: &[u8; 32]) -> Option<&'a DeviceEntry> {
        self.entries.get(key).map(|known| known.entry)
    }

    /// The asserted cell of `key`, whatever its state.
    pub fn asserted_cell(&self, key: &[u8; 32]) -> Option<u64> {
        self.entries.get(key)?.location_h3()
    }

    /// The directory's entry of a device that may send this report: registered, active, not
    /// denylisted and of the kind the report comes from (any kind when `kind` is `None`).
    pub fn device(&self, key: &[u8; 32], kind: Option<DeviceKind>) -> Result<Known<'a>, Reason> {
        let known = *self.entries.get(key).ok_or(Reason::UnknownDevice)?;
        if !known.active {
            return Err(Reason::InactiveDevice);
        }
        if self.denylist.contains(key) {
            return Err(Reason::Denylisted);
        }
        if kind.is_some_and(|k| k != known.kind) {
            return Err(Reason::WrongDeviceKind);
        }
        Ok(known)
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
