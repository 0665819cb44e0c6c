//! A simulated fleet on a realistic geography: hotspots scattered over a city with honest radio
//! physics, dashcams driving through it, and a cheater of every class the verifier knows —
//! spoofed and lied locations, impossible power and RSSI, fabricated and ground beacons,
//! self-dealt sessions, teleporting, stitched, overlapping, backdated and stale tracks, replays —
//! so operators (and the tests) can watch the pipeline catch them. Everything derives from a
//! seed and the entropy handed in: the same seed gives the same keys, places and reports.
use ed25519_dalek::SigningKey;
use fieldproof_reports::{
    BeaconReport, DataTransferReport, Entropy, FrameHash, HeartbeatReport, MappingSegmentReport, ReportBody, ReportHeader, SignedReport, TrackPoint,
    WitnessReport,
};
use h3o::{LatLng, Resolution};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::devices::{DeviceDirectory, DeviceEntry, DeviceKind, Directory};
use std::collections::{BTreeMap, HashMap};
use crate::verify::physics::max_rssi_ddbm;

/// Downtown San Francisco.
const CENTER: (f64, f64) = (37.7749, -122.4194);
/// Roughly 111 km per degree of latitude.
const METERS_PER_DEGREE: f64 = 111_195.0;
/// A channel of the US915 plan.
const FREQUENCY_HZ: u64 = 904_300_000;
const TX_POWER_DDBM: i16 = 270;
/// Every simulated hotspot's antenna gain, in tenths of dBi.
pub const GAIN_DDBI: i16 = 30;
/// Every simulated hotspot's antenna height, in metres.
pub const ELEVATION_M: i32 = 10;
/// Each hotspot beacons once per round, a round this long.
pub const BEACON_EVERY_MS: u64 = 600_000;
/// Hotspots hear beacons up to this far.
const HEARING_RANGE_M: f64 = 6_000.0;
/// A dashcam's segment starts this long into a round, takes a fix every `FIX_EVERY_MS`.
const DRIVE_AFTER_MS: u64 = 5_000;
const FIX_EVERY_MS: u64 = 2_000;
const FIXES: u64 = 12;

/// How many devices of each cheating class the fleet has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Cheaters {
    /// Hotspots whose asserted location is ~120 km from where they really are (and who say so).
    pub spoofers: usize,
    /// Hotspots that claim to hear beacons far louder than physics allows.
    pub loud_witnesses: usize,
    /// Hotspots that resend reports, verbatim and with a reused nonce.
    pub replayers: usize,
    /// Hotspots asserted 149 km away that beacon "from" the city and claim to hear it.
    pub location_liars: usize,
    /// Hotspots that beacon at 3000 dBm and hear at -30 dBm.
    pub power_liars: usize,
    /// Hotspots whose beacons were made offline, with a block hash the chain never had.
    pub fabricators: usize,
    /// Co-located hotspots that grind their beacons' nonces to pick each other as witnesses.
    pub grinders: usize,
    /// Hotspots that charge data-transfer sessions to a payer's escrow without its router.
    pub self_dealers: usize,
    /// Dashcams whose tracks jump kilometres between fixes.
    pub teleporters: usize,
    /// Dashcams that add a segment 20 km from where the last one ended, a minute later.
    pub stitchers: usize,
    /// Dashcams that send two segments at the same time, 10 km apart.
    pub overlappers: usize,
    /// Dashcams whose tracks are dated before the entropy they carry.
    pub backdaters: usize,
    /// Dashcams that send a two-day-old track in a fresh report.
    pub stale_trackers: usize,
}

impl Cheaters {
    /// `n` of every class (grinders in pairs: a grinder needs a friend).
    pub fn each(n: usize) -> Self {
        Self {
            spoofers: n,
            loud_witnesses: n,
            replayers: n,
            location_liars: n,
            power_liars: n,
            fabricators: n,
            grinders: 2 * n,
            self_dealers: n,
            teleporters: n,
            stitchers: n,
            overlappers: n,
            backdaters: n,
            stale_trackers: n,
        }
    }

