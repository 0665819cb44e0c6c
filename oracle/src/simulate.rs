//! A simulated fleet on a realistic geography: hotspots scattered over a city with honest radio
//! physics, dashcams driving through it, and configurable cheaters — spoofed locations,
//! impossible RSSI, teleporting dashcams and replayed reports — so operators (and the tests)
//! can watch the pipeline catch them. Everything derives from a seed: the same seed gives the
//! same keys, places and reports.
use ed25519_dalek::SigningKey;
use fieldproof_reports::{
    BeaconReport, FrameHash, HeartbeatReport, MappingSegmentReport, ReportBody, ReportHeader, SignedReport, TrackPoint,
    WitnessReport,
};
use h3o::{LatLng, Resolution};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::devices::{DeviceDirectory, DeviceEntry, DeviceKind};
use crate::verify::physics::max_rssi_ddbm;

/// Downtown San Francisco.
const CENTER: (f64, f64) = (37.7749, -122.4194);
/// Roughly 111 km per degree of latitude.
const METERS_PER_DEGREE: f64 = 111_195.0;
const FREQUENCY_HZ: u64 = 904_300_000;
const TX_POWER_DDBM: i16 = 270;
/// Every simulated hotspot's antenna gain, in tenths of dBi.
pub const GAIN_DDBI: i16 = 30;
/// Each hotspot beacons once per round, a round this long.
pub const BEACON_EVERY_MS: u64 = 600_000;
/// Hotspots hear beacons up to this far.
const HEARING_RANGE_M: f64 = 6_000.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FleetSpec {
    pub seed: u64,
    pub hotspots: usize,
    pub mappers: usize,
    /// Hotspots whose asserted location is ~90 km from where they really are.
    pub spoofers: usize,
    /// Hotspots that claim to hear beacons far louder than physics allows.
    pub loud_witnesses: usize,
    /// Dashcams whose tracks jump kilometres between fixes.
    pub teleporters: usize,
    /// Hotspots that resend reports, verbatim and with a reused nonce.
    pub replayers: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Role {
    Honest,
    Spoofer,
    LoudWitness,
    Teleporter,
    Replayer,
}

pub struct SimDevice {
    pub key: SigningKey,
    pub kind: DeviceKind,
    pub role: Role,
    /// Where the device really is (for mappers: where its drive starts).
    pub actual: (f64, f64),
    /// What the registry says (differs from `actual` for spoofers).
    pub asserted_h3: Option<u64>,
}

/// One report the fleet sends, and whether an honest pipeline must accept it.
pub struct SimReport {
    pub report: SignedReport,
    pub device: usize,
    /// True for reports no pipeline may reward: made up by a cheater, or an honest witness of a
    /// spoofer's beacon (judged at the spoofer's false location). A spoofer's own beacons and
    /// heartbeats are undetectable on their own and count as honest.
    pub cheat: bool,
}

pub struct Fleet {
    pub spec: FleetSpec,
    pub devices: Vec<SimDevice>,
}

impl Fleet {
    pub fn new(spec: FleetSpec) -> Self {
        let mut rng = StdRng::seed_from_u64(spec.seed);
        let roles = std::iter::repeat_n(Role::Spoofer, spec.spoofers)
            .chain(std::iter::repeat_n(Role::LoudWitness, spec.loud_witnesses))
            .chain(std::iter::repeat_n(Role::Replayer, spec.replayers))
            .chain(std::iter::repeat(Role::Honest))
            .take(spec.hotspots.max(spec.spoofers + spec.loud_witnesses + spec.replayers));
        let mut devices: Vec<SimDevice> = Vec::new();
        let mut placed: Vec<(f64, f64)> = Vec::new();
        let mut spoofed = 0usize;
        for role in roles {
            // Keep hotspots at least 400 m apart, as installers do, so honest witnesses are
            // never "too close".
            let actual = loop {
                let spot = offset(CENTER, rng.gen_range(-5_000.0..5_000.0), rng.gen_range(-5_000.0..5_000.0));
                if placed.iter().all(|p| distance_m(*p, spot) >= 400.0) {
                    break spot;
                }
            };
            placed.push(actual);
            // Spoofers claim spots ~90 km away in evenly spread directions, so two of them never
            // shift together (which would keep their relative distance, and be undetectable).
            let asserted = if role == Role::Spoofer {
                let bearing = std::f64::consts::TAU * spoofed as f64 / spec.spoofers as f64;
                spoofed += 1;
                offset(actual, 90_000.0 * bearing.cos(), 90_000.0 * bearing.sin())
            } else {
                actual
            };
            devices.push(SimDevice { key: SigningKey::from_bytes(&rng.gen()), kind: DeviceKind::Hotspot, role, actual, asserted_h3: Some(h3(asserted)) });
        }
        let mapper_roles = std::iter::repeat_n(Role::Teleporter, spec.teleporters)
            .chain(std::iter::repeat(Role::Honest))
            .take(spec.mappers.max(spec.teleporters));
        for role in mapper_roles {
            let start = offset(CENTER, rng.gen_range(-4_000.0..4_000.0), rng.gen_range(-4_000.0..4_000.0));
            devices.push(SimDevice { key: SigningKey::from_bytes(&rng.gen()), kind: DeviceKind::Mapper, role, actual: start, asserted_h3: None });
        }
        Self { spec, devices }
    }

    /// Registers every device, with its asserted (not its actual) location.
    pub fn register(&self, directory: &DeviceDirectory) {
        for d in &self.devices {
            directory.upsert(d.key.verifying_key().to_bytes(), DeviceEntry { kind: d.kind, active: true, location_h3: d.asserted_h3, gain_ddbi: GAIN_DDBI, asset: None });
        }
    }

    /// The devices file `serve --devices` reads.
    pub fn devices_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.devices
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "key": hex::encode(d.key.verifying_key().to_bytes()),
                        "kind": match d.kind { DeviceKind::Hotspot => "hotspot", DeviceKind::Mapper => "mapper" },
                        "active": true,
                        "location_h3": d.asserted_h3,
                        "gain_ddbi": GAIN_DDBI,
                    })
                })
                .collect(),
        )
    }

    /// `rounds` beacon rounds starting at `start_ms`: every hotspot beacons once per round, every
    /// hotspot in range witnesses, every hotspot sends a heartbeat and every dashcam one segment.
    pub fn traffic(&self, start_ms: u64, rounds: u64) -> Vec<SimReport> {
        let mut out: Vec<SimReport> = self.rounds(start_ms).take(usize::try_from(rounds).unwrap_or(usize::MAX)).flatten().collect();
        // Replayers resend their first report verbatim and re-sign one with its nonce reused.
        for (r, replayer) in self.devices.iter().enumerate().filter(|(_, d)| d.role == Role::Replayer) {
            if let Some(original) = out.iter().find(|s| s.device == r).map(|s| s.report.clone()) {
                let mut reused = original.body.clone();
                match &mut reused {
                    ReportBody::Heartbeat(h) => h.uptime_s += 1,
                    ReportBody::Beacon(b) => b.tx_power_ddbm -= 10,
                    ReportBody::Witness(w) => w.snr_ddb += 1,
                    ReportBody::MappingSegment(m) => m.points.truncate(1),
                    ReportBody::DataTransfer(d) => d.upload_bytes += 1,
                }
                out.push(SimReport { report: original, device: r, cheat: true });
                out.push(SimReport { report: sign(reused, &replayer.key), device: r, cheat: true });
            }
        }
        out
    }

    /// The fleet's traffic one beacon round at a time, without end and without replays: for
    /// runs too long to hold in memory at once. The first rounds are those of `traffic`.
    pub fn rounds(&self, start_ms: u64) -> Rounds<'_> {
        let hotspots = (0..self.devices.len()).filter(|&i| self.devices[i].kind == DeviceKind::Hotspot).collect();
        Rounds { fleet: self, rng: StdRng::seed_from_u64(self.spec.seed ^ 0x5eed), hotspots, start_ms, round: 0 }
    }

    fn round(&self, hotspots: &[usize], round: u64, round_ms: u64, rng: &mut StdRng) -> Vec<SimReport> {
        let mut out = Vec::new();
        for (slot, &b) in hotspots.iter().enumerate() {
            let at = round_ms + slot as u64 * 50;
            let beaconer = &self.devices[b];
            let beacon = sign(
                ReportBody::Beacon(BeaconReport {
                    header: header(&beaconer.key, at, rng),
                    frequency_hz: FREQUENCY_HZ,
                    tx_power_ddbm: TX_POWER_DDBM,
                    antenna_gain_ddbi: GAIN_DDBI,
                    location_h3: beaconer.asserted_h3.unwrap_or_default(),
                }),
                &beaconer.key,
            );
            // The beacon goes out first, then what its witnesses heard.
            let beacon_id = beacon.report_id().0;
            out.push(SimReport { report: beacon, device: b, cheat: false });
            for &w in hotspots {
                let witness = &self.devices[w];
                let d = distance_m(beaconer.actual, witness.actual);
                if w == b || d > HEARING_RANGE_M {
                    continue;
                }
                // Physics decides what is heard: the real distance, minus 5-15 dB of fading.
                let ceiling = max_rssi_ddbm(TX_POWER_DDBM, GAIN_DDBI, GAIN_DDBI, d, FREQUENCY_HZ);
                let honest_rssi = ceiling - rng.gen_range(50..150);
                let loud = witness.role == Role::LoudWitness;
                let rssi = if loud { -300 } else { honest_rssi };
                let received = at + rng.gen_range(100..2_000);
                let report = sign(
                    ReportBody::Witness(WitnessReport {
                        header: header(&witness.key, received, rng),
                        beacon_id,
                        rssi_ddbm: rssi.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16,
                        snr_ddb: rng.gen_range(-100..100),
                        frequency_hz: FREQUENCY_HZ,
                        received_at_ms: received,
                    }),
                    &witness.key,
                );
                // Any witness involving a spoofer is judged at the spoofer's false location.
                let cheat = loud || witness.role == Role::Spoofer || beaconer.role == Role::Spoofer;
                out.push(SimReport { report, device: w, cheat });
            }
            let heartbeat = sign(
                ReportBody::Heartbeat(HeartbeatReport {
                    header: header(&beaconer.key, at + 1, rng),
                    location_h3: beaconer.asserted_h3.unwrap_or_default(),
                    uptime_s: round * 600,
                    firmware_version: 3,
                }),
                &beaconer.key,
            );
            out.push(SimReport { report: heartbeat, device: b, cheat: false });
        }
        for (m, mapper) in self.devices.iter().enumerate().filter(|(_, d)| d.kind == DeviceKind::Mapper) {
            let at = round_ms + 30_000 + m as u64 * 10;
            out.push(SimReport { report: self.drive(mapper, at, rng), device: m, cheat: mapper.role == Role::Teleporter });
        }
        out
    }

    /// One minute of driving north-east at ~15 m/s, a fix every 5 s and a frame with each fix.
    fn drive(&self, mapper: &SimDevice, at: u64, rng: &mut StdRng) -> SignedReport {
        let mut points = Vec::new();
        let mut frames = Vec::new();
        let mut here = offset(mapper.actual, rng.gen_range(-500.0..500.0), rng.gen_range(-500.0..500.0));
        for i in 0..12u64 {
            let jump = mapper.role == Role::Teleporter && i == 6;
            here = if jump { offset(here, 20_000.0, 0.0) } else { offset(here, 50.0, 50.0) };
            points.push(TrackPoint {
                timestamp_ms: at + i * 5_000,
                latitude_e7: (here.0 * 1e7) as i32,
                longitude_e7: (here.1 * 1e7) as i32,
                altitude_dm: 150,
                horizontal_accuracy_dm: 40,
            });
            frames.push(FrameHash { timestamp_ms: at + i * 5_000, content_hash: rng.gen() });
        }
        sign(ReportBody::MappingSegment(MappingSegmentReport { header: header(&mapper.key, at, rng), points, frames }), &mapper.key)
    }
}

