//! A device's reports to every oracle of a quorum (the SDK's `ReportBroadcast`): one oracle
//! paused (it accepts connections and never answers) holds none of the others up; its reports
//! wait in its queue and reach it once it answers; those older than its skew window are dropped.
use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use fieldproof_oracle::config::OracleConfig;
use fieldproof_oracle::devices::{DeviceDirectory, DeviceEntry, DeviceKind};
use fieldproof_oracle::serve;
use fieldproof_reports::{HeartbeatReport, ReportBody, ReportHeader, SignedReport};
use fieldproof_sdk::{Delivery, OracleClient, ReportBroadcast};

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

fn heartbeat(device: &SigningKey, n: u8, at_ms: u64) -> SignedReport {
    ReportBody::Heartbeat(HeartbeatReport {
        header: ReportHeader { device_key: device.verifying_key().to_bytes(), timestamp_ms: at_ms, nonce: [n; 16] },
        location_h3: 0x8828308281fffff,
        uptime_s: u64::from(n),
        firmware_version: 1,
    })
    .sign(device)
    .unwrap()
}

async fn oracle(listen: std::net::SocketAddr, device: &SigningKey, dir: &std::path::Path) -> serve::RunningOracle {
    let directory = Arc::new(DeviceDirectory::default());
    directory.upsert(device.verifying_key().to_bytes(), DeviceEntry { kind: DeviceKind::Hotspot, active: true, location_h3: None, elevation_m: 0, gain_ddbi: 0, asset: None });
    let config = OracleConfig {
        listen,
        database_url: format!("sqlite://{}", dir.join("oracle.sqlite").display()),
        log: fieldproof_oracle::log::LogConfig::in_dir(dir),
        ..OracleConfig::default()
    };
    serve::start(&config, directory, None).await.unwrap()
}

fn client(addr: std::net::SocketAddr) -> OracleClient {
    OracleClient::new(format!("http://{addr}"), Duration::from_millis(300)).unwrap().with_retries(1, Duration::ZERO)
}

/// An oracle that answers and a paused one (the kernel accepts the connection, nobody answers),
/// and a device's broadcast to both, each queue holding at most `max_queued` reports.
struct Pair {
    device: SigningKey,
    dirs: [tempfile::TempDir; 2],
    up: serve::RunningOracle,
    paused: std::net::TcpListener,
    paused_addr: std::net::SocketAddr,
    broadcast: ReportBroadcast,
}

impl Pair {
    async fn new(max_queued: usize) -> Self {
        let device = SigningKey::from_bytes(&[4; 32]);
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let up = oracle("127.0.0.1:0".parse().unwrap(), &device, dirs[0].path()).await;
        let paused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let paused_addr = paused.local_addr().unwrap();
        let broadcast = ReportBroadcast::new(vec![(up.addr.to_string(), client(up.addr)), (paused_addr.to_string(), client(paused_addr))], max_queued, 60_000);
        Self { device, dirs, up, paused, paused_addr, broadcast }
    }
}

#[tokio::test]
async fn a_paused_oracle_gets_its_reports_once_it_answers_and_holds_no_one_up() {
    let Pair { device, dirs, up, paused, paused_addr, broadcast } = Pair::new(3).await;

    let stale = heartbeat(&device, 0, now_ms() - 120_000);
    assert_eq!(broadcast.submit(&heartbeat(&device, 1, now_ms())).await, vec![Delivery::Accepted, Delivery::Queued]);
    let started = std::time::Instant::now();
    for n in 2..=4 {
        assert_eq!(broadcast.submit(&heartbeat(&device, n, now_ms())).await, vec![Delivery::Accepted, Delivery::Queued]);
    }
    assert!(started.elapsed() < Duration::from_millis(300), "an oracle away is not tried again for each report");
    let status = broadcast.status();
    assert!(!status[0].away && status[1].away);
    assert_eq!((status[1].queued, status[1].dropped), (3, 1), "the queue holds three: the oldest went");
    // Still paused: a resend changes nothing.
    assert_eq!(broadcast.resend(now_ms()).await, vec![0, 0]);

    // It answers again (restarted on its address): the queue drains, in order.
    drop(paused);
    let back = oracle(paused_addr, &device, dirs[1].path()).await;
    assert_eq!(broadcast.resend(now_ms()).await, vec![0, 3]);
    let status = broadcast.status();
    assert!(!status[1].away && status[1].queued == 0);
    back.writer.indexed().await.unwrap();
    assert_eq!(back.store.count_reports().await.unwrap(), 3);
    assert_eq!(broadcast.submit(&heartbeat(&device, 5, now_ms())).await, vec![Delivery::Accepted, Delivery::Accepted]);
    // A report too old for an oracle's skew window is dropped from its queue, not resent.
    let broken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let late = ReportBroadcast::new(vec![(String::new(), client(broken.local_addr().unwrap()))], 10, 60_000);
    assert_eq!(late.submit(&stale).await, vec![Delivery::Queued]);
    drop(broken);
    assert_eq!(late.resend(now_ms()).await, vec![0]);
    assert_eq!((late.status()[0].queued, late.status()[0].dropped), (0, 1));
    up.shutdown().await.unwrap();
    back.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_batch_reaches_every_oracle_and_a_paused_one_gets_it_later() {
    let Pair { device, dirs, up, paused, paused_addr, broadcast } = Pair::new(100).await;

    let mut forged = heartbeat(&device, 2, now_ms());
    forged.signature[5] ^= 1;
    let reports = [heartbeat(&device, 1, now_ms()), forged, heartbeat(&device, 3, now_ms())];
    let refused = Delivery::Refused("bad_signature".into());
    assert_eq!(
        broadcast.submit_batch(&reports).await,
        vec![vec![Delivery::Accepted, Delivery::Queued], vec![refused.clone(), Delivery::Queued], vec![Delivery::Accepted, Delivery::Queued]]
    );
    up.writer.indexed().await.unwrap();
    assert_eq!(up.store.count_reports().await.unwrap(), 2);
    assert_eq!(broadcast.status()[1].queued, 3);

    // Back on its address: the queue goes in one batch; the forged report is refused there too.
    drop(paused);
    let back = oracle(paused_addr, &device, dirs[1].path()).await;
    assert_eq!(broadcast.resend(now_ms()).await, vec![0, 3]);
    back.writer.indexed().await.unwrap();
    assert_eq!(back.store.count_reports().await.unwrap(), 2);
    assert!(!broadcast.status()[1].away);
    up.shutdown().await.unwrap();
    back.shutdown().await.unwrap();
}
