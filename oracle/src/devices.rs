//! The oracle's view of the device registry: which device keys may report, and whether they are
//! active. Kept in memory for lookups on every request.
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::RwLock;

pub use fieldproof_verifier::directory::{DeviceEntry, DeviceKind, Directory, DirectorySnapshot};

/// How many entries of one device the directory keeps: enough for the epochs still being judged
/// (a device's facts change when it is issued, moved or deactivated, each an on-chain act that
/// costs a fee), bounded so that no device can grow the directory.
const VERSIONS_KEPT: usize = 8;

/// A device's entries, oldest first, each with the chain time (unix ms) from which it holds.
type Versions = Vec<(i64, DeviceEntry)>;

/// The oracle's device directory: each device's entries as they changed, so that an epoch is
/// judged by the facts as of its end — the same for every oracle that followed the chain past
/// it, however late it computes, and never by a location asserted after the epoch.
#[derive(Default)]
pub struct DeviceDirectory {
    devices: RwLock<HashMap<[u8; 32], Versions>>,
    /// The Bubblegum trees the devices synced from the chain are minted in.
    trees: RwLock<std::collections::BTreeSet<[u8; 32]>>,
    /// The chain time (unix ms) the newest registry read reflects; `None` while the directory
    /// does not follow a chain (a devices file, tests).
    read_through_ms: RwLock<Option<i64>>,
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
    /// The device's newest entry: what ingest checks a report against.
    pub fn lookup(&self, key: &[u8; 32]) -> Option<DeviceEntry> {
        read(&self.devices).get(key).and_then(|versions| versions.last()).map(|(_, entry)| *entry)
    }

    /// Sets the device's entry for all time (a devices file, the simulator: facts without a
    /// chain time).
    pub fn upsert(&self, key: [u8; 32], entry: DeviceEntry) {
        write(&self.devices).insert(key, vec![(i64::MIN, entry)]);
    }

    /// Records that the device's entry is `entry` from chain time `since_ms` on; the entries
    /// before stay for the epochs that ended before it. Returns whether anything changed (the
    /// newest entry already equal changes nothing).
    pub fn record(&self, key: [u8; 32], entry: DeviceEntry, since_ms: i64) -> bool {
        let mut devices = write(&self.devices);
        let versions = devices.entry(key).or_default();
        if versions.last().is_some_and(|(_, newest)| *newest == entry) {
            return false;
        }
        // A time before the newest entry's (a clock that stepped back) cannot reorder history:
        // the new entry holds from the newest one's time.
        let since_ms = versions.last().map_or(since_ms, |(newest, _)| since_ms.max(*newest));
        if versions.last().is_some_and(|(newest, _)| *newest == since_ms) {
            versions.pop();
        }
        versions.push((since_ms, entry));
        if versions.len() > VERSIONS_KEPT {
            versions.drain(..versions.len() - VERSIONS_KEPT);
        }
        true
    }

    /// Notes a device tree of the network.
    pub fn note_tree(&self, tree: [u8; 32]) {
        if !read(&self.trees).contains(&tree) {
            write(&self.trees).insert(tree);
        }
    }

    /// The device trees noted, in address order.
    pub fn trees(&self) -> Vec<[u8; 32]> {
        read(&self.trees).iter().copied().collect()
    }

    /// Notes that the directory reflects the chain as of chain time `at_ms` (read before the
    /// accounts were).
    pub fn note_read_through(&self, at_ms: i64) {
        let mut noted = write(&self.read_through_ms);
        *noted = Some(noted.map_or(at_ms, |t| t.max(at_ms)));
    }

    /// Every device's newest entry, in key order.
    pub fn snapshot(&self) -> DirectorySnapshot {
        let entries = read(&self.devices).iter().filter_map(|(k, v)| v.last().map(|(_, entry)| (*k, *entry))).collect();
        DirectorySnapshot { as_of_ms: None, entries }
    }

