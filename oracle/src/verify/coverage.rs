//! Judging an epoch's hotspot reports: beacons, their witnesses, heartbeats and data-transfer
//! sessions.
//!
//! A beacon belongs to the epoch of its signed time; a witness to its beacon's epoch (a witness
//! that matches no beacon, to the epoch of its own signed time); so every report is judged in
//! exactly one epoch. The epoch's input therefore holds the beacons signed a little before its
//! window (to recognise their witnesses as another epoch's) and the witnesses signed a little
//! after it.
use std::collections::{BTreeMap, HashMap, HashSet};

use fieldproof_reports::{BeaconReport, DataTransferReport, HeartbeatReport, ReportBody, WitnessReport};
use rayon::prelude::*;

use super::physics::{cell_center, max_rssi_ddbm, Site};
use super::region::{region_of, Region};
use super::{count, ChainFacts, InputReport, Judged, Reason, VerificationConfig, Window};
use crate::devices::{DeviceEntry, DeviceKind};

/// A valid beacon of the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Beacon {
    pub id: [u8; 32],
    pub device: [u8; 32],
}

/// A valid witness of one of the epoch's valid beacons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Witness {
    pub beacon_id: [u8; 32],
    pub device: [u8; 32],
}

/// What judging an epoch's hotspot reports found.
#[derive(Debug, Default)]
pub struct CoverageJudgement {
    /// Every report of the epoch, in id order.
    pub verdicts: Vec<Judged>,
    pub beacons: Vec<Beacon>,
    pub witnesses: Vec<Witness>,
    /// Fixed only once the epoch's input is: the key that ranks a beacon's witnesses when more
    /// than the cap heard it, so a beaconer cannot grind its nonce to pick its friends.
    pub selection_seed: [u8; 32],
}

/// Domain of the witness selection seed.
const SELECTION_DOMAIN: &[u8] = b"fieldproof:witness-selection:v1";

/// A witness report with the beacon whose payload it heard (if any), and its verdict.
type WitnessVerdict<'a> = (&'a InputReport, &'a WitnessReport, Option<&'a BeaconReport>, Result<(), Reason>);

/// Judges the hotspot reports of `window`. `reports` (in any order: they are put in the
/// canonical one) must hold the beacons signed from `window.start_ms - 2·lag - tolerance`, the
/// witnesses signed until `window.end_ms + 2·lag`, and the heartbeats and sessions of the window;
/// see [`coverage_span`].
pub fn judge_coverage(reports: Vec<InputReport>, window: Window, facts: &ChainFacts, config: &VerificationConfig) -> CoverageJudgement {
    let (reports, replays) = super::canonical(reports);
    let mut beacons: HashMap<[u8; 32], (&InputReport, &BeaconReport)> = HashMap::new();
    let mut beaconers: HashSet<[u8; 32]> = HashSet::new();
    for report in &reports {
        if let ReportBody::Beacon(beacon) = &report.body {
            beacons.insert(report.id, (report, beacon));
            beaconers.insert(report.device());
        }
    }

    // Beacons of the window, each on its own, then at most one per device and interval.
    let mut beacon_verdicts: BTreeMap<[u8; 32], Result<Checked, Reason>> = reports
        .par_iter()
        .filter_map(|r| match &r.body {
            ReportBody::Beacon(b) if window.contains(r.signed_at_ms()) => Some((r.id, check_beacon(r, b, facts, config))),
            _ => None,
        })
        .collect();
    keep_one_beacon_per_interval(&mut beacon_verdicts, &beacons, config);

    let mut verdicts: Vec<Judged> = Vec::with_capacity(reports.len());
    for (id, verdict) in &beacon_verdicts {
        if let Some((report, _)) = beacons.get(id) {
            verdicts.push(Judged::of(report, verdict.as_ref().err().copied()));
        }
    }

    // Witnesses, each against the beacon whose payload it heard.
    let witness_verdicts: Vec<WitnessVerdict> = reports
        .par_iter()
        .filter_map(|r| {
            let ReportBody::Witness(w) = &r.body else { return None };
            match beacons.get(&w.beacon_payload) {
                // Heard a beacon of another epoch: judged there.
                Some((beacon, _)) if !window.contains(beacon.signed_at_ms()) => None,
                Some((beacon, b)) if beacon.device() != w.beaconer => Some((r, w, Some(*b), Err(Reason::WitnessPayloadMismatch))),
                Some((_, b)) => {
                    let beacon_valid = beacon_verdicts.get(&w.beacon_payload).is_some_and(|v| v.is_ok());
                    Some((r, w, Some(*b), check_witness(r, w, b, beacon_valid, facts, config)))
                }
                None if window.contains(r.signed_at_ms()) => {
                    let reason = if beaconers.contains(&w.beaconer) { Reason::WitnessPayloadMismatch } else { Reason::UnknownBeacon };
                    Some((r, w, None, Err(reason)))
                }
                None => None,
            }
        })
        .collect();
    // One witness per (beacon, witnessing device): the lowest report id of the valid ones.
    let mut first_valid: HashMap<([u8; 32], [u8; 32]), [u8; 32]> = HashMap::new();
    for (r, w, _, verdict) in &witness_verdicts {
        if verdict.is_ok() {
            let slot = first_valid.entry((w.beacon_payload, r.device())).or_insert(r.id);
            *slot = (*slot).min(r.id);
        }
    }
    let mut witnesses = Vec::new();
    for (r, w, _, verdict) in witness_verdicts {
        let reason = match verdict {
            Ok(()) if first_valid.get(&(w.beacon_payload, r.device())) != Some(&r.id) => Some(Reason::DuplicateWitness),
            Ok(()) => {
                witnesses.push(Witness { beacon_id: w.beacon_payload, device: r.device() });
                None
            }
            Err(reason) => Some(reason),
        };
        verdicts.push(Judged::of(r, reason));
    }

    verdicts.extend(replays.iter().filter(|r| window.contains(r.signed_at_ms())).map(|r| Judged::of(r, Some(Reason::ReplayedNonce))));
    for report in reports.iter().filter(|r| window.contains(r.signed_at_ms())) {
        let reason = match &report.body {
            ReportBody::Heartbeat(h) => check_heartbeat(report, h, facts, config).err(),
            ReportBody::DataTransfer(s) => check_session(report, s, facts).err(),
            _ => continue,
        };
        verdicts.push(Judged::of(report, reason));
    }

    verdicts.sort_unstable_by_key(|v| v.id);
    let mut seed = solana_sha256_hasher::Hasher::default();
    seed.hash(SELECTION_DOMAIN);
    seed.hash(&window.start_ms.to_le_bytes());
    for v in &verdicts {
        seed.hash(&v.id);
    }
    let beacons = beacon_verdicts.iter().filter(|(_, v)| v.is_ok()).filter_map(|(id, _)| beacons.get(id).map(|(r, _)| Beacon { id: *id, device: r.device() })).collect();
    witnesses.sort_unstable();
    count(&verdicts);
    CoverageJudgement { verdicts, beacons, witnesses, selection_seed: seed.result().to_bytes() }
}

