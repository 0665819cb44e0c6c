//! The oracle's view of the device registry: which device keys may report, and whether they are
//! active. Kept in memory for lookups on every request.
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::RwLock;

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

/// A directory as an epoch records it: the entries, and the chain slot they were read at (none
/// for a devices file).
#[derive(Clone, Debug, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct DirectorySnapshot {
    pub slot: Option<u64>,
    pub entries: Directory,
}

impl DirectorySnapshot {
    /// The snapshot's canonical bytes (borsh: the slot, then the entries in key order).
    pub fn to_bytes(&self) -> Vec<u8> {
        borsh::to_vec(self).unwrap_or_default()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        borsh::from_slice(bytes).map_err(|e| e.to_string())
    }
}

#[derive(Default)]
pub struct DeviceDirectory {
    devices: RwLock<HashMap<[u8; 32], DeviceEntry>>,
    /// The Bubblegum trees the devices synced from the chain are minted in.
    trees: RwLock<std::collections::BTreeSet<[u8; 32]>>,
    /// The chain slot of the newest registry read the entries reflect.
    slot: RwLock<Option<u64>>,
}

/// One entry of a devices file:
/// `{"key": "<64 hex digits>", "kind": "hotspot", "active": true, "location_h3": 613196570331971583, "elevation_m": 10, "gain_ddbi": 30, "asset": "<base58>"}`
/// (`active` defaults to true, `location_h3` and `asset` to none, `elevation_m` and `gain_ddbi` to 0).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceFileEntry {
    key: String,
    kind: DeviceKind,
    #[serde(default = "active_by_default")]
    active: bool,
    #[serde(default)]
    location_h3: Option<u64>,
    #[serde(default)]
    elevation_m: i32,
    #[serde(default)]
    gain_ddbi: i16,
    /// base58 of the device's cNFT asset id.
    #[serde(default)]
    asset: Option<String>,
}

fn active_by_default() -> bool {
    true
}

impl DeviceDirectory {
    pub fn lookup(&self, key: &[u8; 32]) -> Option<DeviceEntry> {
        self.devices.read().unwrap_or_else(|poisoned| poisoned.into_inner()).get(key).copied()
    }

    pub fn upsert(&self, key: [u8; 32], entry: DeviceEntry) {
        self.devices.write().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(key, entry);
    }

    /// Notes a device tree of the network.
    pub fn note_tree(&self, tree: [u8; 32]) {
        if !self.trees.read().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(&tree) {
            self.trees.write().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(tree);
        }
    }

    /// The device trees noted, in address order.
    pub fn trees(&self) -> Vec<[u8; 32]> {
        self.trees.read().unwrap_or_else(|poisoned| poisoned.into_inner()).iter().copied().collect()
    }

    /// Every entry, in key order, and the slot they were read at: what one epoch is judged by,
    /// fixed for its whole run.
    pub fn snapshot(&self) -> DirectorySnapshot {
        let slot = *self.slot.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entries = self.devices.read().unwrap_or_else(|poisoned| poisoned.into_inner()).iter().map(|(k, v)| (*k, *v)).collect();
        DirectorySnapshot { slot, entries }
    }

    /// Notes that the entries reflect the chain as of `slot`.
    pub fn note_slot(&self, slot: u64) {
        let mut noted = self.slot.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        *noted = Some(noted.map_or(slot, |s| s.max(slot)));
    }

    /// The entries whose cNFT is one of `assets`, by asset, with their device keys: one pass
    /// under the read lock, nothing else copied.
    pub fn of_assets(&self, assets: &HashSet<[u8; 32]>) -> HashMap<[u8; 32], ([u8; 32], DeviceEntry)> {
        let devices = self.devices.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        devices.iter().filter_map(|(key, entry)| entry.asset.filter(|a| assets.contains(a)).map(|asset| (asset, (*key, *entry)))).collect()
    }

    pub fn len(&self) -> usize {
        self.devices.read().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Loads a JSON array of devices; any malformed entry fails the whole file, naming it.
    pub fn load_file(&self, path: &Path) -> anyhow::Result<usize> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let entries: Vec<DeviceFileEntry> =
            serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("invalid devices file {}: {e}", path.display()))?;
        for (i, entry) in entries.iter().enumerate() {
            let key: [u8; 32] = hex::decode(&entry.key)
                .ok()
                .and_then(|k| k.try_into().ok())
                .ok_or_else(|| anyhow::anyhow!("{}: entry {i}: key is not 64 hex digits", path.display()))?;
            let asset = match &entry.asset {
                None => None,
                Some(text) => Some(
                    text.parse::<fieldproof_sdk::Pubkey>()
                        .map_err(|_| anyhow::anyhow!("{}: entry {i}: asset is not a base58 address", path.display()))?
                        .to_bytes(),
                ),
            };
            self.upsert(
                key,
                DeviceEntry {
                    kind: entry.kind,
                    active: entry.active,
                    location_h3: entry.location_h3,
                    elevation_m: entry.elevation_m,
                    gain_ddbi: entry.gain_ddbi,
                    asset,
                },
            );
        }
        Ok(entries.len())
    }
}
