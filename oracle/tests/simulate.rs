//! A seeded simulated fleet, a cheater of every class among it, through the real ingest API and
//! an epoch's judgement: every cheating report is refused (at ingest, or by the verifier with
//! its reason), no honest report is ever refused, and cheaters earn nothing.
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

mod support;

use fieldproof_oracle::config::OracleConfig;
use fieldproof_oracle::epoch::{publish_epoch, BlockFacts, EpochFiles, EpochInputs, EpochSpec, ReportSet, RewardConfig, RewardStream};
use fieldproof_oracle::serve;
use fieldproof_oracle::simulate::{Cheaters, Fleet, FleetSpec, Role};
use fieldproof_oracle::verify::{Denylist, VerificationConfig};
use fieldproof_sdk::{OracleClient, Pubkey};

#[tokio::test]
async fn the_simulated_cheaters_are_all_caught_and_honest_devices_never_flagged() {
    let fleet = Fleet::new(FleetSpec { seed: 7, hotspots: 30, mappers: 12, cheaters: Cheaters::each(2) });
    let directory = support::fleet::directory(&fleet);

    let dir = tempfile::tempdir().unwrap();
    let config = OracleConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: format!("sqlite://{}", dir.path().join("o.sqlite").display()),
        log: support::fleet::log_config(dir.path()),
        // The two simulated rounds span 20 minutes and are sent at once.
        ingest: fieldproof_oracle::config::IngestConfig { max_clock_skew_secs: 7_200, per_device_per_minute: 10_000, ..Default::default() },
        ..OracleConfig::default()
    };
    let oracle = serve::start(&config, directory.clone(), None).await.unwrap();
    let client = OracleClient::new(format!("http://{}", oracle.addr), Duration::from_secs(10)).unwrap().with_retries(1, Duration::ZERO);

    // Two beacon rounds inside one hour-long epoch, ending a little before now.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let rewards = RewardConfig { start_ts: i64::try_from((now - 1_500_000) / 1_000).unwrap(), length_secs: 3_600, ..RewardConfig::default() };
    let traffic = support::fleet::traffic(&fleet, now - 1_250_000, 2);
    let mut refused_at_ingest: HashMap<usize, Vec<String>> = HashMap::new();
    let mut stored: Vec<([u8; 32], usize, bool)> = Vec::new();
    for sim in &traffic {
        match client.submit_report(&sim.report).await {
            Ok(id) => stored.push((id.0, sim.device, sim.cheat)),
            Err(fieldproof_sdk::OracleApiError::Rejected { code, .. }) => {
                assert!(sim.cheat, "an honest report was refused at ingest: {code}");
                refused_at_ingest.entry(sim.device).or_default().push(code);
            }
            Err(e) => panic!("oracle unavailable: {e}"),
        }
    }
    // The log's buckets are sealed (as the oracle does once the skew window has passed).
    oracle.sealer.seal_due(now as i64 + oracle.sealer.delay_ms + 2 * oracle.sealer.bucket_ms).await.unwrap();
    let store = oracle.store.clone();
    oracle.shutdown().await.unwrap();
    let log = fieldproof_oracle::objects::Objects::open(&config.log.store).unwrap();

    // The epoch is judged and paid, for both streams.
    let files = EpochFiles::open(dir.path().join("epochs").to_str().unwrap()).unwrap();
    let snapshot = directory.snapshot();
    let (denylist, verification) = (Denylist::default(), VerificationConfig::default());
    let blocks = support::fleet::blocks(&store);
    let mut paid: BTreeMap<[u8; 32], u64> = BTreeMap::new();
    for stream in [RewardStream::Coverage, RewardStream::Mapping] {
        let (start_ms, end_ms) = rewards.window_ms(0).unwrap();
        let segments = support::fleet::segments(&store, stream, fieldproof_oracle::verify::Window { start_ms, end_ms }).await;
        let inputs = EpochInputs {
            reports: ReportSet { objects: &log, segments: &segments },
            directory: &snapshot,
            denylist: &denylist,
            verification: &verification,
            blocks: BlockFacts::Chain(&blocks),
        };
        let spec = EpochSpec { pool: Pubkey::new_unique(), stream, epoch: 0, emission: 1_000_000 };
        let computed = publish_epoch(&store, &files, &inputs, &spec, &rewards).await.unwrap();
        for (asset, amount) in computed.file.expect("honest devices earned").leaves() {
            paid.insert(asset.to_bytes(), *amount);
        }
    }

    let mut caught: BTreeMap<(Role, String), usize> = BTreeMap::new();
    for (id, device, cheat) in &stored {
        let role = fleet.devices[*device].role;
        let reason: Option<String> = sqlx::query_scalar("SELECT reason FROM refusals WHERE id = $1").bind(id.as_slice()).fetch_optional(store.pool()).await.unwrap();
        match (cheat, reason) {
            (true, Some(reason)) => *caught.entry((role, reason)).or_default() += 1,
            (true, None) => panic!("a cheating report of device {device} ({role:?}) passed verification"),
            (false, Some(reason)) => panic!("an honest report of device {device} ({role:?}) was refused: {reason}"),
            (false, None) => {}
        }
    }
    // Every class is caught, each with the reason the issue names for it.
    for (role, reason) in [
        (Role::Spoofer, "witness_too_far"),
        (Role::LoudWitness, "rssi_above_free_space"),
        (Role::LocationLiar, "location_mismatch"),
        (Role::LocationLiar, "witness_too_far"),
        (Role::PowerLiar, "out_of_region_plan"),
        (Role::PowerLiar, "rssi_above_free_space"),
        (Role::Fabricator, "unknown_entropy"),
        (Role::Grinder, "witness_too_close"),
        (Role::SelfDealer, "session_not_countersigned"),
        (Role::Teleporter, "position_jump"),
        (Role::Stitcher, "track_discontinuity"),
        (Role::Overlapper, "segment_overlap"),
        (Role::Backdater, "stale_track"),
        (Role::StaleTracker, "stale_track"),
    ] {
        assert!(caught.get(&(role, reason.to_string())).is_some_and(|n| *n > 0), "no {role:?} refused with {reason}: {caught:?}");
    }
    // Replays never reach the store: each replayer had both its copies refused.
    for (r, d) in fleet.devices.iter().enumerate().filter(|(_, d)| d.role == Role::Replayer) {
        let codes = refused_at_ingest.get(&r).cloned().unwrap_or_default();
        assert_eq!(codes, vec!["duplicate_report".to_string(), "replayed_nonce".to_string()], "{:?}", d.role);
    }
    // Cheaters earn nothing; every honest device earns.
    let earnings = fleet.earnings(None, &snapshot.entries, paid.iter().map(|(asset, amount)| (asset, *amount)));
    for (role, earned) in &earnings {
        if role.earns_nothing() {
            assert_eq!(earned.amount, 0, "{role:?}s were paid: {earned:?}");
        }
    }
    let honest = earnings[&Role::Honest];
    assert!(honest.devices > 0 && honest.earning == honest.devices, "every honest device earns: {honest:?}");
    let honest = stored.iter().filter(|(_, _, cheat)| !cheat).count();
    assert!(honest > 200, "the honest fleet sent real traffic ({honest} reports)");
}
