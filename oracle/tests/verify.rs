//! The verifier's rules, each with a fixture that passes and one that fails, judged as the epoch
//! judges them: a pure function of the reports, the chain facts (directory, blocks, denylist)
//! and the configuration. No store, no clock.
use std::collections::HashMap;

use ed25519_dalek::{Signer, SigningKey};
use fieldproof_oracle::chain_blocks::SimulatedChain;
use fieldproof_oracle::devices::{DeviceEntry, DeviceKind, Directory};
use fieldproof_oracle::epoch::entropy_slots;
use fieldproof_oracle::verify::{judge_coverage, judge_mapping, Blocks, ChainFacts, Denylist, InputReport, Judged, VerificationConfig, Window};
use fieldproof_reports::{
    BeaconReport, DataTransferReport, Entropy, FrameHash, HeartbeatReport, MappingSegmentReport, ReportBody, ReportHeader, TrackPoint, WitnessReport,
};
use h3o::{LatLng, Resolution};

const T0: u64 = 1_800_000_000_000;
const FREQ: u64 = 904_300_000;
/// San Francisco; 0.009° of latitude is about 1 km.
const LAT: f64 = 37.7749;
const LNG: f64 = -122.4194;
/// The epoch every test judges: an hour from T0 - 10 min.
const WINDOW: Window = Window { start_ms: T0 as i64 - 600_000, end_ms: T0 as i64 + 3_000_000 };

fn cell(lat_offset: f64) -> u64 {
    at(LAT + lat_offset, LNG)
}

