//! The network page's endpoints against a real store and a network bootstrapped in the
//! in-process bank: devices counted by kind and status with cells aggregated (a cell one dashcam
//! mapped alone is withheld), each pool's epochs as this oracle's pipeline has them, the
//! treasury's emissions and their split, each oracle's health and newest signed epoch; and every
//! bad request refused by name.
mod support;

use std::sync::Arc;

use fieldproof_tests::world::{TestChain, World};
use ed25519_dalek::SigningKey;
use fieldproof_migrations::{bootstrap, Deployment, KeyDir};
use fieldproof_oracle::devices::{DeviceDirectory, DeviceEntry, DeviceKind};
use fieldproof_oracle::epoch::RewardStream;
use fieldproof_oracle::network_page::{self, NetworkDevices, NetworkEmissions, NetworkOracles, NetworkPageState, NetworkPeer, NetworkPools};
use fieldproof_oracle::quorum::{EpochRecord, EpochStatus};
use fieldproof_oracle::storage::{NewReport, Store};
use fieldproof_oracle::verify::Window;
use fieldproof_reports::{Entropy, MappingSegmentReport, ReportBody, ReportHeader, ReportKind, TrackPoint};
use fieldproof_sdk::reward_pool::PostRootArgs;
use fieldproof_sdk::treasury::{self, Treasury};
use fieldproof_sdk::{Client, OracleClient, OracleHealth, Pubkey, RpcChain, SignedRoot};
use h3o::{LatLng, Resolution};
use serde_json::Value;
use support::network::EPOCH_SECS;

/// A store and report log of one test oracle; the log's sealer probes its write path.
struct Oracle {
    store: Store,
    writer: fieldproof_oracle::log::ReportWriter,
    sealer: Arc<fieldproof_oracle::log::Sealer>,
    dir: tempfile::TempDir,
}

async fn oracle() -> Oracle {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("oracle.sqlite").display())).await.unwrap();
    let log = support::fleet::open_log(&store, dir.path()).await;
    Oracle { store, writer: log.writer, sealer: Arc::new(log.sealer), dir }
}

fn state<C>(o: &Oracle, devices: Arc<DeviceDirectory>, pools: Vec<(Pubkey, RewardStream)>, client: Option<Client<C>>, treasury: Option<Pubkey>, name: &str, peers: Vec<NetworkPeer>) -> NetworkPageState<C> {
    NetworkPageState::new(devices, o.store.clone(), pools, client, treasury, name.into(), o.sealer.clone(), peers, Resolution::Eight, Resolution::Ten)
}

/// Serves the page's routes; returns the base URL.
async fn serve<C: fieldproof_sdk::Chain + Send + Sync + 'static>(state: NetworkPageState<C>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = network_page::router(Arc::new(state));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn get(url: &str) -> (u16, Value) {
    let answer = reqwest::get(url).await.unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

