//! Judging an epoch's hotspot reports: beacons, their witnesses, heartbeats and data-transfer
//! sessions.
//!
//! A beacon belongs to the epoch of its signed time; a witness to its beacon's epoch (a witness
//! that matches no beacon, to the epoch of its own signed time); so every report is judged in
//! exactly one epoch. The epoch's input therefore holds the beacons signed a little before its
//! window (to recognise their witnesses as another epoch's) and the witnesses signed a little
//! after it.
use foldhash::{HashMap, HashMapExt};

use fieldproof_reports::{BeaconReport, DataTransferReport, HeartbeatReport, ReportBody, WitnessReport};
use rayon::prelude::*;

use super::physics::{cell_center, max_rssi_ddbm, Site};
use super::region::{region_of, Region};
use super::{count, first_of_each, key_order, pair_order, prefix, ChainFacts, InputReport, Known, Judged, Reason, VerificationConfig, Window};
use crate::directory::DeviceKind;

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

/// A witness report and its verdict.
type WitnessVerdict<'a> = (&'a InputReport, &'a WitnessReport, Result<(), Reason>);

/// A beacon of the input as its witnesses are judged against it: who sent it, when, on which
/// frequency, and its sender's facts if it is one of the window's valid beacons.
struct Heard<'v, 'a> {
    device: [u8; 32],
    signed_at_ms: i64,
    frequency_hz: u64,
    sender: Option<&'v Known<'a>>,
}

/// Judges the hotspot reports of `window`. `reports` (in any order: every rule ranks them by
/// id) must hold the beacons signed from `window.start_ms - 2·lag - tolerance`, the witnesses
/// signed until `window.end_ms + 2·lag`, and the heartbeats and sessions of the window; see
/// [`coverage_span`].
pub fn judge_coverage(reports: Vec<InputReport>, window: Window, facts: &ChainFacts, config: &VerificationConfig) -> CoverageJudgement {
    let (reports, replays) = super::canonical(reports);

    // Beacons of the window, each on its own, then at most one per device and interval.
    let mut beacon_verdicts: Vec<(&InputReport, &BeaconReport, Result<Checked, Reason>)> = reports
        .par_iter()
        .filter_map(|r| match &r.body {
            ReportBody::Beacon(b) if window.contains(r.signed_at_ms()) => Some((r, b, check_beacon(r, b, facts, config))),
            _ => None,
        })
        .collect();
    keep_one_beacon_per_interval(&mut beacon_verdicts, config);

    // Every beacon of the input by id, with what its witnesses are judged against, so that a
    // witness's check reads one entry here and not the beacon's report and verdict elsewhere.
    let mut known: HashMap<[u8; 32], Heard> = HashMap::with_capacity(beacon_verdicts.len());
    let mut beaconers: Vec<[u8; 32]> = Vec::with_capacity(beacon_verdicts.len());
    for report in &reports {
        if let ReportBody::Beacon(body) = &report.body {
            known.insert(report.id, Heard { device: report.device(), signed_at_ms: report.signed_at_ms(), frequency_hz: body.frequency_hz, sender: None });
            beaconers.push(report.device());
        }
    }
    beaconers.par_sort_unstable_by(key_order);
    beaconers.dedup();
    for (report, _, verdict) in &beacon_verdicts {
        if let (Ok(checked), Some(beacon)) = (verdict, known.get_mut(&report.id)) {
            beacon.sender = Some(&checked.sender);
        }
    }
    let mut verdicts: Vec<Judged> = Vec::with_capacity(reports.len());
    verdicts.extend(beacon_verdicts.iter().map(|(report, _, verdict)| Judged::of(report, verdict.as_ref().err().copied())));

    // Witnesses, each against the beacon whose payload it heard.
    let mut witness_verdicts: Vec<WitnessVerdict> = reports
        .par_iter()
        .filter_map(|r| {
            let ReportBody::Witness(w) = &r.body else { return None };
            match known.get(&w.beacon_payload) {
                // Heard a beacon of another epoch: judged there.
                Some(beacon) if !window.contains(beacon.signed_at_ms) => None,
                Some(beacon) if beacon.device != w.beaconer => Some((r, w, Err(Reason::WitnessPayloadMismatch))),
                Some(beacon) => Some((r, w, check_witness(r, w, beacon, facts, config))),
                None if window.contains(r.signed_at_ms()) => {
                    let reason = if beaconers.binary_search(&w.beaconer).is_ok() { Reason::WitnessPayloadMismatch } else { Reason::UnknownBeacon };
                    Some((r, w, Err(reason)))
                }
                None => None,
            }
        })
        .collect();
    drop(known);
    drop(beaconers);
    keep_one_witness_per_beacon_and_device(&mut witness_verdicts);
    let mut witnesses = Vec::new();
    for (r, w, verdict) in witness_verdicts {
        if verdict.is_ok() {
            witnesses.push(Witness { beacon_id: w.beacon_payload, device: r.device() });
        }
        verdicts.push(Judged::of(r, verdict.err()));
    }
    let mut beacons: Vec<Beacon> = beacon_verdicts.iter().filter(|(_, _, v)| v.is_ok()).map(|(r, _, _)| Beacon { id: r.id, device: r.device() }).collect();
    drop(beacon_verdicts);

    verdicts.extend(replays.iter().filter(|r| window.contains(r.signed_at_ms())).map(|r| Judged::of(r, Some(Reason::ReplayedNonce))));
    let others: Vec<Judged> = reports
        .par_iter()
        .filter(|r| window.contains(r.signed_at_ms()))
        .filter_map(|report| match &report.body {
            ReportBody::Heartbeat(h) => Some(Judged::of(report, check_heartbeat(report, h, facts, config).err())),
            ReportBody::DataTransfer(s) => Some(Judged::of(report, check_session(report, s, facts).err())),
            _ => None,
        })
        .collect();
    verdicts.extend(others);
    // Everything needed is out of the reports: let them go before sorting (the largest part of
    // an epoch's memory).
    drop(reports);
    drop(replays);

    verdicts.par_sort_unstable_by(|a, b| key_order(&a.id, &b.id));
    let mut seed = solana_sha256_hasher::Hasher::default();
    seed.hash(SELECTION_DOMAIN);
    seed.hash(&window.start_ms.to_le_bytes());
    for v in &verdicts {
        seed.hash(&v.id);
    }
    beacons.par_sort_unstable_by(|a, b| pair_order(&(a.id, a.device), &(b.id, b.device)));
    witnesses.par_sort_unstable_by(|a, b| pair_order(&(a.beacon_id, a.device), &(b.beacon_id, b.device)));
    count(&verdicts);
    CoverageJudgement { verdicts, beacons, witnesses, selection_seed: seed.result().to_bytes() }
}

