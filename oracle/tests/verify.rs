//! The verifier: for each physical check a fixture that passes and one that fails, verdicts with
//! their reasons, settling, restart and the per-device rejections query.
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use fieldproof_oracle::devices::{DeviceDirectory, DeviceEntry, DeviceKind};
use fieldproof_oracle::storage::{NewReport, ReportWriter, Store, WriterConfig};
use fieldproof_oracle::verify::{Denylist, VerificationConfig, Verifier};
use fieldproof_reports::{
    BeaconReport, FrameHash, HeartbeatReport, MappingSegmentReport, ReportBody, ReportHeader, SignedReport, TrackPoint,
    WitnessReport,
};
use h3o::{LatLng, Resolution};

const T0: u64 = 1_800_000_000_000;
const FREQ: u64 = 904_300_000;
/// San Francisco; 0.009° of latitude is about 1 km.
const LAT: f64 = 37.7749;
const LNG: f64 = -122.4194;

fn cell(lat_offset: f64) -> u64 {
    u64::from(LatLng::new(LAT + lat_offset, LNG).unwrap().to_cell(Resolution::Twelve))
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn header(device: &SigningKey, at_ms: u64, nonce: u8) -> ReportHeader {
    ReportHeader { device_key: device.verifying_key().to_bytes(), timestamp_ms: at_ms, nonce: [nonce; 16] }
}

fn beacon(device: &SigningKey, at_ms: u64, nonce: u8) -> SignedReport {
    ReportBody::Beacon(BeaconReport {
        header: header(device, at_ms, nonce),
        frequency_hz: FREQ,
        tx_power_ddbm: 270,
        antenna_gain_ddbi: 30,
        location_h3: cell(0.0),
    })
    .sign(device)
    .unwrap()
}

fn witness(device: &SigningKey, of: &SignedReport, rssi_ddbm: i16, lag_ms: u64, nonce: u8) -> SignedReport {
    let at = of.body.header().timestamp_ms + lag_ms;
    ReportBody::Witness(WitnessReport {
        header: header(device, at, nonce),
        beacon_id: of.report_id().0,
        rssi_ddbm,
        snr_ddb: 55,
        frequency_hz: FREQ,
        received_at_ms: at,
    })
    .sign(device)
    .unwrap()
}

/// A track heading north from San Francisco at `step_deg` latitude per `step_ms`.
fn segment(device: &SigningKey, at_ms: u64, nonce: u8, steps: &[(u64, f64)], frames: &[[u8; 32]]) -> SignedReport {
    let points = steps
        .iter()
        .map(|(ms, lat)| TrackPoint {
            timestamp_ms: at_ms + ms,
            latitude_e7: ((LAT + lat) * 1e7) as i32,
            longitude_e7: (LNG * 1e7) as i32,
            altitude_dm: 120,
            horizontal_accuracy_dm: 30,
        })
        .collect();
    let frames = frames.iter().enumerate().map(|(i, h)| FrameHash { timestamp_ms: at_ms + i as u64, content_hash: *h }).collect();
    ReportBody::MappingSegment(MappingSegmentReport { header: header(device, at_ms, nonce), points, frames }).sign(device).unwrap()
}

/// The same checks judged one report per batch and all in one batch.
async fn benches() -> [Bench; 2] {
    [Bench::with_batch_size(1).await, Bench::new().await]
}

struct Bench {
    /// Reports the verifier judges per batch: 1 reads every earlier verdict from the store, a
    /// large one finds them among the batch's own.
    batch_size: usize,
    store: Store,
    writer: ReportWriter,
    devices: Arc<DeviceDirectory>,
    _dir: tempfile::TempDir,
}

impl Bench {
    async fn new() -> Self {
        Self::with_batch_size(VerificationConfig::default().batch_size).await
    }

    async fn with_batch_size(batch_size: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("o.sqlite").display())).await.unwrap();
        let (writer, _task) = ReportWriter::start(store.clone(), WriterConfig::default()).await.unwrap();
        Bench { batch_size, store, writer, devices: Arc::new(DeviceDirectory::default()), _dir: dir }
    }

    fn hotspot(&self, device: &SigningKey, lat_offset: f64) {
        let entry = DeviceEntry { kind: DeviceKind::Hotspot, active: true, location_h3: Some(cell(lat_offset)), gain_ddbi: 30, asset: None };
        self.devices.upsert(device.verifying_key().to_bytes(), entry);
    }

    fn mapper(&self, device: &SigningKey) {
        let entry = DeviceEntry { kind: DeviceKind::Mapper, active: true, location_h3: None, gain_ddbi: 0, asset: None };
        self.devices.upsert(device.verifying_key().to_bytes(), entry);
    }

    /// Stores the report as ingest would have (the writer does not check signatures).
    async fn store(&self, report: &SignedReport) -> i64 {
        self.store_bytes(report, report.to_bytes()).await
    }

    async fn store_bytes(&self, report: &SignedReport, body: Vec<u8>) -> i64 {
        let h = report.body.header();
        let outcome = self
            .writer
            .insert(NewReport {
                id: report.report_id().0,
                device: h.device_key,
                kind: report.body.kind() as i16,
                nonce: h.nonce,
                signed_at_ms: h.timestamp_ms as i64,
                received_at_ms: h.timestamp_ms as i64 + 1_000,
                source: "test".into(),
                body,
            })
            .await
            .unwrap();
        match outcome {
            fieldproof_oracle::storage::InsertOutcome::Stored(seq) => seq,
            other => panic!("not stored: {other:?}"),
        }
    }

    fn verifier(&self, denylist: Denylist) -> Verifier {
        Verifier::new(self.store.clone(), self.devices.clone(), denylist, VerificationConfig { batch_size: self.batch_size, ..VerificationConfig::default() })
    }

    /// Verifies everything stored, as of long after it all arrived.
    async fn verify(&self) -> usize {
        self.verifier(Denylist::default()).verify_settled(T0 as i64 + 86_400_000).await.unwrap()
    }

    /// The verdict of report `seq`: None when valid, else its reason.
    async fn verdict(&self, seq: i64) -> Option<String> {
        use sqlx::Row;
        let row = sqlx::query("SELECT status, reason FROM verdicts WHERE seq = $1").bind(seq).fetch_one(self.store.pool()).await.unwrap();
        let status: i16 = row.try_get("status").unwrap();
        let reason: Option<String> = row.try_get("reason").unwrap();
        assert_eq!(status == 0, reason.is_none());
        reason
    }
}