async fn get_ok<T: serde::de::DeserializeOwned>(url: &str) -> T {
    let (status, body) = get(url).await;
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_value(body).unwrap()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn cell(lat: f64, lng: f64, resolution: Resolution) -> u64 {
    u64::from(LatLng::new(lat, lng).unwrap().to_cell(resolution))
}

fn entry(kind: DeviceKind, active: bool, location_h3: Option<u64>) -> DeviceEntry {
    DeviceEntry { kind, active, location_h3, elevation_m: 0, gain_ddbi: 0, asset: None }
}

/// A dashcam's segment along `points` (degrees), signed `at_ms`.
fn segment(key: &SigningKey, nonce: u8, at_ms: i64, points: &[(f64, f64)]) -> fieldproof_reports::SignedReport {
    let points = points
        .iter()
        .enumerate()
        .map(|(i, (lat, lng))| TrackPoint {
            timestamp_ms: (at_ms - 60_000 + 1_000 * i as i64) as u64,
            latitude_e7: (lat * 1e7) as i32,
            longitude_e7: (lng * 1e7) as i32,
            altitude_dm: 0,
            horizontal_accuracy_dm: 30,
        })
        .collect();
    let header = ReportHeader { device_key: key.verifying_key().to_bytes(), timestamp_ms: at_ms as u64, nonce: [nonce; 16] };
    ReportBody::MappingSegment(MappingSegmentReport { header, entropy: Entropy { slot: 1, blockhash: [7; 32] }, points, frames: Vec::new() }).sign(key).unwrap()
}

#[tokio::test]
async fn devices_are_counted_and_cells_aggregated_without_any_dashcams_own_drive() {
    let o = oracle().await;
    let directory = Arc::new(DeviceDirectory::default());
    let key = |seed: u8| SigningKey::from_bytes(&[seed; 32]);
    // Two active hotspots in one density cell, one inactive, one not located.
    let (a, b) = (cell(37.7749, -122.4194, Resolution::Twelve), cell(37.7751, -122.4196, Resolution::Twelve));
    assert_eq!(LatLng::from(h3o::CellIndex::try_from(a).unwrap()).to_cell(Resolution::Eight), LatLng::from(h3o::CellIndex::try_from(b).unwrap()).to_cell(Resolution::Eight));
    directory.upsert([1; 32], entry(DeviceKind::Hotspot, true, Some(a)));
    directory.upsert([2; 32], entry(DeviceKind::Hotspot, true, Some(b)));
    directory.upsert([3; 32], entry(DeviceKind::Hotspot, false, Some(cell(37.80, -122.27, Resolution::Twelve))));
    directory.upsert([4; 32], entry(DeviceKind::Hotspot, true, None));
    // Two dashcams drove the same neighbourhood, a third drove alone across the bay, a fourth
    // did not drive; the lone one is deactivated since (what it mapped still counts).
    let dashcams = [key(11), key(12), key(13), key(14)];
    for (i, d) in dashcams.iter().enumerate() {
        directory.upsert(d.verifying_key().to_bytes(), entry(DeviceKind::Mapper, i != 2, None));
    }
    let at = now_ms() - 30 * 60_000;
    let together = [(37.7749, -122.4194), (37.7753, -122.4190)];
    let near = [(37.7760, -122.4180), (37.7764, -122.4176)];
    let alone = [(37.8044, -122.2712), (37.8048, -122.2708)];
    let seven = |(lat, lng): (f64, f64)| cell(lat, lng, Resolution::Seven);
    assert!(together.iter().chain(&near).all(|p| seven(*p) == seven(together[0])), "the shared drive is in one resolution-7 cell");
    assert!(alone.iter().all(|p| seven(*p) == seven(alone[0])));
    for (d, points) in dashcams.iter().zip([&together[..], &near[..], &alone[..]]) {
        let report = segment(d, 1, at, points);
        o.writer.insert(NewReport::accepted(&report, report.to_bytes(), at + 1_000, "test".into())).await.unwrap();
    }
    // A segment counts once an epoch judged it valid.
    let page = state::<RpcChain>(&o, directory.clone(), Vec::new(), None, None, "local", Vec::new());
    let url = serve(page).await;
    let before: NetworkDevices = get_ok(&format!("{url}/v1/network/devices")).await;
    assert_eq!((before.mapped_cells.cells.len(), before.mapped_cells.withheld_cells, before.mapped_cells.judged_through_ms), (0, 0, None));

    o.store.save_judgement("mapping", 1, Window { start_ms: at - 3_600_000, end_ms: at + 60_000 }, &[0; 32], &[ReportKind::MappingSegment], &[]).await.unwrap();
    let page = state::<RpcChain>(&o, directory, Vec::new(), None, None, "local", Vec::new());
    let url = serve(page).await;
    let seen: NetworkDevices = get_ok(&format!("{url}/v1/network/devices")).await;
    let count = |kind: &str, status: &str| seen.devices.iter().find(|c| c.kind == kind && c.status == status).map(|c| (c.count, c.located)).unwrap();
    assert_eq!(count("hotspot", "active"), (3, 2));
    assert_eq!(count("hotspot", "inactive"), (1, 1));
    assert_eq!(count("mapper", "active"), (3, 0));
    assert_eq!(count("mapper", "inactive"), (1, 0));
    let density = cell(37.7749, -122.4194, Resolution::Eight);
    assert_eq!(seen.hotspot_cells.resolution, 8);
    assert_eq!(seen.hotspot_cells.cells.iter().map(|c| (c.cell.clone(), c.devices)).collect::<Vec<_>>(), vec![(format!("{density:x}"), 2)]);
    let mapped = &seen.mapped_cells;
    assert_eq!((mapped.resolution, mapped.min_dashcams), (network_page::NETWORK_MAPPED_RESOLUTION, network_page::MIN_DASHCAMS_PER_CELL));
    assert_eq!(mapped.cells.iter().map(|c| (c.cell.clone(), c.devices)).collect::<Vec<_>>(), vec![(format!("{:x}", seven(together[0])), 2)]);
    assert_eq!(mapped.withheld_cells, 1, "the lone dashcam's cell is counted, not shown");
    let text = serde_json::to_string(&seen).unwrap();
    for d in &dashcams {
        assert!(!text.contains(&hex::encode(d.verifying_key().to_bytes())), "no device is named");
    }
    assert!(!text.contains(&format!("{:x}", cell(37.8044, -122.2712, Resolution::Seven))));
}

/// A network bootstrapped in the bank with its treasury's epochs 0 and 1 emitted.
async fn network() -> (World, Deployment, tempfile::TempDir) {
    let world = World::start().await;
    let oracles: Vec<Pubkey> = (1..=3u8).map(|i| Pubkey::new_from_array(SigningKey::from_bytes(&[i; 32]).verifying_key().to_bytes())).collect();
    let keys = tempfile::tempdir().unwrap();
    let plan = support::network::plan(&oracles, &oracles[0]);
    let deployment = bootstrap(&world.client, &world.payer(), &plan, &KeyDir::new(keys.path()), |_| {}).await.unwrap().deployment;
    world.advance_clock(2 * EPOCH_SECS + 60).await;
    for epoch in 0..2 {
        let t: Treasury = world.client.account(&deployment.treasury).await.unwrap();
        world.send(&[treasury::emit_epoch(&t, epoch)], &[]).await.unwrap();
    }
    (world, deployment, keys)
}

fn signed(pool: &Pubkey, epoch: u64, by: u8) -> SignedRoot {
    let args = PostRootArgs { config_version: 1, epoch, root: [epoch as u8; 32], cumulative_total: 1_000 * epoch, leaf_count: 3, content_hash: [9; 32], expires_at: 0 };
    SignedRoot::sign(&SigningKey::from_bytes(&[by; 32]), pool, args)
}

async fn record(store: &Store, pool: &Pubkey, epoch: u64, status: EpochStatus, signers: &[u8]) {
    let mut record = EpochRecord::new(*pool, epoch);
    record.status = status;
    if status >= EpochStatus::Signed {
        record.own = Some(signed(pool, epoch, 1));
    }
    if status >= EpochStatus::Posted {
        record.signatures = signers.iter().map(|s| signed(pool, epoch, *s)).collect();
        record.post_tx = Some(format!("post-of-{epoch}"));
    }
    record.save(store, now_ms()).await.unwrap();
}

#[tokio::test]
async fn each_pools_epochs_and_the_treasurys_emissions_are_shown() {
    let (world, deployment, _keys) = network().await;
    let o = oracle().await;
    let pool = deployment.pools[0];
    record(&o.store, &pool, 1, EpochStatus::Active, &[1, 2]).await;
    record(&o.store, &pool, 2, EpochStatus::Signed, &[]).await;
    record(&o.store, &pool, 3, EpochStatus::Computing, &[]).await;
    let pools = vec![(pool, RewardStream::Coverage), (deployment.pools[1], RewardStream::Mapping)];
    let page = state(&o, Arc::new(DeviceDirectory::default()), pools, Some(Client::new(world.chain())), Some(deployment.treasury), "local", Vec::new());
    let url = serve::<TestChain>(page).await;

    let seen: NetworkPools = get_ok(&format!("{url}/v1/network/pools")).await;
    assert_eq!(seen.chain_time, Some(world.clock().await.unix_timestamp));
    let first = &seen.pools[0];
    assert_eq!((first.pool.clone(), first.stream, first.active_epoch, first.pending_epoch), (pool.to_string(), RewardStream::Coverage, Some(0), None));
    assert_eq!(first.epochs.iter().map(|e| (e.epoch, e.status.as_str(), e.signatures)).collect::<Vec<_>>(), vec![(3, "computing", 0), (2, "signed", 0), (1, "active", 2)]);
    assert_eq!(first.epochs[2].root, Some(hex::encode([1u8; 32])));
    assert_eq!((first.epochs[2].cumulative_total, first.epochs[2].leaf_count, first.epochs[2].post_tx.as_deref()), (Some(1_000), Some(3), Some("post-of-1")));
    assert_eq!((first.epochs[0].root.clone(), first.epochs[0].cumulative_total), (None, None));
    assert!(seen.pools[1].epochs.is_empty());
    let two: NetworkPools = get_ok(&format!("{url}/v1/network/pools?epochs=2")).await;
    assert_eq!(two.pools[0].epochs.iter().map(|e| e.epoch).collect::<Vec<_>>(), vec![3, 2]);

    // The treasury emitted epochs 0 and 1 (1,000,000 each), the clock is in epoch 2: pool 0 weighs
    // 3 of 4, pool 1 the rest; nothing was burned.
    let emissions: NetworkEmissions = get_ok(&format!("{url}/v1/network/emissions?epochs=3")).await;
    let t: Treasury = world.client.account(&deployment.treasury).await.unwrap();
    assert_eq!((emissions.current_epoch, emissions.next_epoch, emissions.total_emitted), (2, 2, t.total_emitted));
    assert_eq!(emissions.epochs.iter().map(|e| (e.epoch, e.emitted, e.scheduled)).collect::<Vec<_>>(), vec![(2, false, 1_000_000), (1, true, 1_000_000), (0, true, 1_000_000)]);
    assert_eq!(emissions.epochs[2].start_ts, t.params.schedule.start_ts);
    for row in &emissions.epochs {
        let to = |p: &Pubkey| row.recipients.iter().find(|r| r.pool.as_deref() == Some(&p.to_string())).map(|r| r.amount);
        assert_eq!((to(&deployment.pools[0]), to(&deployment.pools[1])), (Some(750_000), Some(250_000)), "{row:?}");
        assert_eq!((row.dc_burned.usage, row.dc_burned.fees), (0, 0));
    }
    for bad in ["epochs=0", "epochs=101", "epochs=many"] {
        for path in ["pools", "emissions"] {
            let (status, body) = get(&format!("{url}/v1/network/{path}?{bad}")).await;
            assert_eq!((status, body["code"].as_str()), (400, Some("malformed_encoding")), "{path}?{bad}: {body}");
        }
    }
}

#[tokio::test]
async fn without_a_treasury_or_a_node_the_page_says_so() {
    let o = oracle().await;
    let pool = Pubkey::new_unique();
    let none = state::<RpcChain>(&o, Arc::new(DeviceDirectory::default()), vec![(pool, RewardStream::Coverage)], None, None, "local", Vec::new());
    let url = serve(none).await;
    let (status, body) = get(&format!("{url}/v1/network/emissions")).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_configured")), "{body}");
    // Without a node, the pipeline's side is still shown.
    let pools: NetworkPools = get_ok(&format!("{url}/v1/network/pools")).await;
    assert_eq!((pools.chain_time, pools.pools[0].active_epoch), (None, None));

    // A node that does not answer is said to be unavailable.
    let dead = Client::new(RpcChain::new("http://127.0.0.1:1".to_string(), std::time::Duration::from_millis(200), Default::default()));
    let down = state(&o, Arc::new(DeviceDirectory::default()), vec![(pool, RewardStream::Coverage)], Some(dead), Some(Pubkey::new_unique()), "local", Vec::new());
    let url = serve(down).await;
    for path in ["pools", "emissions"] {
        let (status, body) = get(&format!("{url}/v1/network/{path}")).await;
        assert_eq!((status, body["code"].as_str()), (503, Some("chain_unavailable")), "{path}: {body}");
    }
}

#[tokio::test]
async fn each_oracle_tells_its_health_and_newest_signed_epoch() {
    let pool = Pubkey::new_unique();
    let pools = vec![(pool, RewardStream::Coverage)];
    // A peer that signed up to epoch 5.
    let peer = oracle().await;
    record(&peer.store, &pool, 4, EpochStatus::Active, &[1, 2]).await;
    record(&peer.store, &pool, 5, EpochStatus::Signed, &[]).await;
    record(&peer.store, &pool, 6, EpochStatus::Computing, &[]).await;
    let peer_url = serve(state::<RpcChain>(&peer, Arc::new(DeviceDirectory::default()), pools.clone(), None, None, "peer-key", Vec::new())).await;
    let client = |url: &str| OracleClient::new(url, std::time::Duration::from_secs(2)).unwrap().with_retries(1, std::time::Duration::ZERO);
    let peers = vec![
        NetworkPeer { url: peer_url.clone(), key: "peer-key".into(), client: client(&peer_url) },
        NetworkPeer { url: peer_url.clone(), key: "another-key".into(), client: client(&peer_url) },
        NetworkPeer { url: "http://127.0.0.1:1".into(), key: "gone-key".into(), client: client("http://127.0.0.1:1") },
    ];
    // This oracle signed nothing yet, and its write path fails.
    let me = oracle().await;
    let url = serve(state::<RpcChain>(&me, Arc::new(DeviceDirectory::default()), pools, None, None, "my-key", peers)).await;
    let own: OracleHealth = get_ok(&format!("{url}/v1/network/oracle")).await;
    assert!(own.healthy, "{own:?}");
    assert_eq!((own.oracle.as_str(), own.last_signed[0].epoch), ("my-key", None));
    std::fs::remove_dir_all(fieldproof_oracle::log::LogConfig::in_dir(me.dir.path()).wal_dir).unwrap();
    let seen: NetworkOracles = get_ok(&format!("{url}/v1/network/oracles")).await;
    let rows = &seen.oracles;
    assert_eq!(rows.iter().map(|r| (r.oracle.as_str(), r.reachable)).collect::<Vec<_>>(), vec![("my-key", true), ("peer-key", true), ("another-key", true), ("gone-key", false)]);
    let mine = rows[0].health.as_ref().unwrap();
    assert!(!mine.healthy && mine.problem.is_some(), "{mine:?}");
    let theirs = rows[1].health.as_ref().unwrap();
    assert!(theirs.healthy);
    assert_eq!(theirs.last_signed, vec![fieldproof_sdk::LastSignedEpoch { pool: pool.to_string(), epoch: Some(5) }]);
    assert!(rows[2].health.is_none() && rows[2].error.as_deref().is_some_and(|e| e.contains("says it is peer-key")), "{:?}", rows[2]);
    assert!(rows[3].health.is_none() && rows[3].error.is_some());
}