fn at(lat: f64, lng: f64) -> u64 {
    u64::from(LatLng::new(lat, lng).unwrap().to_cell(Resolution::Twelve))
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn header(device: &SigningKey, at_ms: u64, nonce: u8) -> ReportHeader {
    ReportHeader { device_key: device.verifying_key().to_bytes(), timestamp_ms: at_ms, nonce: [nonce; 16] }
}

/// The simulated chain's block two seconds before `at_ms`.
fn entropy(at_ms: u64) -> Entropy {
    SimulatedChain::default().entropy_at(at_ms)
}

fn report(body: ReportBody) -> InputReport {
    InputReport { id: body.report_id().0, body }
}

fn beacon_with(device: &SigningKey, at_ms: u64, nonce: u8, change: impl FnOnce(&mut BeaconReport)) -> InputReport {
    let mut beacon = BeaconReport { header: header(device, at_ms, nonce), entropy: entropy(at_ms), frequency_hz: FREQ, tx_power_ddbm: 270, location_h3: 0 };
    change(&mut beacon);
    report(ReportBody::Beacon(beacon))
}

/// A beacon declaring the cell `lat_offset` north of the city.
fn beacon(device: &SigningKey, at_ms: u64, nonce: u8, lat_offset: f64) -> InputReport {
    beacon_with(device, at_ms, nonce, |b| b.location_h3 = cell(lat_offset))
}

fn witness_with(device: &SigningKey, of: &InputReport, nonce: u8, change: impl FnOnce(&mut WitnessReport)) -> InputReport {
    let sent = of.body.header().timestamp_ms;
    let mut witness = WitnessReport {
        header: header(device, sent + 800, nonce),
        beaconer: of.device(),
        beacon_payload: of.id,
        rssi_ddbm: -900,
        snr_ddb: 55,
        frequency_hz: FREQ,
        received_at_ms: sent + 800,
    };
    change(&mut witness);
    report(ReportBody::Witness(witness))
}

fn witness(device: &SigningKey, of: &InputReport, rssi_ddbm: i16, nonce: u8) -> InputReport {
    witness_with(device, of, nonce, |w| w.rssi_ddbm = rssi_ddbm)
}

/// A drive heading north: `(ms after at_ms, degrees north of the city)` per fix, a frame per
/// hash at the segment's first fix; reported 1 s after its last fix.
fn segment_with(device: &SigningKey, at_ms: u64, nonce: u8, steps: &[(u64, f64)], frames: &[[u8; 32]], change: impl FnOnce(&mut MappingSegmentReport)) -> InputReport {
    let points: Vec<TrackPoint> = steps
        .iter()
        .map(|(ms, lat)| TrackPoint { timestamp_ms: at_ms + ms, latitude_e7: ((LAT + lat) * 1e7) as i32, longitude_e7: (LNG * 1e7) as i32, altitude_dm: 120, horizontal_accuracy_dm: 30 })
        .collect();
    let first = points.first().map_or(at_ms, |p| p.timestamp_ms);
    let last = points.last().map_or(at_ms, |p| p.timestamp_ms);
    let frames = frames.iter().enumerate().map(|(i, h)| FrameHash { timestamp_ms: first + i as u64, content_hash: *h }).collect();
    let mut segment = MappingSegmentReport { header: header(device, last + 1_000, nonce), entropy: entropy(at_ms), points, frames };
    change(&mut segment);
    report(ReportBody::MappingSegment(segment))
}

fn segment(device: &SigningKey, at_ms: u64, nonce: u8, steps: &[(u64, f64)], frames: &[[u8; 32]]) -> InputReport {
    segment_with(device, at_ms, nonce, steps, frames, |_| {})
}

/// 100 m every 5 s (20 m/s) north from `from`, ten fixes: 900 m, five frames needed.
fn drive(from: f64) -> Vec<(u64, f64)> {
    (0..10).map(|i| (i * 5_000, from + i as f64 * 0.0009)).collect()
}

fn frames(first: u8, n: u8) -> Vec<[u8; 32]> {
    (first..first + n).map(|i| [i; 32]).collect()
}

/// The devices and denylist the reports are judged by.
#[derive(Default)]
struct World {
    directory: Directory,
    denylist: Denylist,
}

impl World {
    fn hotspot(&mut self, device: &SigningKey, lat_offset: f64) {
        self.hotspot_at(device, cell(lat_offset));
    }

    fn hotspot_at(&mut self, device: &SigningKey, asserted: u64) {
        let entry = DeviceEntry { kind: DeviceKind::Hotspot, active: true, location_h3: Some(asserted), elevation_m: 10, gain_ddbi: 30, asset: None };
        self.directory.insert(device.verifying_key().to_bytes(), entry);
    }

    fn mapper(&mut self, device: &SigningKey) {
        let entry = DeviceEntry { kind: DeviceKind::Mapper, active: true, location_h3: None, elevation_m: 0, gain_ddbi: 0, asset: None };
        self.directory.insert(device.verifying_key().to_bytes(), entry);
    }

    /// The simulated chain's blocks at every slot the reports name.
    fn blocks(reports: &[InputReport]) -> Blocks {
        let chain = SimulatedChain::default();
        entropy_slots(reports).into_iter().map(|slot| (slot, chain.block(slot))).collect()
    }

    fn coverage(&self, reports: &[InputReport]) -> Verdicts {
        let blocks = Self::blocks(reports);
        let facts = ChainFacts::new(&self.directory, &blocks, &self.denylist);
        Verdicts::of(judge_coverage(reports.to_vec(), WINDOW, &facts, &VerificationConfig::default()).verdicts)
    }

    fn mapping(&self, reports: &[InputReport]) -> Verdicts {
        let blocks = Self::blocks(reports);
        let facts = ChainFacts::new(&self.directory, &blocks, &self.denylist);
        Verdicts::of(judge_mapping(reports.to_vec(), WINDOW, &facts, &VerificationConfig::default()).verdicts)
    }
}

/// Verdicts by report id.
struct Verdicts(HashMap<[u8; 32], Judged>);

impl Verdicts {
    fn of(list: Vec<Judged>) -> Self {
        Self(list.into_iter().map(|v| (v.id, v)).collect())
    }

    /// `None` when valid, else the reason's code; panics when the report was not judged here.
    fn of_report(&self, report: &InputReport) -> Option<&'static str> {
        self.0.get(&report.id).unwrap_or_else(|| panic!("{:?} was not judged", report.body.kind())).reason.map(|r| r.code())
    }

    fn judged(&self, report: &InputReport) -> bool {
        self.0.contains_key(&report.id)
    }
}

