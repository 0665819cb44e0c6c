//! Mapping units of one epoch: each dashcam earns per H3 cell its valid segments covered, more
//! for cells nobody mapped recently (novelty), so dashcams are paid to go where the map is
//! stale.
//!
//! Novelty cannot be won by backdating or by racing: a fresh cell's units are shared equally by
//! every dashcam that mapped it in the epoch, whatever the order or the times of their reports.
//! A dashcam earns for at most `max_cells_per_dashcam` cells an epoch (its first ones along its
//! own track), so one fast dashcam cannot take the pool.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use h3o::Resolution;

use super::config::RewardConfig;
use super::coverage::UNIT_SCALE;
use crate::verify::ValidSegment;
use crate::verify::physics;

/// The cells mapped in recent epochs, each with the last epoch that mapped it: the state one
/// mapping epoch hands the next (published beside the reward file, content-hashed in the
/// manifest), so novelty is a function of the previous state and this epoch's segments alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MappedCells(pub BTreeMap<u64, u64>);

impl MappedCells {
    /// `cell ‖ last epoch` (u64 little-endian each), in cell order.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|(cell, epoch)| cell.to_le_bytes().into_iter().chain(epoch.to_le_bytes())).collect()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        if !bytes.len().is_multiple_of(16) {
            return Err(format!("{} bytes is not a whole number of 16-byte entries", bytes.len()));
        }
        let entries = bytes.chunks_exact(16).map(|e| {
            let (cell, epoch) = e.split_at(8);
            (u64::from_le_bytes(cell.try_into().unwrap_or_default()), u64::from_le_bytes(epoch.try_into().unwrap_or_default()))
        });
        Ok(Self(entries.collect()))
    }
}

/// The distinct cells of a segment's track, at `resolution`, in track order.
pub fn segment_cells(segment: &ValidSegment, resolution: Resolution) -> Vec<u64> {
    let mut seen = BTreeSet::new();
    segment
        .points
        .iter()
        .filter_map(|(lat, lng)| physics::gps_fix(*lat, *lng))
        .map(|fix| u64::from(fix.to_cell(resolution)))
        .filter(|cell| seen.insert(*cell))
        .collect()
}

