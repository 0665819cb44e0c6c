//! The ingest API over real HTTP: every rejection code with proof that nothing was stored, the
//! happy path with proof that what was acknowledged is stored byte for byte, limits, and a
//! graceful shutdown under load that loses no acknowledged report.
use std::sync::{Arc, OnceLock};

use ed25519_dalek::SigningKey;
use fieldproof_oracle::config::{IngestConfig, OracleConfig};
use fieldproof_oracle::devices::{DeviceDirectory, DeviceEntry, DeviceKind};
use fieldproof_oracle::serve::{self, RunningOracle};
use fieldproof_oracle::storage::Store;
use fieldproof_reports::{HeartbeatReport, ReportBody, ReportHeader, SignedReport};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde_json::Value;

fn metrics() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).expect("one recorder per test process");
            handle
        })
        .clone()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

fn heartbeat(key: &SigningKey, nonce: u8, uptime_s: u64) -> SignedReport {
    heartbeat_at(key, nonce, uptime_s, now_ms())
}

fn heartbeat_at(key: &SigningKey, nonce: u8, uptime_s: u64, timestamp_ms: u64) -> SignedReport {
    ReportBody::Heartbeat(HeartbeatReport {
        header: ReportHeader { device_key: key.verifying_key().to_bytes(), timestamp_ms, nonce: [nonce; 16] },
        location_h3: 0x8828308281fffff,
        uptime_s,
        firmware_version: 7,
    })
    .sign(key)
    .unwrap()
}

struct Oracle {
    running: RunningOracle,
    url: String,
    http: reqwest::Client,
    db_url: String,
    _dir: tempfile::TempDir,
}

impl Oracle {
    async fn start(ingest: IngestConfig, devices: &[(&SigningKey, bool)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db_url = format!("sqlite://{}", dir.path().join("oracle.sqlite").display());
        let config = OracleConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: db_url.clone(),
            log: fieldproof_oracle::log::LogConfig::in_dir(dir.path()),
            ingest,
            ..OracleConfig::default()
        };
        let directory = Arc::new(DeviceDirectory::default());
        for (key, active) in devices {
            directory.upsert(key.verifying_key().to_bytes(), DeviceEntry { kind: DeviceKind::Hotspot, active: *active, location_h3: None, elevation_m: 0, gain_ddbi: 0, asset: None });
        }
        let running = serve::start(&config, directory, Some(metrics())).await.unwrap();
        let url = format!("http://{}", running.addr);
        Oracle { running, url, http: reqwest::Client::new(), db_url, _dir: dir }
    }

    async fn post(&self, body: Vec<u8>) -> (u16, Value) {
        let res = self.http.post(format!("{}/v1/reports", self.url)).body(body).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap())
    }

    async fn stored(&self) -> i64 {
        self.running.store.count_reports().await.unwrap()
    }
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

async fn assert_rejected(oracle: &Oracle, body: Vec<u8>, status: u16, code: &str) {
    let before = oracle.stored().await;
    let (got_status, json) = oracle.post(body).await;
    assert_eq!((got_status, json["code"].as_str()), (status, Some(code)), "{json}");
    assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(oracle.stored().await, before, "a rejected report is not stored");
}

#[tokio::test]
async fn an_accepted_report_is_stored_byte_for_byte_before_the_answer() {
    let device = key(1);
    let oracle = Oracle::start(IngestConfig::default(), &[(&device, true)]).await;
    let report = heartbeat(&device, 1, 60);
    let (status, json) = oracle.post(report.to_bytes()).await;
    assert_eq!(status, 202, "{json}");
    assert_eq!(json["id"], report.report_id().to_hex());
    let stored = oracle.running.store.report_by_id(&report.report_id().0).await.unwrap().expect("stored");
    assert_eq!(stored.body, report.to_bytes());
    assert_eq!(stored.device, device.verifying_key().to_bytes());
}