/// The signed-time span of the reports [`judge_coverage`] needs for `window`.
pub fn coverage_span(window: Window, config: &VerificationConfig) -> Window {
    let reach = config.witness_reach_ms().saturating_add(config.clock_tolerance_ms());
    Window { start_ms: window.start_ms.saturating_sub(reach), end_ms: window.end_ms.saturating_add(reach) }
}

/// A beacon that passed its own checks: the chain time of its entropy, and its sender.
struct Checked<'a> {
    entropy_ms: i64,
    sender: Known<'a>,
}

fn check_beacon<'a>(report: &InputReport, beacon: &BeaconReport, facts: &ChainFacts<'a>, config: &VerificationConfig) -> Result<Checked<'a>, Reason> {
    let sender = facts.device(&report.device(), Some(DeviceKind::Hotspot))?;
    let entropy_ms = facts.entropy_time_ms(&beacon.entropy)?;
    let signed = report.signed_at_ms();
    if signed < entropy_ms.saturating_sub(config.clock_tolerance_ms()) || signed > entropy_ms.saturating_add(config.max_entropy_age_ms()) {
        return Err(Reason::StaleEntropy);
    }
    let asserted = sender.location_h3().ok_or(Reason::InvalidLocation)?;
    check_reported_location(beacon.location_h3, sender.site().ok_or(Reason::InvalidLocation)?, config)?;
    let region = region_of(&config.regions, asserted).ok_or(Reason::OutOfRegionPlan)?;
    let eirp = i32::from(beacon.tx_power_ddbm).saturating_add(i32::from(sender.gain_ddbi()));
    if !region.allows_frequency(beacon.frequency_hz) || eirp > region.max_eirp_ddbm {
        return Err(Reason::OutOfRegionPlan);
    }
    Ok(Checked { entropy_ms, sender })
}

/// A location a device reports about itself must lie near where it is asserted.
fn check_reported_location(reported: u64, asserted: Site, config: &VerificationConfig) -> Result<(), Reason> {
    let reported = cell_center(reported).ok_or(Reason::InvalidLocation)?;
    if reported.distance_m(asserted.at) > f64::from(config.max_location_mismatch_m) {
        return Err(Reason::LocationMismatch);
    }
    Ok(())
}