#[test]
fn an_honest_beacon_and_witness_are_valid() {
    let mut world = World::default();
    let (a, w) = (key(1), key(2));
    world.hotspot(&a, 0.0);
    world.hotspot(&w, 0.009);
    let beacon = beacon(&a, T0, 1, 0.0);
    // 1 km; the plan allows 36 dBm EIRP + 3 dBi: about -52 dBm at most; -90 dBm is ordinary.
    let heard = witness(&w, &beacon, -900, 1);
    let verdicts = world.coverage(&[beacon.clone(), heard.clone()]);
    assert_eq!(verdicts.of_report(&beacon), None);
    assert_eq!(verdicts.of_report(&heard), None);
}

#[test]
fn each_witness_check_refuses_its_cheat() {
    let mut world = World::default();
    let beaconer = key(1);
    world.hotspot(&beaconer, 0.0);
    let beacon = beacon(&beaconer, T0, 1, 0.0);
    let mut cases: Vec<(InputReport, &str)> = Vec::new();
    // (seed, witness offset in degrees latitude, rssi, expected reason)
    for (seed, offset, rssi, reason) in [(10, 0.0009, -900, "witness_too_close"), (11, 1.8, -1300, "witness_too_far"), (12, 0.045, -300, "rssi_above_free_space")] {
        let w = key(seed);
        world.hotspot(&w, offset);
        cases.push((witness(&w, &beacon, rssi, 1), reason));
    }
    let (late, early, slow, self_) = (key(13), key(14), key(15), beaconer.clone());
    for w in [&late, &early, &slow] {
        world.hotspot(w, 0.009);
    }
    cases.push((witness_with(&late, &beacon, 1, |w| w.received_at_ms += 60_000), "witness_lag"));
    cases.push((witness_with(&early, &beacon, 1, |w| w.received_at_ms -= 30_000), "witness_lag"));
    cases.push((witness_with(&slow, &beacon, 1, |w| w.header.timestamp_ms += 60_000), "witness_lag"));
    cases.push((witness(&self_, &beacon, -900, 2), "self_witness"));
    let nowhere = key(16);
    world.directory.insert(nowhere.verifying_key().to_bytes(), DeviceEntry { kind: DeviceKind::Hotspot, active: true, location_h3: None, elevation_m: 0, gain_ddbi: 30, asset: None });
    cases.push((witness(&nowhere, &beacon, -900, 1), "witness_location_unknown"));
    let tuned = key(17);
    world.hotspot(&tuned, 0.009);
    cases.push((witness_with(&tuned, &beacon, 1, |w| w.frequency_hz = FREQ + 200_000), "frequency_mismatch"));
    // A payload nobody sent, from a hotspot that beaconed nothing; and one that beaconed, but
    // not this payload; and a payload named as another hotspot's.
    let silent = key(18);
    world.hotspot(&silent, 0.5);
    cases.push((witness_with(&tuned, &beacon, 2, |w| (w.beaconer, w.beacon_payload) = (silent.verifying_key().to_bytes(), [9; 32])), "unknown_beacon"));
    cases.push((witness_with(&tuned, &beacon, 3, |w| w.beacon_payload = [9; 32]), "witness_payload_mismatch"));
    cases.push((witness_with(&tuned, &beacon, 4, |w| w.beaconer = silent.verifying_key().to_bytes()), "witness_payload_mismatch"));
    // An EU868 hotspot cannot hear a US915 beacon.
    let abroad = key(19);
    world.hotspot_at(&abroad, at(52.52, 13.40));
    cases.push((witness(&abroad, &beacon, -900, 1), "out_of_region_plan"));
    // The same witness twice for one beacon: the lowest report id stands.
    let honest = key(20);
    world.hotspot(&honest, 0.018);
    let twice = [witness(&honest, &beacon, -950, 1), witness(&honest, &beacon, -951, 2)];
    let (first, second) = if twice[0].id < twice[1].id { (&twice[0], &twice[1]) } else { (&twice[1], &twice[0]) };
    cases.push((second.clone(), "duplicate_witness"));

    let mut all: Vec<InputReport> = cases.iter().map(|(r, _)| r.clone()).collect();
    all.push(beacon.clone());
    all.push(first.clone());
    let verdicts = world.coverage(&all);
    assert_eq!(verdicts.of_report(&beacon), None);
    assert_eq!(verdicts.of_report(first), None, "one witness of a device per beacon is valid");
    for (report, reason) in &cases {
        assert_eq!(verdicts.of_report(report), Some(*reason), "{:?}", report.body);
    }
}