#[tokio::test]
async fn every_rejection_has_its_code_and_stores_nothing() {
    let device = key(1);
    let retired = key(2);
    let stranger = key(3);
    let oracle = Oracle::start(IngestConfig::default(), &[(&device, true), (&retired, false)]).await;

    let mut forged = heartbeat(&device, 1, 60);
    forged.signature[10] ^= 1;
    assert_rejected(&oracle, forged.to_bytes(), 401, "bad_signature").await;
    // Signed by one key while naming another device: also a bad signature.
    let mut impersonation = heartbeat(&stranger, 1, 60);
    if let ReportBody::Heartbeat(h) = &mut impersonation.body {
        h.header.device_key = device.verifying_key().to_bytes();
    }
    assert_rejected(&oracle, impersonation.to_bytes(), 401, "bad_signature").await;

    assert_rejected(&oracle, heartbeat(&stranger, 1, 60).to_bytes(), 403, "unknown_device").await;
    assert_rejected(&oracle, heartbeat(&retired, 1, 60).to_bytes(), 403, "inactive_device").await;
    let hour = 3_600_000;
    assert_rejected(&oracle, heartbeat_at(&device, 2, 60, now_ms() - hour).to_bytes(), 422, "clock_skew").await;
    assert_rejected(&oracle, heartbeat_at(&device, 3, 60, now_ms() + hour).to_bytes(), 422, "clock_skew").await;
    assert_rejected(&oracle, b"definitely not borsh".to_vec(), 400, "malformed_encoding").await;
    let mut trailing = heartbeat(&device, 4, 60).to_bytes();
    trailing.push(0);
    assert_rejected(&oracle, trailing, 400, "malformed_encoding").await;
    assert_rejected(&oracle, vec![0u8; fieldproof_reports::MAX_REPORT_BYTES + 1], 413, "oversize_body").await;

    let report = heartbeat(&device, 5, 60);
    assert_eq!(oracle.post(report.to_bytes()).await.0, 202);
    assert_rejected(&oracle, report.to_bytes(), 409, "duplicate_report").await;
    // Same nonce, other content, validly signed: a replay.
    assert_rejected(&oracle, heartbeat(&device, 5, 61).to_bytes(), 409, "replayed_nonce").await;
    assert_eq!(oracle.stored().await, 1);

    let metrics = oracle.http.get(format!("{}/metrics", oracle.url)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("fieldproof_ingest_rejected_total"), "{metrics}");
    assert!(metrics.contains("code=\"replayed_nonce\""), "{metrics}");
}

#[tokio::test]
async fn devices_and_sources_are_rate_limited() {
    let device = key(1);
    let other = key(2);
    let ingest = IngestConfig { per_device_per_minute: 2, per_source_per_minute: 4, ..IngestConfig::default() };
    let oracle = Oracle::start(ingest, &[(&device, true), (&other, true)]).await;
    assert_eq!(oracle.post(heartbeat(&device, 1, 1).to_bytes()).await.0, 202);
    assert_eq!(oracle.post(heartbeat(&device, 2, 2).to_bytes()).await.0, 202);
    assert_rejected(&oracle, heartbeat(&device, 3, 3).to_bytes(), 429, "rate_limited").await;
    // Another device from the same source still gets through, until the source's own limit.
    assert_eq!(oracle.post(heartbeat(&other, 1, 1).to_bytes()).await.0, 202);
    let (status, json) = oracle.post(heartbeat(&other, 2, 2).to_bytes()).await;
    assert_eq!((status, json["code"].as_str()), (429, Some("rate_limited")), "{json}");
    assert_eq!(oracle.stored().await, 3);
}