/// The endless traffic of a fleet, one beacon round (ten minutes) per item; see `Fleet::rounds`.
pub struct Rounds<'a> {
    fleet: &'a Fleet,
    rng: StdRng,
    hotspots: Vec<usize>,
    start_ms: u64,
    round: u64,
}

impl Iterator for Rounds<'_> {
    type Item = Vec<SimReport>;

    fn next(&mut self) -> Option<Vec<SimReport>> {
        let round_ms = self.start_ms + self.round * BEACON_EVERY_MS;
        let reports = self.fleet.round(&self.hotspots, self.round, round_ms, &mut self.rng);
        self.round += 1;
        Some(reports)
    }
}

fn header(key: &SigningKey, at_ms: u64, rng: &mut StdRng) -> ReportHeader {
    ReportHeader { device_key: key.verifying_key().to_bytes(), timestamp_ms: at_ms, nonce: rng.gen() }
}

fn sign(body: ReportBody, key: &SigningKey) -> SignedReport {
    // The simulator builds only valid bodies with the device's own key, so signing cannot fail;
    // should the format's limits ever shrink below what it builds, fail loudly here.
    match body.sign(key) {
        Ok(report) => report,
        Err(e) => panic!("simulator built an unsignable report: {e}"),
    }
}

/// Moves `from` by `north_m` and `east_m` metres.
fn offset(from: (f64, f64), north_m: f64, east_m: f64) -> (f64, f64) {
    let lat = from.0 + north_m / METERS_PER_DEGREE;
    let lng = from.1 + east_m / (METERS_PER_DEGREE * from.0.to_radians().cos());
    (lat, lng)
}

fn latlng(p: (f64, f64)) -> LatLng {
    LatLng::new(p.0, p.1).unwrap_or_else(|_| panic!("simulated point {p:?} is not a coordinate"))
}

fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    latlng(a).distance_m(latlng(b))
}

fn h3(p: (f64, f64)) -> u64 {
    u64::from(latlng(p).to_cell(Resolution::Twelve))
}