#[test]
fn beacons_need_fresh_real_entropy_and_their_asserted_place_and_plan() {
    let mut world = World::default();
    let a = key(1);
    world.hotspot(&a, 0.0);
    let cases = [
        // An offline fabrication: a block hash the chain never had at that slot.
        (beacon_with(&a, T0, 1, |b| (b.location_h3, b.entropy.blockhash) = (cell(0.0), [7; 32])), Some("unknown_entropy")),
        // A slot beyond the chain.
        (beacon_with(&a, T0, 2, |b| (b.location_h3, b.entropy.slot) = (cell(0.0), u64::MAX)), Some("unknown_entropy")),
        // Made ten minutes after its block: it could have been made in advance of its time.
        (beacon_with(&a, T0, 3, |b| (b.location_h3, b.entropy) = (cell(0.0), entropy(T0 - 600_000))), Some("stale_entropy")),
        // Dated a minute before the block it carries.
        (beacon_with(&a, T0, 4, |b| (b.location_h3, b.entropy) = (cell(0.0), entropy(T0 + 60_000))), Some("stale_entropy")),
        // Says it stands 50 km from where it is asserted.
        (beacon(&a, T0, 5, 0.45), Some("location_mismatch")),
        (beacon_with(&a, T0, 6, |b| b.location_h3 = 42), Some("invalid_location")),
        // Between two channels of the plan; 3000 dBm.
        (beacon_with(&a, T0, 7, |b| (b.location_h3, b.frequency_hz) = (cell(0.0), FREQ + 100_000)), Some("out_of_region_plan")),
        (beacon_with(&a, T0, 8, |b| (b.location_h3, b.tx_power_ddbm) = (cell(0.0), 30_000)), Some("out_of_region_plan")),
        // 33 dBm + 3 dBi is just within the 36 dBm of US915.
        (beacon_with(&a, T0, 9, |b| (b.location_h3, b.tx_power_ddbm) = (cell(0.0), 330)), None),
    ];
    for (report, expected) in &cases {
        assert_eq!(world.coverage(std::slice::from_ref(report)).of_report(report), *expected, "{:?}", report.body);
    }
    // A hotspot where no region plan applies, and one never located.
    let (sydney, unlocated) = (key(2), key(3));
    world.hotspot_at(&sydney, at(-33.87, 151.21));
    world.directory.insert(unlocated.verifying_key().to_bytes(), DeviceEntry { kind: DeviceKind::Hotspot, active: true, location_h3: None, elevation_m: 0, gain_ddbi: 30, asset: None });
    let far = beacon_with(&sydney, T0, 1, |b| b.location_h3 = at(-33.87, 151.21));
    assert_eq!(world.coverage(std::slice::from_ref(&far)).of_report(&far), Some("out_of_region_plan"));
    let lost = beacon(&unlocated, T0, 1, 0.0);
    assert_eq!(world.coverage(std::slice::from_ref(&lost)).of_report(&lost), Some("invalid_location"));
}