/// Units of every dashcam that earned any (scaled by [`UNIT_SCALE`]), and the mapped-cells state
/// after `epoch`.
///
/// A cell is *recent* when `previous` says it was mapped in the `novelty_epochs` epochs before
/// this one: each dashcam covering it earns `recent_cell_units`. Any other cell is *fresh*: the
/// dashcams covering it share `fresh_cell_units` equally.
pub fn mapping_units(previous: &MappedCells, segments: &[ValidSegment], epoch: u64, config: &RewardConfig) -> Result<(BTreeMap<[u8; 32], u128>, MappedCells), String> {
    let resolution = Resolution::try_from(config.mapping_resolution).map_err(|e| e.to_string())?;
    let recent = |cell: &u64| previous.0.get(cell).is_some_and(|last| epoch.saturating_sub(*last) <= config.novelty_epochs && *last < epoch);
    // Each dashcam's cells along its own track (segments by first fix, then id), capped.
    let mut by_device: BTreeMap<[u8; 32], Vec<&ValidSegment>> = BTreeMap::new();
    for segment in segments {
        by_device.entry(segment.device).or_default().push(segment);
    }
    let mut covered: BTreeMap<[u8; 32], Vec<u64>> = BTreeMap::new();
    for (device, mut own) in by_device {
        own.sort_unstable_by_key(|s| (s.started_ms, s.id));
        let mut cells: Vec<u64> = Vec::new();
        let mut seen = BTreeSet::new();
        for cell in own.iter().flat_map(|s| segment_cells(s, resolution)) {
            if cells.len() >= config.max_cells_per_dashcam {
                break;
            }
            if seen.insert(cell) {
                cells.push(cell);
            }
        }
        covered.insert(device, cells);
    }
    let mut mappers_of: HashMap<u64, u128> = HashMap::new();
    for cells in covered.values() {
        for cell in cells {
            *mappers_of.entry(*cell).or_default() += 1;
        }
    }
    let mut units = BTreeMap::new();
    for (device, cells) in &covered {
        let earned: u128 = cells
            .iter()
            .map(|cell| {
                if recent(cell) {
                    u128::from(config.recent_cell_units) * UNIT_SCALE
                } else {
                    u128::from(config.fresh_cell_units) * UNIT_SCALE / mappers_of.get(cell).copied().unwrap_or(1).max(1)
                }
            })
            .sum();
        if earned > 0 {
            units.insert(*device, earned);
        }
    }
    let oldest_kept = epoch.saturating_sub(config.novelty_epochs.saturating_sub(1));
    let mut next: BTreeMap<u64, u64> = previous.0.iter().filter(|(_, last)| **last >= oldest_kept && **last < epoch).map(|(c, e)| (*c, *e)).collect();
    for cell in covered.values().flatten() {
        next.insert(*cell, epoch);
    }
    Ok((units, MappedCells(next)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use h3o::LatLng;

    /// A segment of `device` through the resolution-10 cells around the given latitudes.
    fn segment(n: u8, device: u8, started_ms: i64, lats: &[f64]) -> ValidSegment {
        ValidSegment { id: [n; 32], device: [device; 32], started_ms, points: lats.iter().map(|lat| ((lat * 1e7) as i32, -1_224_194_000)).collect() }
    }

    fn cell(lat: f64) -> u64 {
        u64::from(LatLng::new(lat, -122.4194).unwrap().to_cell(Resolution::Ten))
    }

    fn config() -> RewardConfig {
        RewardConfig { fresh_cell_units: 4, recent_cell_units: 1, novelty_epochs: 2, ..RewardConfig::default() }
    }

    #[test]
    fn fresh_cells_are_shared_by_whoever_mapped_them_whatever_the_times() {
        // Device 1 maps cells A and B; device 2 maps B and C, "earlier" by its own clock.
        let (a, b, c) = (37.70, 37.71, 37.72);
        let segments = [segment(1, 1, 50, &[a, b]), segment(2, 2, 10, &[b, c])];
        let (units, cells) = mapping_units(&MappedCells::default(), &segments, 5, &config()).unwrap();
        assert_eq!(units[&[1; 32]], 4 * UNIT_SCALE + 2 * UNIT_SCALE, "A alone, B shared");
        assert_eq!(units[&[2; 32]], units[&[1; 32]], "backdating its segment won device 2 nothing");
        assert_eq!(cells.0.len(), 3);
        assert!(cells.0.values().all(|e| *e == 5));
    }

    #[test]
    fn recent_cells_earn_the_recent_rate_and_age_out() {
        let a = 37.70;
        let previous = MappedCells([(cell(a), 4)].into_iter().collect());
        let (units, after) = mapping_units(&previous, &[segment(1, 1, 0, &[a])], 5, &config()).unwrap();
        assert_eq!(units[&[1; 32]], UNIT_SCALE, "mapped an epoch ago: recent");
        assert_eq!(after.0[&cell(a)], 5);
        let (units, after) = mapping_units(&previous, &[segment(1, 1, 0, &[a])], 7, &config()).unwrap();
        assert_eq!(units[&[1; 32]], 4 * UNIT_SCALE, "three epochs ago is beyond the novelty window of two");
        let (_, untouched) = mapping_units(&previous, &[], 7, &config()).unwrap();
        assert!(untouched.0.is_empty() && after.0.len() == 1, "cells older than the window leave the state");
    }

    #[test]
    fn a_dashcam_earns_for_at_most_the_cap_of_cells() {
        let lats: Vec<f64> = (0..10).map(|i| 37.70 + 0.01 * f64::from(i)).collect();
        let config = RewardConfig { max_cells_per_dashcam: 3, ..config() };
        let (units, cells) = mapping_units(&MappedCells::default(), &[segment(1, 1, 0, &lats)], 5, &config).unwrap();
        assert_eq!(units[&[1; 32]], 3 * 4 * UNIT_SCALE);
        assert_eq!(cells.0.keys().copied().collect::<BTreeSet<_>>(), lats[..3].iter().map(|l| cell(*l)).collect(), "its first cells along the track");
    }

    #[test]
    fn the_state_reads_back() {
        let state = MappedCells([(cell(37.7), 3), (cell(37.8), 4)].into_iter().collect());
        assert_eq!(MappedCells::from_bytes(&state.to_bytes()), Ok(state));
        assert!(MappedCells::from_bytes(&[0; 15]).is_err());
    }
}