/// A device's beacons count once per interval of chain time (their entropy's block time): of
/// those that passed their own checks, the lowest report id stands, so the choice depends on
/// nothing but the reports.
fn keep_one_beacon_per_interval(verdicts: &mut [(&InputReport, &BeaconReport, Result<Checked, Reason>)], config: &VerificationConfig) {
    let interval_ms = VerificationConfig::ms(config.min_beacon_interval_secs).max(1);
    let slot = |i: usize| match &verdicts[i] {
        (report, _, Ok(checked)) => Some((report.device(), checked.entropy_ms.div_euclid(interval_ms))),
        _ => None,
    };
    let first = first_of_each(
        verdicts.len(),
        |i| slot(i).map_or(0, |(device, interval)| prefix(&device) ^ interval as u64),
        |i| (slot(i), verdicts[i].0.id),
    );
    for (verdict, first) in verdicts.iter_mut().zip(first) {
        if verdict.2.is_ok() && !first {
            verdict.2 = Err(Reason::BeaconTooFrequent);
        }
    }
}

/// One witness per (beacon, witnessing device): of the valid ones, the lowest report id.
fn keep_one_witness_per_beacon_and_device(verdicts: &mut [WitnessVerdict]) {
    let pair = |i: usize| {
        let (report, witness, verdict) = &verdicts[i];
        verdict.is_ok().then(|| (witness.beacon_payload, report.device()))
    };
    let first = first_of_each(
        verdicts.len(),
        |i| pair(i).map_or(0, |(beacon, device)| prefix(&beacon) ^ prefix(&device).rotate_left(32)),
        |i| (pair(i), verdicts[i].0.id),
    );
    for (verdict, first) in verdicts.iter_mut().zip(first) {
        if verdict.2.is_ok() && !first {
            verdict.2 = Err(Reason::DuplicateWitness);
        }
    }
}

fn check_witness(report: &InputReport, witness: &WitnessReport, beacon: &Heard, facts: &ChainFacts, config: &VerificationConfig) -> Result<(), Reason> {
    let receiver = facts.device(&report.device(), Some(DeviceKind::Hotspot))?;
    if witness.beaconer == report.device() {
        return Err(Reason::SelfWitness);
    }
    // Only a valid beacon has a sender to measure from.
    let Some(sender) = beacon.sender else {
        return Err(Reason::InvalidBeacon);
    };
    let (tolerance, lag) = (config.clock_tolerance_ms(), config.witness_lag_ms());
    let sent = beacon.signed_at_ms;
    let received = i64::try_from(witness.received_at_ms).unwrap_or(i64::MAX);
    let reported = report.signed_at_ms();
    let received_in_time = received >= sent.saturating_sub(tolerance) && received <= sent.saturating_add(lag);
    let reported_in_time = reported >= received.saturating_sub(tolerance) && reported <= received.saturating_add(lag);
    if !received_in_time || !reported_in_time {
        return Err(Reason::WitnessLag);
    }
    // The beacon passed its checks, so its sender is a located hotspot of a region.
    let beacon_cell = sender.location_h3().ok_or(Reason::InvalidBeacon)?;
    let region = region_of(&config.regions, beacon_cell).ok_or(Reason::InvalidBeacon)?;
    if witness.frequency_hz.abs_diff(beacon.frequency_hz) > region.channel_tolerance_hz {
        return Err(Reason::FrequencyMismatch);
    }
    let witness_cell = receiver.location_h3().ok_or(Reason::WitnessLocationUnknown)?;
    if region_of(&config.regions, witness_cell).map(|r| &r.name) != Some(&region.name) {
        return Err(Reason::OutOfRegionPlan);
    }
    let from = sender.site().ok_or(Reason::InvalidBeacon)?;
    let to = receiver.site().ok_or(Reason::WitnessLocationUnknown)?;
    check_physics(witness, from, to, receiver.gain_ddbi(), region, beacon.frequency_hz, config)
}

/// Distance and signal strength between the two asserted sites.
fn check_physics(witness: &WitnessReport, from: Site, to: Site, receiver_gain_ddbi: i16, region: &Region, frequency_hz: u64, config: &VerificationConfig) -> Result<(), Reason> {
    let distance_m = from.distance_m(&to);
    if distance_m < f64::from(config.min_witness_distance_m) {
        return Err(Reason::WitnessTooClose);
    }
    if distance_m > f64::from(config.max_witness_distance_m) {
        return Err(Reason::WitnessTooFar);
    }
    let ceiling = max_rssi_ddbm(region.max_eirp_ddbm, i32::from(receiver_gain_ddbi), distance_m, frequency_hz);
    if i32::from(witness.rssi_ddbm) > ceiling.saturating_add(config.rssi_margin_ddb) {
        return Err(Reason::RssiAboveFreeSpace);
    }
    Ok(())
}

fn check_heartbeat(report: &InputReport, heartbeat: &HeartbeatReport, facts: &ChainFacts, config: &VerificationConfig) -> Result<(), Reason> {
    let device = facts.device(&report.device(), None)?;
    match (device.kind(), device.site()) {
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