/// The cheat as found by a hostile integrator: two hotspots registered 149 km apart each beacon
/// "from" a cell 1 km from the other and witness each other. And the other side of the same
/// flaw: an honest witness 2.5 km from a beacon that claims a far cell.
#[test]
fn locations_come_from_the_chain_not_from_the_report() {
    let mut world = World::default();
    let (north, south) = (key(1), key(2));
    world.hotspot(&north, 0.0);
    world.hotspot(&south, -1.34); // 149 km south
    let from_north = beacon(&north, T0, 1, -1.34 + 0.009);
    let from_south = beacon(&south, T0 + 1_000, 1, -0.009);
    // What 1 km would allow, as both claim.
    let (hears_north, hears_south) = (witness(&south, &from_north, -700, 2), witness(&north, &from_south, -700, 2));
    let verdicts = world.coverage(&[from_north.clone(), from_south.clone(), hears_north.clone(), hears_south.clone()]);
    assert_eq!(verdicts.of_report(&from_north), Some("location_mismatch"));
    assert_eq!(verdicts.of_report(&from_south), Some("location_mismatch"));
    assert_eq!(verdicts.of_report(&hears_north), Some("invalid_beacon"));
    assert_eq!(verdicts.of_report(&hears_south), Some("invalid_beacon"));

    // Judged by asserted places alone: an honest witness 2.5 km away of a beacon that names a
    // cell 400 m off (within the tolerance) is valid, whatever cell the beacon names.
    let (beaconer, neighbour) = (key(3), key(4));
    world.hotspot(&beaconer, 0.0);
    world.hotspot(&neighbour, 0.0225);
    let close_enough = beacon(&beaconer, T0, 2, -0.0036);
    let heard = witness(&neighbour, &close_enough, -1_000, 1);
    let verdicts = world.coverage(&[close_enough.clone(), heard.clone()]);
    assert_eq!(verdicts.of_report(&close_enough), None);
    assert_eq!(verdicts.of_report(&heard), None);
}

#[test]
fn power_comes_from_the_region_plan_not_from_the_beacon() {
    let mut world = World::default();
    let (loud, ear) = (key(1), key(2));
    world.hotspot(&loud, 0.0);
    world.hotspot(&ear, 0.0126); // 1.4 km
    let boast = beacon_with(&loud, T0, 1, |b| (b.location_h3, b.tx_power_ddbm) = (cell(0.0), 30_000));
    let honest_beacon = beacon(&loud, T0 + 400_000, 2, 0.0);
    // -30 dBm at 1.4 km: 37 dB above what 36 dBm EIRP allows.
    let shout = witness(&ear, &honest_beacon, -300, 1);
    let fair = witness(&ear, &honest_beacon, -800, 2);
    let verdicts = world.coverage(&[boast.clone(), honest_beacon.clone(), shout.clone()]);
    assert_eq!(verdicts.of_report(&boast), Some("out_of_region_plan"));
    assert_eq!(verdicts.of_report(&honest_beacon), None);
    assert_eq!(verdicts.of_report(&shout), Some("rssi_above_free_space"));
    assert_eq!(world.coverage(&[honest_beacon, fair.clone()]).of_report(&fair), None);
}

#[test]
fn one_beacon_per_interval_of_chain_time_whatever_the_order() {
    let mut world = World::default();
    let a = key(1);
    world.hotspot(&a, 0.0);
    // Intervals of 300 s of the simulated chain's time; T0 is a multiple of it.
    let same: Vec<InputReport> = (1..=3).map(|n| beacon(&a, T0 + 10_000 + u64::from(n) * 1_000, n, 0.0)).collect();
    let next = beacon(&a, T0 + 310_000, 9, 0.0);
    let mut all = same.clone();
    all.push(next.clone());
    let winner = same.iter().min_by_key(|r| r.id).unwrap();
    for order in [all.clone(), all.iter().rev().cloned().collect()] {
        let verdicts = world.coverage(&order);
        for b in &same {
            let expected = if b.id == winner.id { None } else { Some("beacon_too_frequent") };
            assert_eq!(verdicts.of_report(b), expected);
        }
        assert_eq!(verdicts.of_report(&next), None);
    }
}