    fn hotspots(&self) -> Vec<(Role, usize)> {
        vec![
            (Role::Spoofer, self.spoofers),
            (Role::LoudWitness, self.loud_witnesses),
            (Role::Replayer, self.replayers),
            (Role::LocationLiar, self.location_liars),
            (Role::PowerLiar, self.power_liars),
            (Role::Fabricator, self.fabricators),
            (Role::Grinder, self.grinders),
            (Role::SelfDealer, self.self_dealers),
        ]
    }

    fn mappers(&self) -> Vec<(Role, usize)> {
        vec![
            (Role::Teleporter, self.teleporters),
            (Role::Stitcher, self.stitchers),
            (Role::Overlapper, self.overlappers),
            (Role::Backdater, self.backdaters),
            (Role::StaleTracker, self.stale_trackers),
        ]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FleetSpec {
    pub seed: u64,
    /// Hotspots in all, cheaters included.
    pub hotspots: usize,
    /// Dashcams in all, cheaters included.
    pub mappers: usize,
    pub cheaters: Cheaters,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Role {
    Honest,
    Spoofer,
    LoudWitness,
    Replayer,
    LocationLiar,
    PowerLiar,
    Fabricator,
    Grinder,
    SelfDealer,
    Teleporter,
    Stitcher,
    Overlapper,
    Backdater,
    StaleTracker,
}

impl Role {
    /// Everything a device of this role could earn from is made up: it must earn nothing. (A
    /// loud witness's own beacons are real and heard, a stitcher's first segment of a round is a
    /// real drive, a self-dealer's coverage is honest and a replayer's originals are: they earn
    /// for those, and nothing for their cheats.)
    pub fn earns_nothing(self) -> bool {
        !matches!(self, Role::Honest | Role::Replayer | Role::Stitcher | Role::SelfDealer | Role::LoudWitness)
    }
}

/// What the devices of one role earned: how many there are, how many earned, and how much.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoleEarnings {
    pub devices: usize,
    pub earning: usize,
    pub amount: u64,
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
    /// cheater's beacon (judged at the cheater's asserted location, or refused with it).
    pub cheat: bool,
}

pub struct Fleet {
    pub spec: FleetSpec,
    pub devices: Vec<SimDevice>,
}

impl Fleet {
    pub fn new(spec: FleetSpec) -> Self {
        let mut rng = StdRng::seed_from_u64(spec.seed);
        let cheating: Vec<Role> = spec.cheaters.hotspots().into_iter().flat_map(|(role, n)| std::iter::repeat_n(role, n)).collect();
        let roles = cheating.iter().copied().chain(std::iter::repeat(Role::Honest)).take(spec.hotspots.max(cheating.len()));
        let mut devices: Vec<SimDevice> = Vec::new();
        let mut placed: Vec<(f64, f64)> = Vec::new();
        let spoofers = spec.cheaters.spoofers.max(1);
        let mut spoofed = 0usize;
        let mut grinders_at = None;
        for role in roles {
            let actual = match role {
                Role::LocationLiar => offset(CENTER, 0.0, 149_000.0 + 500.0 * devices.len() as f64),
                // Grinders stand on one roof, 50 m apart.
                Role::Grinder => {
                    let base = *grinders_at.get_or_insert_with(|| free_spot(&mut rng, &placed));
                    offset(base, 50.0 * devices.iter().filter(|d| d.role == Role::Grinder).count() as f64, 0.0)
                }
                // Others at least 400 m apart, as installers do, so honest witnesses are never
                // "too close".
                _ => free_spot(&mut rng, &placed),
            };
            placed.push(actual);
            // Spoofers claim spots ~120 km away in evenly spread directions, so two of them never
            // shift together (which would keep their relative distance, and be undetectable).
            let asserted = if role == Role::Spoofer {
                let bearing = std::f64::consts::TAU * spoofed as f64 / spoofers as f64;
                spoofed += 1;
                offset(actual, 120_000.0 * bearing.cos(), 120_000.0 * bearing.sin())
            } else {
                actual
            };
            devices.push(SimDevice { key: SigningKey::from_bytes(&rng.gen()), kind: DeviceKind::Hotspot, role, actual, asserted_h3: Some(h3(asserted)) });
        }
        let cheating: Vec<Role> = spec.cheaters.mappers().into_iter().flat_map(|(role, n)| std::iter::repeat_n(role, n)).collect();
        let roles = cheating.iter().copied().chain(std::iter::repeat(Role::Honest)).take(spec.mappers.max(cheating.len()));
        for role in roles {
            let start = offset(CENTER, rng.gen_range(-4_000.0..4_000.0), rng.gen_range(-4_000.0..4_000.0));
            devices.push(SimDevice { key: SigningKey::from_bytes(&rng.gen()), kind: DeviceKind::Mapper, role, actual: start, asserted_h3: None });
        }
        Self { spec, devices }
    }

    fn entry(&self, d: &SimDevice) -> DeviceEntry {
        DeviceEntry { kind: d.kind, active: true, location_h3: d.asserted_h3, elevation_m: ELEVATION_M, gain_ddbi: GAIN_DDBI, asset: None }
    }

    /// What each role's devices (of `kind`, or all) earned in a reward file's `leaves` (asset →
    /// cumulative amount), each device found by its key in `directory` (one without a cNFT there
    /// earns nothing). How an operator checks a running fleet's cheaters, and how the tests do.
    pub fn earnings<'a>(&self, kind: Option<DeviceKind>, directory: &Directory, leaves: impl IntoIterator<Item = (&'a [u8; 32], u64)>) -> BTreeMap<Role, RoleEarnings> {
        let paid: HashMap<&[u8; 32], u64> = leaves.into_iter().collect();
        let mut by_role: BTreeMap<Role, RoleEarnings> = BTreeMap::new();
        for d in self.devices.iter().filter(|d| kind.is_none_or(|k| d.kind == k)) {
            let asset = directory.get(&d.key.verifying_key().to_bytes()).and_then(|entry| entry.asset);
            let amount = asset.and_then(|a| paid.get(&a).copied()).unwrap_or(0);
            let role = by_role.entry(d.role).or_default();
            role.devices += 1;
            role.earning += usize::from(amount > 0);
            role.amount = role.amount.saturating_add(amount);
        }
        by_role
    }