/// The signed-time span of the reports [`judge_coverage`] needs for `window`.
pub fn coverage_span(window: Window, config: &VerificationConfig) -> Window {
    let reach = config.witness_reach_ms().saturating_add(config.clock_tolerance_ms());
    Window { start_ms: window.start_ms.saturating_sub(reach), end_ms: window.end_ms.saturating_add(reach) }
}

/// A beacon that passed its own checks: the chain time of its entropy.
struct Checked {
    entropy_ms: i64,
}

fn check_beacon(report: &InputReport, beacon: &BeaconReport, facts: &ChainFacts, config: &VerificationConfig) -> Result<Checked, Reason> {
    let entry = facts.device(&report.device(), Some(DeviceKind::Hotspot))?;
    let entropy_ms = facts.entropy_time_ms(&beacon.entropy)?;
    let signed = report.signed_at_ms();
    if signed < entropy_ms.saturating_sub(config.clock_tolerance_ms()) || signed > entropy_ms.saturating_add(config.max_entropy_age_ms()) {
        return Err(Reason::StaleEntropy);
    }
    let asserted = entry.location_h3.ok_or(Reason::InvalidLocation)?;
    check_reported_location(beacon.location_h3, asserted, config)?;
    let region = region_of(&config.regions, asserted).ok_or(Reason::OutOfRegionPlan)?;
    let eirp = i32::from(beacon.tx_power_ddbm).saturating_add(i32::from(entry.gain_ddbi));
    if !region.allows_frequency(beacon.frequency_hz) || eirp > region.max_eirp_ddbm {
        return Err(Reason::OutOfRegionPlan);
    }
    Ok(Checked { entropy_ms })
}

/// A location a device reports about itself must lie near where it is asserted.
fn check_reported_location(reported: u64, asserted: u64, config: &VerificationConfig) -> Result<(), Reason> {
    let asserted = cell_center(asserted).ok_or(Reason::InvalidLocation)?;
    let reported = cell_center(reported).ok_or(Reason::InvalidLocation)?;
    if reported.distance_m(asserted) > f64::from(config.max_location_mismatch_m) {
        return Err(Reason::LocationMismatch);
    }
    Ok(())
}

