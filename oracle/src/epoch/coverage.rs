//! Coverage units of one epoch: who beaconed and was heard, who heard whom, scaled by density.
//! Only the rules that rank reports against each other live here; every report reaching this
//! point was judged valid by the verifier.
use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt, HashSet};

use h3o::{CellIndex, Resolution};
use rayon::prelude::*;

use super::config::RewardConfig;
pub use crate::verify::{Beacon, Witness};
use crate::verify::{key_order, pair_order};

/// Units of every hotspot that earned any, scaled by [`UNIT_SCALE`] and by density.
///
/// 1. A hotspot is *heard* when one of its beacons has a valid witness. Only heard hotspots
///    earn as witnesses (reciprocity): a receive-only box proves no coverage of its own.
/// 2. Per beacon, the heard witnesses are ranked by sha256(seed ‖ beacon id ‖ witness key) and
///    the first `max_rewarded_witnesses` earn `witness_units` each; the beacon earns its sender
///    `beacon_units` if at least one witness is rewarded. The seed is fixed only by the epoch's
///    whole input ([`crate::verify::CoverageJudgement::selection_seed`]): a beaconer cannot
///    grind its beacon to pick which witnesses earn.
/// 3. Per density cell (the hotspot's asserted location at `density_resolution`), when more than
///    `density_target` earning hotspots share it, each one's units are multiplied by
///    target / count, rounded down. An earning hotspot without an asserted location earns
///    nothing: its coverage cannot be placed.
pub fn coverage_units(
    beacons: &[Beacon],
    witnesses: &[Witness],
    location_of: impl Fn(&[u8; 32]) -> Option<u64> + Sync,
    seed: &[u8; 32],
    config: &RewardConfig,
) -> BTreeMap<[u8; 32], u128> {
    // Beacons and (beacon, witness) pairs both in beacon order, each beacon's witnesses one
    // contiguous run, joined by walking the two lists side by side. Sorting fixes the order
    // whatever the database's, so the result never depends on it.
    let mut senders: Vec<Pair> = beacons.par_iter().map(|b| (b.id, b.device)).collect();
    senders.par_sort_unstable_by(pair_order);
    let mut pairs: Vec<Pair> = witnesses.par_iter().map(|w| (w.beacon_id, w.device)).collect();
    pairs.par_sort_unstable_by(pair_order);
    pairs.dedup();
    // Each known beacon heard by another device than its sender: its sender and its run of
    // witnesses.
    let mut heard_by: Vec<([u8; 32], &[Pair])> = Vec::new();
    let mut known = senders.iter().peekable();
    for run in pairs.chunk_by(|a, b| a.0 == b.0) {
        while known.next_if(|(id, _)| *id < run[0].0).is_some() {}
        if let Some((_, sender)) = known.next_if(|(id, _)| *id == run[0].0) {
            if run.iter().any(|(_, w)| w != sender) {
                heard_by.push((*sender, run));
            }
        }
    }
    let heard: HashSet<[u8; 32]> = heard_by.iter().map(|(sender, _)| *sender).collect();

    let mut earned: Vec<([u8; 32], u128)> = heard_by
        .par_iter()
        .flat_map_iter(|(sender, run)| {
            let beacon_id = &run[0].0;
            let mut rewarded: Vec<[u8; 32]> = run.iter().map(|(_, w)| *w).filter(|w| w != sender && heard.contains(w)).collect();
            // Ranking only matters when the cap leaves some out: only then is anything hashed.
            if rewarded.len() > config.max_rewarded_witnesses {
                let mut ranked: Vec<([u8; 32], [u8; 32])> = rewarded.iter().map(|w| (solana_sha256_hasher::hashv(&[seed, beacon_id, w]).to_bytes(), *w)).collect();
                ranked.sort_unstable();
                rewarded = ranked.into_iter().take(config.max_rewarded_witnesses).map(|(_, w)| w).collect();
            }
            let beacon = (!rewarded.is_empty()).then(|| (*sender, u128::from(config.beacon_units)));
            rewarded.into_iter().map(|w| (w, u128::from(config.witness_units))).chain(beacon).collect::<Vec<_>>()
        })
        .collect();
    // Sorted by device, each device's units are one run, summed without a hash map (integer
    // sums: the order they are added in cannot change them), and the result is in device order.
    earned.par_sort_unstable_by(|a, b| key_order(&a.0, &b.0));
    let units: Vec<([u8; 32], u128)> = earned.chunk_by(|a, b| a.0 == b.0).map(|run| (run[0].0, run.iter().map(|(_, u)| u).sum())).collect();
    scale_by_density(units, location_of, config)
}

/// (beacon id, device): a beacon's sender, or one of its witnesses.
type Pair = ([u8; 32], [u8; 32]);

/// Fixed-point scale of units, so that density's division keeps six decimal places.
pub const UNIT_SCALE: u128 = 1_000_000;

