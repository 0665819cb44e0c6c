//! The device directory as an epoch is judged by it: every device's entry as asserted on chain.
use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, borsh::BorshSerialize, borsh::BorshDeserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Hotspot,
    Mapper,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct DeviceEntry {
    pub kind: DeviceKind,
    pub active: bool,
    /// Asserted location (H3 cell), where the registry has one.
    pub location_h3: Option<u64>,
    /// Asserted antenna height above ground, in metres.
    pub elevation_m: i32,
    /// Asserted antenna gain in tenths of a dBi.
    pub gain_ddbi: i16,
    /// The device's cNFT (its reward leaf is keyed by it); a device without one earns nothing.
    pub asset: Option<[u8; 32]>,
}

/// The directory at one moment, in key order: what an epoch is judged and paid by.
pub type Directory = std::collections::BTreeMap<[u8; 32], DeviceEntry>;

/// A directory as an epoch records it: every device's entry as of the chain time `as_of_ms` (the
/// epoch's end; none for a devices file, which has no time).
#[derive(Clone, Debug, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct DirectorySnapshot {
    pub as_of_ms: Option<i64>,
    pub entries: Directory,
}

impl DirectorySnapshot {
    /// The snapshot's canonical bytes (borsh: the time, then the entries in key order).
    pub fn to_bytes(&self) -> Vec<u8> {
        borsh::to_vec(self).unwrap_or_default()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        borsh::from_slice(bytes).map_err(|e| e.to_string())
    }
}

