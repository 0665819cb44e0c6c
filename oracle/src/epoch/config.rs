//! Every parameter of the reward computation, in one place, with its default and why. All
//! integers: the computation must give the same bytes on every machine, so no floats touch an
//! amount.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RewardConfig {
    /// Unix time (seconds) at which epoch 0 starts; the treasury schedule's `start_ts`, so that
    /// epoch `e` here is the epoch whose emission the treasury split into the pools.
    pub start_ts: i64,
    /// Length of an epoch in seconds; the treasury schedule's `epoch_length_secs`.
    pub length_secs: i64,
    /// A beacon heard by at least one rewarded witness earns its sender this many units.
    pub beacon_units: u64,
    /// Each rewarded witness of a beacon earns its sender this many units.
    pub witness_units: u64,
    /// At most this many witnesses of one beacon are rewarded: beyond a handful, more witnesses
    /// prove nothing new about the beacon's coverage, and an uncapped count rewards clusters.
    /// Which ones is decided by the lowest sha256(seed ‖ beacon id ‖ witness key), the seed
    /// fixed by the epoch's whole input, so neither arrival order, network speed nor a ground
    /// beacon can buy a place.
    pub max_rewarded_witnesses: usize,
    /// H3 resolution of the cells over which hotspot density is counted (8: about 0.74 km²).
    pub density_resolution: u8,
    /// Hotspots per density cell that earn in full; with more, the cell's hotspots share what
    /// `density_target` of them would earn. Stacking hotspots on one roof adds no coverage.
    pub density_target: u64,
    /// H3 resolution of the cells a mapping segment covers (10: about 15,000 m²).
    pub mapping_resolution: u8,
    /// A cell nobody mapped in the last `novelty_epochs` epochs: its units are shared by the
    /// dashcams that mapped it in this one.
    pub fresh_cell_units: u64,
    /// A cell mapped recently: still worth something, so streets stay current.
    pub recent_cell_units: u64,
    /// How many previous epochs a mapped cell stays "recent".
    pub novelty_epochs: u64,
    /// The most cells one dashcam earns for in an epoch: eight hours of city driving at
    /// resolution 10 cross about 3,000 cells; a dashcam claiming more is not driving.
    pub max_cells_per_dashcam: usize,
}

impl Default for RewardConfig {
    fn default() -> Self {
        Self {
            start_ts: 0,
            length_secs: 86_400,
            beacon_units: 4,
            witness_units: 1,
            max_rewarded_witnesses: 14,
            density_resolution: 8,
            density_target: 2,
            mapping_resolution: 10,
            fresh_cell_units: 4,
            recent_cell_units: 1,
            novelty_epochs: 30,
            max_cells_per_dashcam: 3_000,
        }
    }
}

impl RewardConfig {
    /// Refuses a configuration the computation cannot run with, naming the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.length_secs <= 0 {
            return Err("epochs.length_secs must be positive".into());
        }
        for (name, res) in [("density_resolution", self.density_resolution), ("mapping_resolution", self.mapping_resolution)] {
            if h3o::Resolution::try_from(res).is_err() {
                return Err(format!("epochs.{name} must be an H3 resolution (0-15), not {res}"));
            }
        }
        if self.density_target == 0 {
            return Err("epochs.density_target must be at least 1".into());
        }
        Ok(())
    }

    /// `[start, end)` of `epoch` in Unix milliseconds, or `None` past the representable range.
    pub fn window_ms(&self, epoch: u64) -> Option<(i64, i64)> {
        let length_ms = self.length_secs.checked_mul(1_000)?;
        let start_ms = self.start_ts.checked_mul(1_000)?.checked_add(i64::try_from(epoch).ok()?.checked_mul(length_ms)?)?;
        Some((start_ms, start_ms.checked_add(length_ms)?))
    }

    /// The epoch that contains Unix time `at_ms`, if it is not before epoch 0.
    pub fn epoch_at(&self, at_ms: i64) -> Option<u64> {
        let since = at_ms.checked_sub(self.start_ts.checked_mul(1_000)?)?;
        if since < 0 {
            return None;
        }
        u64::try_from(since.checked_div(self.length_secs.checked_mul(1_000)?)?).ok()
    }
}
