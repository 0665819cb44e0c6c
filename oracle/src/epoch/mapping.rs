//! Mapping units of one epoch: each valid segment earns per H3 cell it covers, more for cells
//! nobody mapped recently (novelty), so dashcams are paid to go where the map is stale.
use std::collections::{BTreeMap, BTreeSet, HashSet};

use fieldproof_reports::MappingSegmentReport;
use h3o::Resolution;

use super::config::RewardConfig;
use super::coverage::UNIT_SCALE;
use crate::verify::physics;

/// A valid mapping segment, reduced to what novelty needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub id: [u8; 32],
    pub device: [u8; 32],
    pub signed_at_ms: i64,
    /// The distinct cells its track points fall in, at the configured mapping resolution.
    pub cells: BTreeSet<u64>,
}

impl Segment {
    pub fn new(id: [u8; 32], device: [u8; 32], signed_at_ms: i64, report: &MappingSegmentReport, resolution: Resolution) -> Self {
        let cells = report
            .points
            .iter()
            .filter_map(|p| physics::gps_fix(p.latitude_e7, p.longitude_e7))
            .map(|fix| u64::from(fix.to_cell(resolution)))
            .collect();
        Self { id, device, signed_at_ms, cells }
    }
}

/// Units of every mapper that earned any, scaled by [`UNIT_SCALE`].
///
/// `earlier` are the valid segments of the previous `novelty_epochs` epochs: the cells they
/// covered are *recent*. `segments` are this epoch's, taken in the order (signed time, report
/// id): a cell neither recent nor covered by an earlier segment of this epoch is *fresh* and
/// earns `fresh_cell_units`; any other covered cell earns `recent_cell_units`.
pub fn mapping_units(earlier: &[Segment], segments: &[Segment], config: &RewardConfig) -> BTreeMap<[u8; 32], u128> {
    let mut seen: HashSet<u64> = earlier.iter().flat_map(|s| s.cells.iter().copied()).collect();
    let mut ordered: Vec<&Segment> = segments.iter().collect();
    ordered.sort_unstable_by_key(|s| (s.signed_at_ms, s.id));
    let mut units: BTreeMap<[u8; 32], u128> = BTreeMap::new();
    for segment in ordered {
        let earned: u128 = segment
            .cells
            .iter()
            .map(|cell| if seen.insert(*cell) { config.fresh_cell_units } else { config.recent_cell_units })
            .map(u128::from)
            .sum();
        if earned > 0 {
            *units.entry(segment.device).or_default() += earned * UNIT_SCALE;
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(n: u8, device: u8, at: i64, cells: &[u64]) -> Segment {
        Segment { id: [n; 32], device: [device; 32], signed_at_ms: at, cells: cells.iter().copied().collect() }
    }

    #[test]
    fn the_first_to_map_a_cell_earns_the_fresh_rate() {
        let config = RewardConfig { fresh_cell_units: 4, recent_cell_units: 1, ..RewardConfig::default() };
        // Device 1 maps cells 1 and 2 first; device 2 maps 2 and 3 later.
        let segments = [segment(2, 2, 20, &[2, 3]), segment(1, 1, 10, &[1, 2])];
        let units = mapping_units(&[], &segments, &config);
        assert_eq!(units[&[1; 32]], 8 * UNIT_SCALE);
        assert_eq!(units[&[2; 32]], 5 * UNIT_SCALE);
    }

    #[test]
    fn cells_mapped_in_the_novelty_window_are_recent() {
        let config = RewardConfig { fresh_cell_units: 4, recent_cell_units: 0, ..RewardConfig::default() };
        let earlier = [segment(9, 9, 0, &[1])];
        let units = mapping_units(&earlier, &[segment(1, 1, 10, &[1])], &config);
        assert!(units.is_empty(), "a recent cell at zero units earns nothing");
    }

    #[test]
    fn track_points_become_distinct_cells_at_the_resolution() {
        let report = MappingSegmentReport {
            header: fieldproof_reports::ReportHeader { device_key: [1; 32], timestamp_ms: 0, nonce: [0; 16] },
            points: [0, 1, 20_000]
                .iter()
                .map(|north| fieldproof_reports::TrackPoint {
                    timestamp_ms: 0,
                    latitude_e7: 377_749_000 + north,
                    longitude_e7: -1_224_194_000,
                    altitude_dm: 0,
                    horizontal_accuracy_dm: 0,
                })
                .collect(),
            frames: vec![],
        };
        let segment = Segment::new([0; 32], [1; 32], 0, &report, Resolution::Ten);
        assert_eq!(segment.cells.len(), 2, "two fixes a centimetre apart share a cell; 220 m north is another");
    }
}