    /// Registers every device, with its asserted (not its actual) location.
    pub fn register(&self, directory: &DeviceDirectory) {
        for d in &self.devices {
            directory.upsert(d.key.verifying_key().to_bytes(), self.entry(d));
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
                        "elevation_m": ELEVATION_M,
                        "gain_ddbi": GAIN_DDBI,
                    })
                })
                .collect(),
        )
    }

    /// `rounds` beacon rounds starting at `start_ms`, each made with the entropy
    /// `entropy_at(round start)` gives (the newest block a device could have fetched then):
    /// every hotspot beacons once per round, every hotspot in range witnesses, every hotspot
    /// sends a heartbeat and every dashcam a segment. Replayers replay their first report.
    pub fn traffic(&self, start_ms: u64, rounds: u64, entropy_at: impl Fn(u64) -> Entropy) -> Vec<SimReport> {
        let mut out: Vec<SimReport> = (0..rounds)
            .flat_map(|r| {
                let round_ms = start_ms + r * BEACON_EVERY_MS;
                self.round(r, round_ms, entropy_at(round_ms))
            })
            .collect();
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
    pub fn rounds<'a>(&'a self, start_ms: u64, entropy_at: impl Fn(u64) -> Entropy + 'a) -> impl Iterator<Item = Vec<SimReport>> + 'a {
        (0u64..).map(move |r| {
            let round_ms = start_ms + r * BEACON_EVERY_MS;
            self.round(r, round_ms, entropy_at(round_ms))
        })
    }

    /// Round `round` of the fleet's traffic, starting at `round_ms`, made with `entropy`: the
    /// same round, seed and entropy always give the same reports.
    pub fn round(&self, round: u64, round_ms: u64, entropy: Entropy) -> Vec<SimReport> {
        let mut rng = StdRng::seed_from_u64(self.spec.seed ^ 0x5eed ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let hotspots: Vec<usize> = (0..self.devices.len()).filter(|&i| self.devices[i].kind == DeviceKind::Hotspot).collect();
        let mut out = Vec::new();
        for (slot, &b) in hotspots.iter().enumerate() {
            let at = round_ms + slot as u64 * 50;
            let beaconer = &self.devices[b];
            let (beacon, refused_beacon) = self.beacon(beaconer, &hotspots, at, entropy, &mut rng);
            // The beacon goes out first, then what its witnesses heard.
            let payload = beacon.report_id().0;
            out.push(SimReport { report: beacon, device: b, cheat: refused_beacon });
            for &w in &hotspots {
                if let Some(report) = self.witness(b, w, payload, at, &mut rng) {
                    let witness = &self.devices[w];
                    // A witness of a refused or spoofed beacon earns nothing, however honest the
                    // witness: it is judged with the beacon, at the spoofer's asserted place.
                    let cheat = refused_beacon || beaconer.role == Role::Spoofer || !matches!(witness.role, Role::Honest | Role::Replayer | Role::SelfDealer);
                    out.push(SimReport { report, device: w, cheat });
                }
            }
            let declared = match beaconer.role {
                Role::LocationLiar => h3(offset(CENTER, 1_000.0, 0.0)),
                _ => beaconer.asserted_h3.unwrap_or_default(),
            };
            let heartbeat = sign(
                ReportBody::Heartbeat(HeartbeatReport { header: header(&beaconer.key, at + 1, &mut rng), location_h3: declared, uptime_s: round * 600, firmware_version: 3 }),
                &beaconer.key,
            );
            out.push(SimReport { report: heartbeat, device: b, cheat: beaconer.role == Role::LocationLiar });
            if beaconer.role == Role::SelfDealer {
                out.push(SimReport { report: self_dealt_session(beaconer, at + 2, &mut rng), device: b, cheat: true });
            }
        }
        for (m, mapper) in self.devices.iter().enumerate().filter(|(_, d)| d.kind == DeviceKind::Mapper) {
            let at = round_ms + DRIVE_AFTER_MS + m as u64 * 10;
            out.extend(self.segments(m, mapper, at, entropy, &mut rng));
        }
        out
    }

    /// A hotspot's beacon of this round, and whether the verifier must refuse it. (A spoofer's
    /// or a grinder's beacon is refused by nothing on its own: they earn nothing because no
    /// witness of theirs stands.)
    fn beacon(&self, beaconer: &SimDevice, hotspots: &[usize], at: u64, entropy: Entropy, rng: &mut StdRng) -> (SignedReport, bool) {
        let mut beacon = BeaconReport {
            header: header(&beaconer.key, at, rng),
            entropy,
            frequency_hz: FREQUENCY_HZ,
            tx_power_ddbm: TX_POWER_DDBM,
            location_h3: beaconer.asserted_h3.unwrap_or_default(),
        };
        match beaconer.role {
            Role::LocationLiar => beacon.location_h3 = h3(offset(CENTER, 1_000.0, 0.0)),
            Role::PowerLiar => beacon.tx_power_ddbm = 30_000,
            Role::Fabricator => beacon.entropy.blockhash = rng.gen(),
            // Under a ranking by sha256(beacon id ‖ witness) alone, 64 nonces are enough to put
            // a friend first: the grinder keeps the nonce that does.
            Role::Grinder => {
                if let Some(friend) = hotspots.iter().map(|&i| &self.devices[i]).find(|d| d.role == Role::Grinder && d.key != beaconer.key) {
                    let friend = friend.key.verifying_key().to_bytes();
                    let rank = |b: &BeaconReport| solana_sha256_hasher::hashv(&[&ReportBody::Beacon(b.clone()).report_id().0, &friend]).to_bytes();
                    // Only the first byte is ground: the rest stays fresh, so two rounds'
                    // beacons never share a nonce.
                    let ground = |n: u8| {
                        let mut nonce = beacon.header.nonce;
                        nonce[0] = n;
                        BeaconReport { header: ReportHeader { nonce, ..beacon.header }, ..beacon.clone() }
                    };
                    let best = (0..64u8).map(ground).min_by_key(rank);
                    beacon = best.unwrap_or(beacon);
                }
            }
            _ => {}
        }
        let refused = matches!(beaconer.role, Role::LocationLiar | Role::PowerLiar | Role::Fabricator);
        (sign(ReportBody::Beacon(beacon), &beaconer.key), refused)
    }

    /// What hotspot `w` reports of hotspot `b`'s beacon, if it heard it.
    fn witness(&self, b: usize, w: usize, payload: [u8; 32], at: u64, rng: &mut StdRng) -> Option<SignedReport> {
        let (beaconer, witness) = (&self.devices[b], &self.devices[w]);
        // Grinders hear only each other; location liars claim to hear the city from afar;
        // fabricators only beacon.
        let hears = match (beaconer.role, witness.role) {
            (_, Role::Fabricator) => false,
            (Role::Grinder, Role::Grinder) => true,
            (Role::Grinder, _) | (_, Role::Grinder) => false,
            (_, Role::LocationLiar) => beaconer.role == Role::Honest,
            (Role::LocationLiar, _) => false,
            _ => distance_m(beaconer.actual, witness.actual) <= HEARING_RANGE_M,
        };
        if w == b || !hears {
            return None;
        }
        // Physics decides what is heard: the real distance, minus 5-15 dB of fading. A location
        // liar claims what it would hear 1 km away.
        let d = if witness.role == Role::LocationLiar { 1_000.0 } else { distance_m(beaconer.actual, witness.actual) };
        let ceiling = max_rssi_ddbm(i32::from(TX_POWER_DDBM) + i32::from(GAIN_DDBI), i32::from(GAIN_DDBI), d, FREQUENCY_HZ);
        let honest_rssi = ceiling - rng.gen_range(50..150);
        let rssi = if matches!(witness.role, Role::LoudWitness | Role::PowerLiar) { -300 } else { honest_rssi };
        let received = at + rng.gen_range(100..2_000);
        Some(sign(
            ReportBody::Witness(WitnessReport {
                header: header(&witness.key, received, rng),
                beaconer: beaconer.key.verifying_key().to_bytes(),
                beacon_payload: payload,
                rssi_ddbm: rssi.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16,
                snr_ddb: rng.gen_range(-100..100),
                frequency_hz: FREQUENCY_HZ,
                received_at_ms: received,
            }),
            &witness.key,
        ))
    }

    /// A dashcam's segments of this round.
    fn segments(&self, m: usize, mapper: &SimDevice, at: u64, entropy: Entropy, rng: &mut StdRng) -> Vec<SimReport> {
        let start = offset(mapper.actual, rng.gen_range(-500.0..500.0), rng.gen_range(-500.0..500.0));
        let drive_ms = FIX_EVERY_MS * (FIXES - 1);
        let mut out = Vec::new();
        let segment = |from: (f64, f64), at: u64, shift_ms: i64, jump_at: Option<u64>, rng: &mut StdRng| drive(mapper, from, at, shift_ms, jump_at, entropy, rng);
        match mapper.role {
            Role::Honest => out.push(SimReport { report: segment(start, at, 0, None, rng), device: m, cheat: false }),
            Role::Teleporter => out.push(SimReport { report: segment(start, at, 0, Some(6), rng), device: m, cheat: true }),
            // The track is dated five minutes before the block it names.
            Role::Backdater => out.push(SimReport { report: segment(start, at, -300_000, None, rng), device: m, cheat: true }),
            // Two days old, in a fresh report.
            Role::StaleTracker => out.push(SimReport { report: segment(start, at, -2 * 86_400_000, None, rng), device: m, cheat: true }),
            Role::Stitcher => {
                out.push(SimReport { report: segment(start, at, 0, None, rng), device: m, cheat: false });
                let far = offset(start, 20_000.0, 0.0);
                out.push(SimReport { report: segment(far, at + drive_ms + 60_000, 0, None, rng), device: m, cheat: true });
            }
            Role::Overlapper => {
                out.push(SimReport { report: segment(start, at, 0, None, rng), device: m, cheat: true });
                let far = offset(start, 10_000.0, 0.0);
                out.push(SimReport { report: segment(far, at + drive_ms / 2, 0, None, rng), device: m, cheat: true });
            }
            _ => {}
        }
        out
    }
}

/// One drive from `from` starting at `at`, a fix every two seconds heading north-east at about
/// 21 m/s and a frame with each fix; its points shifted by `shift_ms` from the time they are
/// reported at; with a 20 km jump at fix `jump_at`.
fn drive(mapper: &SimDevice, from: (f64, f64), at: u64, shift_ms: i64, jump_at: Option<u64>, entropy: Entropy, rng: &mut StdRng) -> SignedReport {
    let mut points = Vec::new();
    let mut frames = Vec::new();
    let mut here = from;
    for i in 0..FIXES {
        here = if jump_at == Some(i) { offset(here, 20_000.0, 0.0) } else { offset(here, 30.0, 30.0) };
        let fix_ms = at.saturating_add_signed(shift_ms) + i * FIX_EVERY_MS;
        points.push(TrackPoint { timestamp_ms: fix_ms, latitude_e7: (here.0 * 1e7) as i32, longitude_e7: (here.1 * 1e7) as i32, altitude_dm: 150, horizontal_accuracy_dm: 40 });
        frames.push(FrameHash { timestamp_ms: fix_ms, content_hash: rng.gen() });
    }
    // Reported when the segment ends.
    let ended = at + FIX_EVERY_MS * (FIXES - 1) + 1_000;
    sign(ReportBody::MappingSegment(MappingSegmentReport { header: header(&mapper.key, ended, rng), entropy, points, frames }), &mapper.key)
}

/// A session charged to somebody's escrow, "countersigned" by the hotspot itself.
fn self_dealt_session(hotspot: &SimDevice, at: u64, rng: &mut StdRng) -> SignedReport {
    let mut session = DataTransferReport {
        header: header(&hotspot.key, at, rng),
        payer_escrow: rng.gen(),
        router: rng.gen(),
        upload_bytes: 1 << 20,
        download_bytes: 1 << 22,
        dc_amount: 10_000,
        started_at_ms: at.saturating_sub(60_000),
        ended_at_ms: at,
        router_signature: [0; 64],
    };
    use ed25519_dalek::Signer as _;
    session.router_signature = hotspot.key.sign(&session.session_bytes()).to_bytes();
    sign(session.into(), &hotspot.key)
}

fn free_spot(rng: &mut StdRng, placed: &[(f64, f64)]) -> (f64, f64) {
    loop {
        let spot = offset(CENTER, rng.gen_range(-5_000.0..5_000.0), rng.gen_range(-5_000.0..5_000.0));
        if placed.iter().all(|p| distance_m(*p, spot) >= 400.0) {
            return spot;
        }
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