/// A device's beacons count once per interval of chain time (their entropy's block time): of
/// those that passed their own checks, the lowest report id stands, so the choice depends on
/// nothing but the reports.
fn keep_one_beacon_per_interval(verdicts: &mut BTreeMap<[u8; 32], Result<Checked, Reason>>, beacons: &HashMap<[u8; 32], (&InputReport, &BeaconReport)>, config: &VerificationConfig) {
    let interval_ms = VerificationConfig::ms(config.min_beacon_interval_secs).max(1);
    let mut kept: HashSet<([u8; 32], i64)> = HashSet::new();
    // Id order: the first one of a (device, interval) is the lowest id.
    for (id, verdict) in verdicts.iter_mut() {
        let (Ok(checked), Some((report, _))) = (&*verdict, beacons.get(id)) else { continue };
        if !kept.insert((report.device(), checked.entropy_ms.div_euclid(interval_ms))) {
            *verdict = Err(Reason::BeaconTooFrequent);
        }
    }
}

fn check_witness(
    report: &InputReport,
    witness: &WitnessReport,
    beacon: &BeaconReport,
    beacon_valid: bool,
    facts: &ChainFacts,
    config: &VerificationConfig,
) -> Result<(), Reason> {
    let entry = facts.device(&report.device(), Some(DeviceKind::Hotspot))?;
    if witness.beaconer == report.device() {
        return Err(Reason::SelfWitness);
    }
    if !beacon_valid {
        return Err(Reason::InvalidBeacon);
    }
    let (tolerance, lag) = (config.clock_tolerance_ms(), config.witness_lag_ms());
    let sent = i64::try_from(beacon.header.timestamp_ms).unwrap_or(i64::MAX);
    let received = i64::try_from(witness.received_at_ms).unwrap_or(i64::MAX);
    let reported = report.signed_at_ms();
    let received_in_time = received >= sent.saturating_sub(tolerance) && received <= sent.saturating_add(lag);
    let reported_in_time = reported >= received.saturating_sub(tolerance) && reported <= received.saturating_add(lag);
    if !received_in_time || !reported_in_time {
        return Err(Reason::WitnessLag);
    }
    // The beacon passed its checks, so its sender is a located hotspot of a region.
    let sender = facts.directory.get(&beacon.header.device_key).ok_or(Reason::InvalidBeacon)?;
    let beacon_cell = sender.location_h3.ok_or(Reason::InvalidBeacon)?;
    let region = region_of(&config.regions, beacon_cell).ok_or(Reason::InvalidBeacon)?;
    if witness.frequency_hz.abs_diff(beacon.frequency_hz) > region.channel_tolerance_hz {
        return Err(Reason::FrequencyMismatch);
    }
    let witness_cell = entry.location_h3.ok_or(Reason::WitnessLocationUnknown)?;
    if region_of(&config.regions, witness_cell).map(|r| &r.name) != Some(&region.name) {
        return Err(Reason::OutOfRegionPlan);
    }
    check_physics(witness, sender, entry, region, beacon.frequency_hz, config)
}

/// Distance and signal strength between the two asserted sites.
fn check_physics(witness: &WitnessReport, sender: &DeviceEntry, receiver: &DeviceEntry, region: &Region, frequency_hz: u64, config: &VerificationConfig) -> Result<(), Reason> {
    let site = |entry: &DeviceEntry| entry.location_h3.and_then(cell_center).map(|at| Site { at, elevation_m: entry.elevation_m });
    let from = site(sender).ok_or(Reason::InvalidBeacon)?;
    let to = site(receiver).ok_or(Reason::WitnessLocationUnknown)?;
    let distance_m = from.distance_m(&to);
    if distance_m < f64::from(config.min_witness_distance_m) {
        return Err(Reason::WitnessTooClose);
    }
    if distance_m > f64::from(config.max_witness_distance_m) {
        return Err(Reason::WitnessTooFar);
    }
    let ceiling = max_rssi_ddbm(region.max_eirp_ddbm, i32::from(receiver.gain_ddbi), distance_m, frequency_hz);
    if i32::from(witness.rssi_ddbm) > ceiling.saturating_add(config.rssi_margin_ddb) {
        return Err(Reason::RssiAboveFreeSpace);
    }
    Ok(())
}

fn check_heartbeat(report: &InputReport, heartbeat: &HeartbeatReport, facts: &ChainFacts, config: &VerificationConfig) -> Result<(), Reason> {
    let entry = facts.device(&report.device(), None)?;
    match (entry.kind, entry.location_h3) {
        (DeviceKind::Hotspot, None) => Err(Reason::InvalidLocation),
        (DeviceKind::Hotspot, Some(asserted)) => check_reported_location(heartbeat.location_h3, asserted, config),
        // A dashcam moves: it has no asserted place to be held to.
        (DeviceKind::Mapper, _) => cell_center(heartbeat.location_h3).map(|_| ()).ok_or(Reason::InvalidLocation),
    }
}

fn check_session(report: &InputReport, session: &DataTransferReport, facts: &ChainFacts) -> Result<(), Reason> {
    facts.device(&report.device(), Some(DeviceKind::Hotspot))?;
    if session.ended_at_ms < session.started_at_ms || session.dc_amount == 0 {
        return Err(Reason::InvalidSession);
    }
    session.verify_countersignature().map_err(|_| Reason::SessionNotCountersigned)
}