#[test]
fn heartbeats_are_held_to_the_asserted_location() {
    let mut world = World::default();
    let (h, m) = (key(1), key(2));
    world.hotspot(&h, 0.0);
    world.mapper(&m);
    let heartbeat = |device: &SigningKey, nonce: u8, location_h3: u64| {
        report(ReportBody::Heartbeat(HeartbeatReport { header: header(device, T0, nonce), location_h3, uptime_s: 5, firmware_version: 1 }))
    };
    let home = heartbeat(&h, 1, cell(0.003));
    let away = heartbeat(&h, 2, cell(1.35)); // 150 km
    let driving = heartbeat(&m, 1, cell(0.3));
    let verdicts = world.coverage(&[home.clone(), away.clone(), driving.clone()]);
    assert_eq!(verdicts.of_report(&home), None);
    assert_eq!(verdicts.of_report(&away), Some("location_mismatch"));
    assert_eq!(verdicts.of_report(&driving), None, "a dashcam has no asserted place");
}

#[test]
fn a_session_counts_only_with_its_routers_signature() {
    let mut world = World::default();
    let (hotspot, router) = (key(1), key(2));
    world.hotspot(&hotspot, 0.0);
    let session = |nonce: u8, dc: u64, signer: &SigningKey| {
        let mut s = DataTransferReport {
            header: header(&hotspot, T0, nonce),
            payer_escrow: [3; 32],
            router: router.verifying_key().to_bytes(),
            upload_bytes: 10,
            download_bytes: 20,
            dc_amount: dc,
            started_at_ms: T0 - 60_000,
            ended_at_ms: T0,
            router_signature: [0; 64],
        };
        s.router_signature = signer.sign(&s.session_bytes()).to_bytes();
        report(s.into())
    };
    let countersigned = session(1, 100, &router);
    let self_dealt = session(2, 100, &hotspot);
    let free = session(3, 0, &router);
    let verdicts = world.coverage(&[countersigned.clone(), self_dealt.clone(), free.clone()]);
    assert_eq!(verdicts.of_report(&countersigned), None);
    assert_eq!(verdicts.of_report(&self_dealt), Some("session_not_countersigned"));
    assert_eq!(verdicts.of_report(&free), Some("invalid_session"));
}

#[test]
fn device_level_checks() {
    let mut world = World::default();
    let (mapper, retired, banned, stranger) = (key(2), key(3), key(4), key(5));
    world.mapper(&mapper);
    world.directory.insert(retired.verifying_key().to_bytes(), DeviceEntry { kind: DeviceKind::Hotspot, active: false, location_h3: Some(cell(0.0)), elevation_m: 0, gain_ddbi: 0, asset: None });
    world.hotspot(&banned, 0.0);
    world.denylist = {
        let authority = key(99);
        let keys = [banned.verifying_key().to_bytes()];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deny.json");
        let sig = authority.sign(&Denylist::signing_bytes(&keys));
        std::fs::write(&path, serde_json::json!({"keys": [hex::encode(keys[0])], "signature": hex::encode(sig.to_bytes())}).to_string()).unwrap();
        Denylist::load(&path, &authority.verifying_key()).unwrap()
    };
    let cases = [
        (beacon(&mapper, T0, 1, 0.0), "wrong_device_kind"),
        (beacon(&retired, T0, 1, 0.0), "inactive_device"),
        (beacon(&stranger, T0, 1, 0.0), "unknown_device"),
        (beacon(&banned, T0, 1, 0.0), "denylisted"),
    ];
    let verdicts = world.coverage(&cases.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>());
    for (report, reason) in &cases {
        assert_eq!(verdicts.of_report(report), Some(*reason));
    }
    let walking_hotspot = segment(&banned, T0, 1, &drive(0.0), &frames(1, 5));
    assert_eq!(world.mapping(std::slice::from_ref(&walking_hotspot)).of_report(&walking_hotspot), Some("denylisted"));
}