#[tokio::test]
async fn health_fails_when_the_write_path_fails() {
    let device = key(1);
    let oracle = Oracle::start(IngestConfig::default(), &[(&device, true)]).await;
    let health = || async { oracle.http.get(format!("{}/health", oracle.url)).send().await.unwrap() };
    let ok = health().await;
    assert_eq!(ok.status(), 200);
    let json: Value = ok.json().await.unwrap();
    assert_eq!((json["status"].as_str(), json["devices"].as_u64()), (Some("ok"), Some(1)));

    // The write-ahead directory can no longer take a file (as a full or read-only disk): the
    // check fails, and so does a report, which is not acknowledged.
    let wal = oracle._dir.path().join("wal");
    std::fs::remove_dir_all(&wal).unwrap();
    std::fs::write(&wal, b"not a directory").unwrap();
    let failing = health().await;
    assert_eq!(failing.status(), 503);
    let json: Value = failing.json().await.unwrap();
    assert_eq!(json["code"], "storage_unavailable");
    assert!(json["message"].as_str().unwrap().contains("write-ahead directory"), "{json}");
    let (status, json) = oracle.post(heartbeat(&device, 1, 60).to_bytes()).await;
    assert_eq!((status, json["code"].as_str()), (503, Some("storage_unavailable")), "{json}");

    std::fs::remove_file(&wal).unwrap();
    std::fs::create_dir(&wal).unwrap();
    assert_eq!(health().await.status(), 200, "healthy again once it can write");
}

#[tokio::test]
async fn graceful_shutdown_under_load_loses_no_acknowledged_report() {
    let devices: Vec<SigningKey> = (10..30).map(key).collect();
    let entries: Vec<(&SigningKey, bool)> = devices.iter().map(|k| (k, true)).collect();
    let oracle = Oracle::start(IngestConfig::default(), &entries).await;
    let url = oracle.url.clone();
    let http = oracle.http.clone();

    let senders: Vec<_> = devices
        .iter()
        .cloned()
        .map(|device| {
            let (url, http) = (url.clone(), http.clone());
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                for n in 0..50u8 {
                    let report = heartbeat(&device, n, u64::from(n));
                    match http.post(format!("{url}/v1/reports")).body(report.to_bytes()).send().await {
                        Ok(res) if res.status().as_u16() == 202 => acknowledged.push(report.report_id().0),
                        // Refused connections once the server stopped accepting: not acknowledged.
                        _ => {}
                    }
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let db_url = oracle.db_url.clone();
    let dir = oracle._dir;
    oracle.running.shutdown().await.unwrap();

    let mut acknowledged = Vec::new();
    for s in senders {
        acknowledged.extend(s.await.unwrap());
    }
    assert!(!acknowledged.is_empty(), "some reports were acknowledged before the shutdown");
    let store = Store::open(&db_url).await.unwrap();
    for id in &acknowledged {
        assert!(store.report_by_id(id).await.unwrap().is_some(), "acknowledged report {} was lost", hex::encode(id));
    }
    drop(dir);
}

#[tokio::test]
async fn the_built_wallet_app_is_served_beside_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("index.html"), "<!doctype html><title>Fieldproof wallet</title>").unwrap();
    std::fs::write(app.join("config.json"), r#"{"chain": "solana:localnet"}"#).unwrap();
    let mut config = OracleConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: format!("sqlite://{}", dir.path().join("oracle.sqlite").display()),
        epochs_store: dir.path().join("epochs").display().to_string(),
        log: fieldproof_oracle::log::LogConfig::in_dir(dir.path()),
        app_dir: Some(app),
        ..OracleConfig::default()
    };
    let oracle = serve::start(&config, Arc::new(DeviceDirectory::default()), None).await.unwrap();
    let get = |path: &str| reqwest::get(format!("http://{}{path}", oracle.addr));
    let page = get("/").await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<title>Fieldproof wallet</title>"));
    assert_eq!(get("/config.json").await.unwrap().json::<Value>().await.unwrap()["chain"], "solana:localnet");
    // The API's routes come first; a file the app does not have is a plain 404.
    assert_eq!(get("/health").await.unwrap().json::<Value>().await.unwrap()["status"], "ok");
    let refused = get("/v1/epochs/not-a-pool/1").await.unwrap();
    assert_eq!((refused.status().as_u16(), refused.json::<Value>().await.unwrap()["code"].clone()), (400, Value::from("malformed_encoding")));
    assert_eq!(get("/no-such-file.js").await.unwrap().status(), 404);
    oracle.shutdown().await.unwrap();

    // A directory without a built app is a configuration error, said before anything starts.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    config.app_dir = Some(empty);
    let refused = serve::start(&config, Arc::new(DeviceDirectory::default()), None).await.err().expect("refused");
    assert!(refused.to_string().contains("npm run build"), "{refused}");
}
