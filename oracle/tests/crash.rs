//! A crash, not a shutdown: the oracle binary is killed with SIGKILL while devices are sending,
//! then started again on the same files. Every report it acknowledged before dying is in its log
//! (the write-ahead files) byte for byte, the restarted oracle indexes and knows them (a resend
//! is a duplicate), and it takes new reports.
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ed25519_dalek::SigningKey;
use fieldproof_oracle::storage::Store;
use fieldproof_reports::{HeartbeatReport, ReportBody, ReportHeader, SignedReport};

const DEVICES: u8 = 16;

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

fn heartbeat(key: &SigningKey, n: u32) -> SignedReport {
    let mut nonce = [0u8; 16];
    nonce[..4].copy_from_slice(&n.to_le_bytes());
    ReportBody::Heartbeat(HeartbeatReport {
        header: ReportHeader { device_key: key.verifying_key().to_bytes(), timestamp_ms: now_ms(), nonce },
        location_h3: 0x8828308281fffff,
        uptime_s: u64::from(n),
        firmware_version: 1,
    })
    .sign(key)
    .unwrap()
}

struct Setup {
    dir: tempfile::TempDir,
    keys: Vec<SigningKey>,
    port: u16,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keys: Vec<SigningKey> = (1..=DEVICES).map(|i| SigningKey::from_bytes(&[i; 32])).collect();
        let devices: Vec<serde_json::Value> = keys
            .iter()
            .map(|k| serde_json::json!({"key": hex::encode(k.verifying_key().to_bytes()), "kind": "hotspot"}))
            .collect();
        std::fs::write(dir.path().join("devices.json"), serde_json::to_string(&devices).unwrap()).unwrap();
        // No limit may slow the senders down: the crash must land mid-stream.
        std::fs::write(
            dir.path().join("oracle.toml"),
            format!(
                "[ingest]\nper_device_per_minute = 1000000\nper_source_per_minute = 1000000\n[log]\nstore = \"{}\"\nwal_dir = \"{}\"\n",
                dir.path().join("log").display(),
                dir.path().join("wal").display()
            ),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self { dir, keys, port }
    }

    fn db_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("oracle.sqlite").display())
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    async fn start(&self, http: &reqwest::Client) -> Child {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fieldproof-oracle"))
            .arg("--config")
            .arg(self.dir.path().join("oracle.toml"))
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port), "--database-url", &self.db_url(), "--devices"])
            .arg(self.dir.path().join("devices.json"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("the oracle binary starts");
        for _ in 0..300 {
            if http.get(self.url("/health")).send().await.is_ok_and(|r| r.status().is_success()) {
                return child;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the oracle did not become healthy");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_oracle_loses_no_acknowledged_report_and_resumes() {
    let setup = Arc::new(Setup::new());
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let mut oracle = setup.start(&http).await;

    // One sender per device, each sending until the oracle stops answering.
    let acknowledged: Arc<Mutex<Vec<SignedReport>>> = Arc::default();
    let dead = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for key in setup.keys.clone() {
        let (http, setup, acknowledged, dead) = (http.clone(), setup.clone(), acknowledged.clone(), dead.clone());
        senders.push(tokio::spawn(async move {
            for n in 0.. {
                let report = heartbeat(&key, n);
                match http.post(setup.url("/v1/reports")).body(report.to_bytes()).send().await {
                    Ok(answer) if answer.status().is_success() => acknowledged.lock().unwrap().push(report),
                    Ok(answer) => panic!("a live oracle refused an honest report: {}", answer.status()),
                    Err(_) if dead.load(Ordering::SeqCst) => return,
                    Err(e) => panic!("the oracle failed before the crash: {e}"),
                }
            }
        }));
    }
    while acknowledged.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    dead.store(true, Ordering::SeqCst);
    oracle.kill().expect("SIGKILL");
    oracle.wait().unwrap();
    for sender in senders {
        sender.await.unwrap();
    }

    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    let wal = setup.dir.path().join("wal");
    let logged: std::collections::HashSet<Vec<u8>> = fieldproof_oracle::log::wal::buckets(&wal)
        .unwrap()
        .into_iter()
        .flat_map(|b| fieldproof_oracle::log::wal::read(&wal, b).unwrap())
        .collect();
    for report in &acknowledged {
        assert!(logged.contains(&report.to_bytes()), "an acknowledged report is in the log byte for byte");
    }
    let logged_before_restart = logged.len() as i64;
    assert!(logged_before_restart >= acknowledged.len() as i64);

    // Restarted on the same files: it indexes its log, knows what it stored, and goes on.
    let mut oracle = setup.start(&http).await;
    let store = Store::open(&setup.db_url()).await.unwrap();
    for report in &acknowledged {
        let stored = store.report_by_id(&report.report_id().0).await.unwrap();
        assert_eq!(stored.map(|s| s.body), Some(report.to_bytes()), "an acknowledged report is indexed byte for byte");
    }
    drop(store);
    let resent = http.post(setup.url("/v1/reports")).body(acknowledged[0].to_bytes()).send().await.unwrap();
    assert_eq!(resent.status(), reqwest::StatusCode::CONFLICT, "a resent acknowledged report is a duplicate");
    let fresh_report = heartbeat(&setup.keys[0], u32::MAX);
    let fresh = http.post(setup.url("/v1/reports")).body(fresh_report.to_bytes()).send().await.unwrap();
    assert!(fresh.status().is_success(), "{}", fresh.status());
    oracle.kill().unwrap();
    oracle.wait().unwrap();
    // Killed again right after the answer: the report is in the log (its index row may not be
    // written yet), and the next start indexes it.
    let logged_now: Vec<Vec<u8>> = fieldproof_oracle::log::wal::buckets(&wal).unwrap().into_iter().flat_map(|b| fieldproof_oracle::log::wal::read(&wal, b).unwrap()).collect();
    assert!(logged_now.contains(&fresh_report.to_bytes()), "the acknowledged report is in the log");
    let mut oracle = setup.start(&http).await;
    oracle.kill().unwrap();
    oracle.wait().unwrap();
    let store = Store::open(&setup.db_url()).await.unwrap();
    assert_eq!(store.count_reports().await.unwrap(), logged_before_restart + 1);
    assert!(store.report_by_id(&fresh_report.report_id().0).await.unwrap().is_some());
}