/// Each report is judged in exactly one epoch: a beacon in the window of its signed time, a
/// witness with its beacon, a witness of nothing in the window of its own signed time.
#[test]
fn witnesses_are_judged_with_their_beacons_epoch() {
    let mut world = World::default();
    let (a, w) = (key(1), key(2));
    world.hotspot(&a, 0.0);
    world.hotspot(&w, 0.009);
    let before = beacon(&a, WINDOW.start_ms as u64 - 500, 1, 0.0);
    let heard_after_start = witness(&w, &before, -900, 1);
    assert!(WINDOW.contains(heard_after_start.signed_at_ms()));
    let last = beacon(&a, WINDOW.end_ms as u64 - 500, 2, 0.0);
    let heard_after_end = witness(&w, &last, -900, 2);
    assert!(!WINDOW.contains(heard_after_end.signed_at_ms()));
    let orphan_after_end = witness_with(&w, &last, 3, |x| (x.beacon_payload, x.header.timestamp_ms) = ([5; 32], WINDOW.end_ms as u64 + 100));
    let verdicts = world.coverage(&[before.clone(), heard_after_start.clone(), last.clone(), heard_after_end.clone(), orphan_after_end.clone()]);
    assert!(!verdicts.judged(&before) && !verdicts.judged(&heard_after_start), "the previous epoch's");
    assert_eq!(verdicts.of_report(&last), None);
    assert_eq!(verdicts.of_report(&heard_after_end), None, "judged here, with its beacon");
    assert!(!verdicts.judged(&orphan_after_end), "the next epoch's");
}

#[test]
fn the_verdicts_depend_on_the_reports_not_their_order_nor_who_received_them() {
    let mut world = World::default();
    let keys: Vec<SigningKey> = (1..=6).map(key).collect();
    for (i, k) in keys.iter().enumerate() {
        world.hotspot(k, 0.009 * i as f64);
    }
    let mut reports = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let b = beacon(k, T0 + i as u64 * 1_000, 1, 0.009 * i as f64);
        for (j, other) in keys.iter().enumerate().filter(|(j, _)| *j != i) {
            reports.push(witness(other, &b, -900 - 10 * j as i16, 1));
        }
        reports.push(beacon(k, T0 + 60_000 + i as u64, 2, 0.009 * i as f64));
        reports.push(b);
    }
    let whole = world.coverage(&reports).0;
    // Three oracles each missing a different third; the union of their sets is the input.
    let thirds: Vec<Vec<InputReport>> = (0..3).map(|k| reports.iter().enumerate().filter(|(i, _)| i % 3 != k).map(|(_, r)| r.clone()).collect()).collect();
    let union: Vec<InputReport> = thirds.iter().rev().flatten().cloned().collect();
    assert_eq!(world.coverage(&union).0, whole, "the deduplicated union judges the same");
    let mut shuffled = reports.clone();
    shuffled.reverse();
    shuffled.rotate_left(7);
    assert_eq!(world.coverage(&shuffled).0, whole);
}

#[test]
fn each_segment_check_refuses_its_cheat() {
    let mut world = World::default();
    let (car, other) = (key(1), key(2));
    world.mapper(&car);
    world.mapper(&other);
    let cases = [
        (segment(&car, T0, 2, &[(0, 0.0), (5_000, 0.09)], &frames(10, 1)), "position_jump"), // 10 km
        (segment(&car, T0, 3, &[(0, 0.0), (5_000, 0.009)], &frames(10, 5)), "impossible_speed"), // 200 m/s
        (segment(&car, T0, 4, &[(5_000, 0.0), (0, 0.0009)], &frames(10, 1)), "non_monotonic_time"),
        (segment(&car, T0, 5, &[], &[]), "empty_segment"),
        (segment_with(&car, T0, 6, &drive(0.0), &frames(10, 5), |s| s.entropy.blockhash = [1; 32]), "unknown_entropy"),
        // A fresh report carrying a two-day-old track; a track dated before its block.
        (segment_with(&car, T0, 7, &drive(0.0), &frames(10, 5), |s| s.entropy = entropy(T0 + 2 * 86_400_000)), "stale_track"),
        (segment_with(&car, T0, 8, &drive(0.0), &frames(10, 5), |s| s.entropy = entropy(T0 + 300_000)), "stale_track"),
        // Longer than a segment may be.
        (segment(&car, T0, 9, &(0..10).map(|i| (i * 100_000, i as f64 * 0.009)).collect::<Vec<_>>(), &frames(10, 5)), "stale_track"),
        // Frames ten minutes before the track.
        (segment_with(&car, T0, 10, &drive(0.0), &frames(10, 5), |s| s.frames[0].timestamp_ms -= 600_000), "frame_outside_segment"),
        // 900 m with two frames: one per 200 m is needed.
        (segment(&car, T0, 11, &drive(0.0), &frames(10, 2)), "sparse_frames"),
        (segment(&car, T0, 12, &drive(0.0), &[[10; 32], [10; 32], [11; 32], [12; 32], [13; 32]]), "duplicate_frame"),
    ];
    for (report, reason) in &cases {
        assert_eq!(world.mapping(std::slice::from_ref(report)).of_report(report), Some(*reason), "{reason}");
    }
    let honest = segment(&other, T0, 1, &drive(0.0), &frames(20, 5));
    assert_eq!(world.mapping(std::slice::from_ref(&honest)).of_report(&honest), None);
}