#[tokio::test]
async fn an_honest_beacon_and_witness_are_valid() {
    let b = Bench::new().await;
    let (a, w) = (key(1), key(2));
    b.hotspot(&a, 0.0);
    b.hotspot(&w, 0.009);
    let beacon = beacon(&a, T0, 1);
    // 1 km, 27 dBm + 3 + 3 dBi: free space allows about -58.7 dBm; -90 dBm is ordinary.
    let heard = witness(&w, &beacon, -900, 800, 1);
    let (sb, sw) = (b.store(&beacon).await, b.store(&heard).await);
    assert_eq!(b.verify().await, 2);
    assert_eq!(b.verdict(sb).await, None);
    assert_eq!(b.verdict(sw).await, None);
}

#[tokio::test]
async fn each_coverage_check_rejects_its_cheat() {
    for b in benches().await {
        let beaconer = key(1);
        b.hotspot(&beaconer, 0.0);
        let cases: Vec<(u8, f64, i16, u64, &str)> = vec![
            // (seed, witness offset in degrees latitude, rssi, lag ms, expected reason)
            (10, 0.0009, -900, 800, "witness_too_close"),  // ~100 m
            (11, 1.8, -1300, 800, "witness_too_far"),      // ~200 km
            (12, 0.045, -300, 800, "rssi_above_free_space"), // -30 dBm at 5 km
            (13, 0.009, -900, 60_000, "witness_lag"),
        ];
        let beacon = beacon(&beaconer, T0, 1);
        b.store(&beacon).await;
        let mut expected = Vec::new();
        for (seed, offset, rssi, lag, reason) in cases {
            let w = key(seed);
            b.hotspot(&w, offset);
            expected.push((b.store(&witness(&w, &beacon, rssi, lag, 1)).await, reason));
        }
        // Self witness, and a witness whose location is not asserted.
        expected.push((b.store(&witness(&beaconer, &beacon, -900, 800, 2)).await, "self_witness"));
        let nowhere = key(14);
        b.devices.upsert(nowhere.verifying_key().to_bytes(), DeviceEntry { kind: DeviceKind::Hotspot, active: true, location_h3: None, gain_ddbi: 30, asset: None });
        expected.push((b.store(&witness(&nowhere, &beacon, -900, 800, 1)).await, "witness_location_unknown"));
        // Another frequency than the beacon's.
        let tuned = key(15);
        b.hotspot(&tuned, 0.009);
        let mut off_freq = witness(&tuned, &beacon, -900, 800, 1);
        if let ReportBody::Witness(w) = &mut off_freq.body {
            w.frequency_hz = FREQ + 200_000;
        }
        let off_freq = off_freq.body.sign(&tuned).unwrap();
        expected.push((b.store(&off_freq).await, "frequency_mismatch"));
        // A beacon id nobody sent.
        let mut phantom = witness(&tuned, &beacon, -900, 800, 2);
        if let ReportBody::Witness(w) = &mut phantom.body {
            w.beacon_id = [9; 32];
        }
        let phantom = phantom.body.sign(&tuned).unwrap();
        expected.push((b.store(&phantom).await, "unknown_beacon"));
        // The same witness twice for one beacon: the second is a duplicate.
        let honest = key(16);
        b.hotspot(&honest, 0.018);
        let first = b.store(&witness(&honest, &beacon, -950, 800, 1)).await;
        expected.push((b.store(&witness(&honest, &beacon, -950, 900, 2)).await, "duplicate_witness"));

        b.verify().await;
        assert_eq!(b.verdict(first).await, None, "the first witness of a device is valid");
        for (seq, reason) in expected {
            assert_eq!(b.verdict(seq).await.as_deref(), Some(reason), "report {seq}");
        }
    }
}

