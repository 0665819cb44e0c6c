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
        let keys: Vec<([u8; 32], bool)> = devices.iter().map(|(key, active)| (key.verifying_key().to_bytes(), *active)).collect();
        Self::start_with_keys(ingest, &keys).await
    }

    /// An oracle whose directory holds these device keys (hotspots), active or not.
    async fn start_with_keys(ingest: IngestConfig, devices: &[([u8; 32], bool)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db_url = format!("sqlite://{}", dir.path().join("oracle.sqlite").display());
        let config = OracleConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_listen: Some("127.0.0.1:0".parse().unwrap()),
            database_url: db_url.clone(),
            log: fieldproof_oracle::log::LogConfig::in_dir(dir.path()),
            ingest,
            ..OracleConfig::default()
        };
        let directory = Arc::new(DeviceDirectory::default());
        for (key, active) in devices {
            directory.upsert(*key, DeviceEntry { kind: DeviceKind::Hotspot, active: *active, location_h3: None, elevation_m: 0, gain_ddbi: 0, asset: None });
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

    /// Reports in the index, once it has caught up with the answers.
    async fn stored(&self) -> i64 {
        self.running.writer.indexed().await.unwrap();
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
    oracle.running.writer.indexed().await.unwrap();
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

    // The metrics are the operator's: on their own address, not the public one.
    assert_eq!(oracle.http.get(format!("{}/metrics", oracle.url)).send().await.unwrap().status(), 404);
    let admin = oracle.running.admin_addr.expect("admin_listen is set");
    let metrics = oracle.http.get(format!("http://{admin}/metrics")).send().await.unwrap().text().await.unwrap();
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
    // What failed is the operator's to read in the log, under the id the answer gives.
    let message = json["message"].as_str().unwrap();
    assert!(message.contains("error id ") && !message.contains(&*oracle._dir.path().to_string_lossy()), "{json}");
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

impl Oracle {
    async fn post_batch(&self, body: Vec<u8>) -> (u16, Value) {
        let res = self.http.post(format!("{}/v1/reports/batch", self.url)).body(body).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap())
    }
}

/// A report of the small-order device key `identity` whose "signature" (R the identity, s = 0)
/// passes a cofactored check for every message, and a strict one for none.
fn forged_by_a_weak_key(identity: [u8; 32]) -> SignedReport {
    let body = ReportBody::Heartbeat(HeartbeatReport {
        header: ReportHeader { device_key: identity, timestamp_ms: now_ms(), nonce: [9; 16] },
        location_h3: 0x8828308281fffff,
        uptime_s: 1,
        firmware_version: 7,
    });
    let mut signature = [0u8; 64];
    signature[0] = 1;
    SignedReport { body, signature }
}

#[tokio::test]
async fn a_batch_answers_each_report_and_no_bad_report_refuses_another() {
    let (device, retired, stranger) = (key(1), key(2), key(3));
    // The identity point: a small-order ("weak") key, which a device registry should never hold.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let keys = [(device.verifying_key().to_bytes(), true), (retired.verifying_key().to_bytes(), false), (identity, true)];
    let oracle = Oracle::start_with_keys(IngestConfig::default(), &keys).await;

    let first = heartbeat(&device, 1, 60);
    let mut forged = heartbeat(&device, 2, 60);
    forged.signature[10] ^= 1;
    let second = heartbeat(&device, 3, 60);
    let wires: Vec<Vec<u8>> = vec![
        first.to_bytes(),
        forged.to_bytes(),
        heartbeat(&stranger, 1, 60).to_bytes(),
        heartbeat(&retired, 1, 60).to_bytes(),
        heartbeat_at(&device, 4, 60, now_ms() - 3_600_000).to_bytes(),
        b"definitely not borsh".to_vec(),
        second.to_bytes(),
        first.to_bytes(),
        // The second's nonce again, other content: a replay.
        heartbeat(&device, 3, 61).to_bytes(),
        forged_by_a_weak_key(identity).to_bytes(),
    ];
    let (status, json) = oracle.post_batch(borsh::to_vec(&wires).unwrap()).await;
    assert_eq!(status, 200, "{json}");
    let answers: Vec<(u64, Option<&str>)> = json["results"].as_array().unwrap().iter().map(|r| (r["status"].as_u64().unwrap(), r["code"].as_str())).collect();
    assert_eq!(
        answers,
        vec![
            (202, None),
            (401, Some("bad_signature")),
            (403, Some("unknown_device")),
            (403, Some("inactive_device")),
            (422, Some("clock_skew")),
            (400, Some("malformed_encoding")),
            (202, None),
            (409, Some("duplicate_report")),
            (409, Some("replayed_nonce")),
            (401, Some("bad_signature")),
        ]
    );
    assert_eq!(json["results"][0]["id"], first.report_id().to_hex());
    assert!(json["results"][1]["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(oracle.stored().await, 2);
    for report in [&first, &second] {
        assert_eq!(oracle.running.store.report_by_id(&report.report_id().0).await.unwrap().expect("stored").body, report.to_bytes());
    }

    // Alone beside good reports, the weak key's forgery would pass a batch's cofactored check:
    // it is checked strictly, and refused.
    let third = heartbeat(&device, 5, 60);
    let (_, json) = oracle.post_batch(borsh::to_vec(&vec![third.to_bytes(), forged_by_a_weak_key(identity).to_bytes()]).unwrap()).await;
    let answers: Vec<(u64, Option<&str>)> = json["results"].as_array().unwrap().iter().map(|r| (r["status"].as_u64().unwrap(), r["code"].as_str())).collect();
    assert_eq!(answers, vec![(202, None), (401, Some("bad_signature"))], "{json}");
    assert_eq!(oracle.stored().await, 3);

    // Refused whole, nothing stored: more reports than allowed, a body that is no batch, a body
    // above the batch limit.
    let few = Oracle::start(IngestConfig { max_batch_reports: 1, max_batch_bytes: 4_096, ..IngestConfig::default() }, &[(&device, true)]).await;
    for (body, status, code) in [
        (borsh::to_vec(&vec![heartbeat(&device, 7, 1).to_bytes(), heartbeat(&device, 8, 1).to_bytes()]).unwrap(), 413, "batch_too_large"),
        (borsh::to_vec(&vec![heartbeat(&device, 7, 1).to_bytes()]).unwrap()[..50].to_vec(), 400, "malformed_encoding"),
        (vec![0u8; 4_097], 413, "oversize_body"),
    ] {
        let (got, json) = few.post_batch(body).await;
        assert_eq!((got, json["code"].as_str()), (status, Some(code)), "{json}");
    }
    assert_eq!(few.stored().await, 0);
}

#[tokio::test]
async fn the_sdk_sends_a_batch_and_reads_each_answer() {
    let device = key(1);
    let oracle = Oracle::start(IngestConfig::default(), &[(&device, true)]).await;
    let client = fieldproof_sdk::OracleClient::new(oracle.url.clone(), std::time::Duration::from_secs(5)).unwrap();
    let (first, second) = (heartbeat(&device, 1, 1), heartbeat(&device, 2, 2));
    let mut forged = heartbeat(&device, 3, 3);
    forged.signature[0] ^= 1;
    let outcomes = client.submit_batch(&[first.clone(), forged, second.clone(), first.clone()]).await.unwrap();
    assert_eq!(outcomes[0].as_ref().unwrap(), &first.report_id());
    assert!(matches!(&outcomes[1], Err(fieldproof_sdk::OracleApiError::Rejected { status: 401, code, .. }) if code == "bad_signature"), "{:?}", outcomes[1]);
    assert_eq!(outcomes[2].as_ref().unwrap(), &second.report_id());
    assert!(matches!(&outcomes[3], Err(fieldproof_sdk::OracleApiError::Rejected { status: 409, code, .. }) if code == "duplicate_report"), "{:?}", outcomes[3]);
    // Over the device's rate limit a report is to be sent again later, not given up.
    let limited = Oracle::start(IngestConfig { per_device_per_minute: 1, ..IngestConfig::default() }, &[(&device, true)]).await;
    let client = fieldproof_sdk::OracleClient::new(limited.url.clone(), std::time::Duration::from_secs(5)).unwrap();
    let outcomes = client.submit_batch(&[first.clone(), second.clone()]).await.unwrap();
    assert!(outcomes[0].is_ok());
    assert!(matches!(&outcomes[1], Err(fieldproof_sdk::OracleApiError::Unavailable(reason)) if reason.starts_with("rate_limited")), "{:?}", outcomes[1]);
}

#[tokio::test]
async fn a_silent_client_is_cut_off_and_connections_beyond_the_cap_wait() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let device = key(1);
    let ingest = IngestConfig { header_read_timeout_ms: 300, max_connections: 1, ..IngestConfig::default() };
    let oracle = Oracle::start(ingest, &[(&device, true)]).await;
    let addr = oracle.running.addr;

    // Connected, half a request line, then nothing: the server closes the connection.
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    silent.write_all(b"GET /health HT").await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(10), silent.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the server kept a silent connection open");

    // One connection open and idle takes the only slot: a second client waits, unserved...
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    let mut answer = [0u8; 12];
    idle.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    let quick = reqwest::Client::builder().timeout(std::time::Duration::from_millis(150)).build().unwrap();
    assert!(quick.get(format!("{}/health", oracle.url)).send().await.is_err(), "a connection beyond the cap was served at once");
    // ...and is served once the slot is free again.
    drop(idle);
    let answer = oracle.http.get(format!("{}/health", oracle.url)).send().await.unwrap();
    let status = answer.status();
    assert_eq!(status, 200, "{}", answer.text().await.unwrap());
}

#[tokio::test]
async fn the_read_endpoints_are_rate_limited_per_source_too() {
    let device = key(1);
    let oracle = Oracle::start(IngestConfig { per_source_reads_per_minute: 2, ..IngestConfig::default() }, &[(&device, true)]).await;
    let epoch = format!("{}/v1/epochs/{}/1", oracle.url, fieldproof_sdk::Pubkey::new_unique());
    for _ in 0..2 {
        assert_eq!(oracle.http.get(&epoch).send().await.unwrap().status(), 404, "answered: no such epoch");
    }
    let limited = oracle.http.get(&epoch).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    let json: Value = limited.json().await.unwrap();
    assert_eq!(json["code"], "rate_limited");
    // The log's endpoints share the budget; reports and the health check do not.
    assert_eq!(oracle.http.get(format!("{}/v1/log/buckets?from=0&to=1", oracle.url)).send().await.unwrap().status(), 429);
    assert_eq!(oracle.post(heartbeat(&device, 1, 1).to_bytes()).await.0, 202);
    assert_eq!(oracle.http.get(format!("{}/health", oracle.url)).send().await.unwrap().status(), 200);
}