#[test]
fn a_dashcam_is_one_drivable_track() {
    let mut world = World::default();
    let car = key(1);
    world.mapper(&car);
    // 45 s of driving, then a segment starting 20 km away a minute later; then one starting
    // where the first ended, ten minutes on (drivable); then two at once, 10 km apart.
    let first = segment(&car, T0, 1, &drive(0.0), &frames(1, 5));
    let stitched = segment(&car, T0 + 105_000, 2, &drive(0.18), &frames(10, 5));
    let on = segment(&car, T0 + 600_000, 3, &drive(0.0081), &frames(20, 5));
    let here = segment(&car, T0 + 1_200_000, 4, &drive(0.0), &frames(30, 5));
    let there = segment(&car, T0 + 1_220_000, 5, &drive(0.09), &frames(40, 5));
    let all = [first.clone(), stitched.clone(), on.clone(), here.clone(), there.clone()];
    let verdicts = world.mapping(&all);
    assert_eq!(verdicts.of_report(&first), None);
    assert_eq!(verdicts.of_report(&stitched), Some("track_discontinuity"));
    assert_eq!(verdicts.of_report(&on), None, "the track continues from the last accepted segment");
    assert_eq!(verdicts.of_report(&here), Some("segment_overlap"), "which of two overlapping segments is real cannot be told");
    assert_eq!(verdicts.of_report(&there), Some("segment_overlap"));
    let mut reversed = all.to_vec();
    reversed.reverse();
    assert_eq!(world.mapping(&reversed).0, verdicts.0, "order changes nothing");

    // The dashcam's earlier segments (before the window) still hold its track together.
    let before_window = segment(&car, WINDOW.start_ms as u64 - 120_000, 6, &drive(0.0), &frames(50, 5));
    let jumped = segment(&car, WINDOW.start_ms as u64 + 10_000, 7, &drive(0.27), &frames(60, 5));
    let verdicts = world.mapping(&[before_window.clone(), jumped.clone()]);
    assert!(!verdicts.judged(&before_window));
    assert_eq!(verdicts.of_report(&jumped), Some("track_discontinuity"));
}

#[test]
fn a_frame_belongs_to_the_segment_with_the_oldest_entropy() {
    let mut world = World::default();
    let (car, copier) = (key(1), key(2));
    world.mapper(&car);
    world.mapper(&copier);
    let original = segment(&car, T0, 1, &drive(0.0), &frames(1, 5));
    let copied = segment(&copier, T0 + 60_000, 1, &drive(0.05), &[[1; 32], [7; 32], [8; 32], [9; 32], [6; 32]]);
    let verdicts = world.mapping(&[copied.clone(), original.clone()]);
    assert_eq!(verdicts.of_report(&original), None);
    assert_eq!(verdicts.of_report(&copied), Some("duplicate_frame"));
}