#[tokio::test]
async fn beacons_closer_than_the_interval_are_refused() {
    for b in benches().await {
        let a = key(1);
        b.hotspot(&a, 0.0);
        let first = b.store(&beacon(&a, T0, 1)).await;
        let early = b.store(&beacon(&a, T0 + 60_000, 2)).await;
        let later = b.store(&beacon(&a, T0 + 301_000, 3)).await;
        b.verify().await;
        assert_eq!(b.verdict(first).await, None);
        assert_eq!(b.verdict(early).await.as_deref(), Some("beacon_too_frequent"));
        assert_eq!(b.verdict(later).await, None);
    }
}

#[tokio::test]
async fn each_mapping_check_rejects_its_cheat() {
    for b in benches().await {
        let (car, other) = (key(1), key(2));
        b.mapper(&car);
        b.mapper(&other);
        // 0.0009° ≈ 100 m every 5 s = 20 m/s.
        let honest_steps: Vec<(u64, f64)> = (0..10).map(|i| (i * 5_000, i as f64 * 0.0009)).collect();
        let honest = b.store(&segment(&car, T0, 1, &honest_steps, &[[1; 32], [2; 32]])).await;
        let teleport = b.store(&segment(&car, T0 + 100_000, 2, &[(0, 0.0), (5_000, 0.09)], &[[3; 32]])).await; // 10 km
        let speeding = b.store(&segment(&car, T0 + 200_000, 3, &[(0, 0.0), (5_000, 0.009)], &[[4; 32]])).await; // 200 m/s
        let backwards = b.store(&segment(&car, T0 + 300_000, 4, &[(5_000, 0.0), (0, 0.0009)], &[[5; 32]])).await;
        let copied = b.store(&segment(&other, T0 + 400_000, 1, &honest_steps, &[[2; 32], [6; 32]])).await;
        let repeated = b.store(&segment(&other, T0 + 500_000, 2, &honest_steps, &[[7; 32], [7; 32]])).await;
        let empty = b.store(&segment(&other, T0 + 600_000, 3, &[], &[])).await;
        let fresh = b.store(&segment(&other, T0 + 700_000, 4, &honest_steps, &[[6; 32]])).await;
        b.verify().await;
        assert_eq!(b.verdict(honest).await, None);
        assert_eq!(b.verdict(teleport).await.as_deref(), Some("position_jump"));
        assert_eq!(b.verdict(speeding).await.as_deref(), Some("impossible_speed"));
        assert_eq!(b.verdict(backwards).await.as_deref(), Some("non_monotonic_time"));
        assert_eq!(b.verdict(copied).await.as_deref(), Some("duplicate_frame"), "frame [2] belongs to the honest car");
        assert_eq!(b.verdict(repeated).await.as_deref(), Some("duplicate_frame"));
        assert_eq!(b.verdict(empty).await.as_deref(), Some("empty_segment"));
        assert_eq!(b.verdict(fresh).await, None, "an invalid segment claims no frames: [6] is still new");
    }
}