/// `units` in device order.
fn scale_by_density(units: Vec<([u8; 32], u128)>, location_of: impl Fn(&[u8; 32]) -> Option<u64> + Sync, config: &RewardConfig) -> BTreeMap<[u8; 32], u128> {
    let Ok(resolution) = Resolution::try_from(config.density_resolution) else {
        return BTreeMap::new();
    };
    let density_cell = |device: &[u8; 32]| -> Option<CellIndex> {
        let cell = CellIndex::try_from(location_of(device)?).ok()?;
        if cell.resolution() < resolution {
            return None;
        }
        cell.parent(resolution)
    };
    // A directory lookup and an H3 parent per hotspot: spread over every core, in order.
    let placed: Vec<([u8; 32], u128, CellIndex)> =
        units.into_par_iter().filter_map(|(device, u)| density_cell(&device).map(|cell| (device, u, cell))).collect();
    let mut per_cell: HashMap<CellIndex, u128> = HashMap::new();
    for (_, _, cell) in &placed {
        *per_cell.entry(*cell).or_default() += 1;
    }
    let target = u128::from(config.density_target);
    placed
        .into_iter()
        .map(|(device, u, cell)| {
            let count = per_cell.get(&cell).copied().unwrap_or(1);
            let scaled = u.saturating_mul(UNIT_SCALE);
            (device, if count > target { scaled.saturating_mul(target) / count } else { scaled })
        })
        .filter(|(_, u)| *u > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use foldhash::HashSetExt;
    use h3o::LatLng;

    const SEED: [u8; 32] = [42; 32];

    fn key(n: u8) -> [u8; 32] {
        [n; 32]
    }

    fn cell(lat: f64) -> u64 {
        u64::from(LatLng::new(lat, -122.4).unwrap().to_cell(Resolution::Twelve))
    }

    /// Devices 1..=n spread 5 km apart: each in its own density cell.
    fn spread(device: &[u8; 32]) -> Option<u64> {
        Some(cell(37.0 + 0.045 * f64::from(device[0])))
    }

    fn beacon(n: u8, from: u8) -> Beacon {
        Beacon { id: [100 + n; 32], device: key(from) }
    }

    fn witness(n: u8, by: u8) -> Witness {
        Witness { beacon_id: [100 + n; 32], device: key(by) }
    }

    fn config() -> RewardConfig {
        RewardConfig { beacon_units: 4, witness_units: 1, max_rewarded_witnesses: 2, density_target: 1, ..RewardConfig::default() }
    }

    #[test]
    fn heard_beacons_and_reciprocal_witnesses_earn() {
        // 1 and 2 hear each other; 3 hears 1 but is never heard itself.
        let beacons = [beacon(1, 1), beacon(2, 2), beacon(3, 3)];
        let witnesses = [witness(1, 2), witness(2, 1), witness(1, 3)];
        let units = coverage_units(&beacons, &witnesses, spread, &SEED, &config());
        assert_eq!(units.get(&key(1)), Some(&(5 * UNIT_SCALE)));
        assert_eq!(units.get(&key(2)), Some(&(5 * UNIT_SCALE)));
        assert_eq!(units.get(&key(3)), None, "a witness that is never heard earns nothing");
    }

    #[test]
    fn at_most_the_cap_of_witnesses_earn_chosen_by_hash_not_order() {
        // Devices 2..=5 all hear beacon 1, and 1 hears each of theirs so that all are heard.
        let mut beacons = vec![beacon(1, 1)];
        let mut witnesses = Vec::new();
        for d in 2..=5 {
            beacons.push(beacon(d, d));
            witnesses.push(witness(d, 1));
            witnesses.push(witness(1, d));
        }
        let units = coverage_units(&beacons, &witnesses, spread, &SEED, &config());
        let from_beacon_1 = (2..=5u8).filter(|d| units[&key(*d)] == 5 * UNIT_SCALE).count();
        assert_eq!(from_beacon_1, 2, "exactly the cap of 2 witnesses of beacon 1 earn for it");
        witnesses.reverse();
        assert_eq!(coverage_units(&beacons, &witnesses, spread, &SEED, &config()), units, "the order of arrival changes nothing");
    }

    #[test]
    fn which_witnesses_earn_follows_the_seed_not_the_beacon() {
        // Beacon 1 is heard by 2..=9, each heard back; the cap is 2. Over many seeds each of the
        // eight is chosen: a beaconer that fixed its beacon id still cannot fix its chosen ones.
        let mut beacons = vec![beacon(1, 1)];
        let mut witnesses = Vec::new();
        for d in 2..=9 {
            beacons.push(beacon(d, d));
            witnesses.push(witness(d, 1));
            witnesses.push(witness(1, d));
        }
        let mut ever_chosen = HashSet::new();
        for s in 0..64u8 {
            let units = coverage_units(&beacons, &witnesses, spread, &[s; 32], &config());
            ever_chosen.extend((2..=9u8).filter(|d| units[&key(*d)] == 5 * UNIT_SCALE));
        }
        assert_eq!(ever_chosen.len(), 8);
    }

    #[test]
    fn self_witnesses_and_unknown_beacons_count_for_nothing() {
        let units = coverage_units(&[beacon(1, 1)], &[witness(1, 1), witness(9, 2)], spread, &SEED, &config());
        assert!(units.is_empty());
    }

    #[test]
    fn crowded_cells_share_what_the_target_would_earn() {
        // 1, 2 and 3 sit in one density cell (target 1) and hear each other in a ring.
        let beacons = [beacon(1, 1), beacon(2, 2), beacon(3, 3)];
        let witnesses = [witness(1, 2), witness(2, 3), witness(3, 1)];
        let same_cell = |_: &[u8; 32]| Some(cell(37.0));
        let units = coverage_units(&beacons, &witnesses, same_cell, &SEED, &config());
        for d in 1..=3 {
            assert_eq!(units[&key(d)], 5 * UNIT_SCALE / 3);
        }
        let alone = coverage_units(&beacons, &witnesses, spread, &SEED, &config());
        assert_eq!(alone[&key(1)], 5 * UNIT_SCALE);
    }

    #[test]
    fn an_unlocated_hotspot_earns_nothing() {
        let beacons = [beacon(1, 1), beacon(2, 2)];
        let witnesses = [witness(1, 2), witness(2, 1)];
        let only_1 = |d: &[u8; 32]| (d[0] == 1).then(|| cell(37.0));
        let units = coverage_units(&beacons, &witnesses, only_1, &SEED, &config());
        assert_eq!(units.keys().collect::<Vec<_>>(), vec![&key(1)]);
    }
}