    /// Every device's entry as of chain time `end_ms` (what held just before it; a device issued
    /// later is absent): what the epoch ending then is judged and paid by. `None` while the
    /// directory follows a chain it has not yet read through `end_ms`: a change just before the
    /// end could still be missing.
    pub fn snapshot_at(&self, end_ms: i64) -> Option<DirectorySnapshot> {
        let read_through = *read(&self.read_through_ms);
        if read_through.is_some_and(|t| t < end_ms) {
            return None;
        }
        let entries = read(&self.devices)
            .iter()
            .filter_map(|(k, versions)| versions.iter().rev().find(|(since, _)| *since < end_ms).map(|(_, entry)| (*k, *entry)))
            .collect();
        Some(DirectorySnapshot { as_of_ms: read_through.map(|_| end_ms), entries })
    }

    /// The entries whose cNFT is one of `assets`, by asset, with their device keys: one pass
    /// under the read lock, nothing else copied.
    pub fn of_assets(&self, assets: &HashSet<[u8; 32]>) -> HashMap<[u8; 32], ([u8; 32], DeviceEntry)> {
        read(&self.devices)
            .iter()
            .filter_map(|(key, versions)| versions.last().map(|(_, entry)| (key, entry)))
            .filter_map(|(key, entry)| entry.asset.filter(|a| assets.contains(a)).map(|asset| (asset, (*key, *entry))))
            .collect()
    }

    pub fn len(&self) -> usize {
        read(&self.devices).len()
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

/// A lock's value, also after a panic elsewhere poisoned it (every write leaves it whole).
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(cell: u64) -> DeviceEntry {
        DeviceEntry { kind: DeviceKind::Hotspot, active: true, location_h3: Some(cell), elevation_m: 0, gain_ddbi: 0, asset: None }
    }

    fn located(d: &DeviceDirectory, end_ms: i64) -> Option<u64> {
        d.snapshot_at(end_ms).and_then(|s| s.entries.get(&[1; 32]).and_then(|e| e.location_h3))
    }

    #[test]
    fn each_epoch_sees_the_entry_that_held_before_its_end() {
        let d = DeviceDirectory::default();
        assert!(d.record([1; 32], at(1), 100));
        assert!(!d.record([1; 32], at(1), 150), "the same facts again change nothing");
        assert!(d.record([1; 32], at(2), 200));
        assert_eq!((located(&d, 100), located(&d, 101), located(&d, 200), located(&d, 201)), (None, Some(1), Some(1), Some(2)));
        // A time before the newest entry's cannot rewrite what earlier epochs saw.
        assert!(d.record([1; 32], at(3), 50));
        assert_eq!((located(&d, 150), located(&d, 201)), (Some(1), Some(3)));
        assert_eq!(d.lookup(&[1; 32]).and_then(|e| e.location_h3), Some(3));
        // Without a chain there is no waiting: every time is read through.
        assert!(d.snapshot_at(i64::MAX).is_some());
        d.note_read_through(1_000);
        assert!(d.snapshot_at(1_000).is_some() && d.snapshot_at(1_001).is_none());
    }

    #[test]
    fn a_device_keeps_a_bounded_history() {
        let d = DeviceDirectory::default();
        for i in 0..100 {
            d.record([1; 32], at(i), i64::try_from(i).unwrap() * 10);
        }
        assert_eq!(read(&d.devices)[&[1; 32]].len(), VERSIONS_KEPT);
        assert_eq!(located(&d, 991), Some(99));
        assert_eq!(located(&d, 10), None, "older than what is kept: unknown, not another entry");
    }

    #[test]
    fn a_devices_file_entry_holds_for_all_time() {
        let d = DeviceDirectory::default();
        d.upsert([1; 32], at(7));
        assert_eq!(located(&d, i64::MIN + 1), Some(7));
        assert_eq!(d.snapshot_at(0).map(|s| s.as_of_ms), Some(None));
    }
}