#[tokio::test]
async fn device_level_checks_and_stored_signatures() {
    let b = Bench::new().await;
    let (hotspot, mapper, retired, banned, stranger) = (key(1), key(2), key(3), key(4), key(5));
    b.hotspot(&hotspot, 0.0);
    b.mapper(&mapper);
    b.devices.upsert(retired.verifying_key().to_bytes(), DeviceEntry { kind: DeviceKind::Hotspot, active: false, location_h3: Some(cell(0.0)), gain_ddbi: 0, asset: None });
    b.hotspot(&banned, 0.0);

    let wrong_kind = b.store(&beacon(&mapper, T0, 1)).await;
    let inactive = b.store(&beacon(&retired, T0, 1)).await;
    let unknown = b.store(&beacon(&stranger, T0, 1)).await;
    let denied = b.store(&beacon(&banned, T0, 1)).await;
    let heartbeat = ReportBody::Heartbeat(HeartbeatReport { header: header(&hotspot, T0, 9), location_h3: cell(0.0), uptime_s: 5, firmware_version: 1 })
        .sign(&hotspot)
        .unwrap();
    let alive = b.store(&heartbeat).await;
    // A report whose stored bytes carry a broken signature is caught again here.
    let good = beacon(&hotspot, T0 + 1_000_000, 2);
    let mut tampered = good.clone();
    tampered.signature[0] ^= 1;
    let forged = b.store_bytes(&good, tampered.to_bytes()).await;

    let denylist = {
        use ed25519_dalek::Signer;
        let authority = key(99);
        let keys = [banned.verifying_key().to_bytes()];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deny.json");
        let sig = authority.sign(&Denylist::signing_bytes(&keys));
        std::fs::write(&path, serde_json::json!({"keys": [hex::encode(keys[0])], "signature": hex::encode(sig.to_bytes())}).to_string()).unwrap();
        Denylist::load(&path, &authority.verifying_key()).unwrap()
    };
    b.verifier(denylist).verify_settled(T0 as i64 + 86_400_000).await.unwrap();
    assert_eq!(b.verdict(wrong_kind).await.as_deref(), Some("wrong_device_kind"));
    assert_eq!(b.verdict(inactive).await.as_deref(), Some("inactive_device"));
    assert_eq!(b.verdict(unknown).await.as_deref(), Some("unknown_device"));
    assert_eq!(b.verdict(denied).await.as_deref(), Some("denylisted"));
    assert_eq!(b.verdict(alive).await, None);
    assert_eq!(b.verdict(forged).await.as_deref(), Some("bad_signature"));

    let rejected = Verifier::rejections(&b.store, &mapper.verifying_key().to_bytes(), 10).await.unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].reason, "wrong_device_kind");
    assert_eq!(rejected[0].explanation, fieldproof_oracle::verify::Reason::WrongDeviceKind.explanation(), "the owner reads why in words");
    assert!(Verifier::last_valid_report_ms(&b.store, &mapper.verifying_key().to_bytes()).await.unwrap().is_none(), "its only report was refused");
    assert!(Verifier::rejections(&b.store, &hotspot.verifying_key().to_bytes(), 10).await.unwrap().iter().all(|r| r.reason == "bad_signature"));
}

#[tokio::test]
async fn only_settled_reports_are_judged_and_a_restart_resumes_after_the_last_verdict() {
    let b = Bench::new().await;
    let a = key(1);
    b.hotspot(&a, 0.0);
    for i in 0..5u8 {
        b.store(&beacon(&a, T0 + u64::from(i) * 400_000, i)).await;
    }
    // Received at T0 + 1 s + i·400 s; with 60 s of settling, at T0 + 500 s only the first two are old enough.
    let settled = b.verifier(Denylist::default()).verify_settled(T0 as i64 + 462_000).await.unwrap();
    assert_eq!(settled, 2);
    // A new verifier (a restart) continues with the rest and judges nothing twice.
    let rest = b.verify().await;
    assert_eq!(rest, 3);
    assert_eq!(b.verify().await, 0);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM verdicts").fetch_one(b.store.pool()).await.unwrap();
    assert_eq!(n, 5);
}
