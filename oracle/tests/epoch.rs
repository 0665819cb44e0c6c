//! Reward epochs over a seeded simulated fleet: exact totals, cheaters paid nothing, cumulative
//! amounts across epochs, write-once publishing, `verify-epoch`, and determinism across storage
//! back ends and core counts.
mod support;

use std::collections::BTreeMap;

use fieldproof_oracle::devices::DeviceEntry;
use fieldproof_oracle::epoch::{
    compute, publish_epoch, verify_epoch, EpochError, EpochFiles, EpochSpec, FilesError, RewardConfig, RewardStream, Verification,
};
use fieldproof_oracle::simulate::{Fleet, Role};
use fieldproof_oracle::storage::Store;
use support::fleet::{asset_of, fleet};
use fieldproof_sdk::Pubkey;

/// Epoch 0 starts here (Unix seconds); epochs last half an hour, three beacon rounds.
const START_TS: i64 = 1_800_000_000;
const EMISSION: u64 = 1_000_000;
const LAG_MS: i64 = 10_000;

fn config() -> RewardConfig {
    RewardConfig { start_ts: START_TS, length_secs: 1_800, ..RewardConfig::default() }
}

fn directory(fleet: &Fleet) -> BTreeMap<[u8; 32], DeviceEntry> {
    support::fleet::directory(fleet).snapshot()
}

/// Stores `rounds` ten-minute rounds of the fleet's traffic from a minute into epoch 0.
async fn store_traffic(store: &Store, fleet: &Fleet, rounds: usize) {
    support::fleet::store_traffic(store, fleet, u64::try_from(START_TS).unwrap() * 1_000 + 60_000, rounds).await;
}

async fn verify_all(store: &Store, fleet: &Fleet) {
    support::fleet::verify_all(store, fleet, START_TS * 1_000 + 86_400_000).await;
}

async fn sqlite_with_traffic(fleet: &Fleet, rounds: usize) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("o.sqlite").display())).await.unwrap();
    store_traffic(&store, fleet, rounds).await;
    (store, dir)
}

fn assets_of(fleet: &Fleet, role: Role, kind: fieldproof_oracle::devices::DeviceKind) -> Vec<Pubkey> {
    fleet
        .devices
        .iter()
        .filter(|d| d.role == role && d.kind == kind)
        .map(|d| Pubkey::new_from_array(asset_of(&d.key.verifying_key().to_bytes())))
        .collect()
}

#[tokio::test]
async fn an_epoch_pays_its_emission_exactly_to_honest_devices_and_nothing_to_cheaters() {
    use fieldproof_oracle::devices::DeviceKind::{Hotspot, Mapper};
    let fleet = fleet();
    let (store, _dir) = sqlite_with_traffic(&fleet, 3).await;
    verify_all(&store, &fleet).await;
    let devices = directory(&fleet);

    let pool = Pubkey::new_unique();
    for (stream, kind, cheaters) in [(RewardStream::Coverage, Hotspot, Role::Spoofer), (RewardStream::Mapping, Mapper, Role::Teleporter)] {
        let spec = EpochSpec { pool, stream, epoch: 0, emission: EMISSION };
        let computed = compute(&store, &devices, None, &spec, &config(), LAG_MS).await.unwrap();
        let file = computed.file.as_ref().expect("the honest fleet earned");
        let paid: BTreeMap<Pubkey, u64> = file.leaves().iter().copied().collect();
        assert_eq!(paid.values().sum::<u64>(), EMISSION, "{stream:?}: the emission is paid exactly");
        assert_eq!(computed.manifest.allocated, EMISSION);
        assert_eq!(computed.manifest.cumulative_total, EMISSION);
        for asset in assets_of(&fleet, cheaters, kind) {
            assert_eq!(paid.get(&asset), None, "{stream:?}: a {cheaters:?} was paid");
        }
        let honest = assets_of(&fleet, Role::Honest, kind);
        assert!(honest.iter().all(|a| paid.get(a).is_some_and(|v| *v > 0)), "{stream:?}: every honest device earned");
        let mut sorted = file.leaves().to_vec();
        sorted.sort_by_key(|(asset, _)| *asset);
        assert_eq!(file.leaves(), &sorted[..], "leaves are in asset order");
        assert_eq!(computed.content_hash().map(hex::encode), computed.manifest.content_hash);
    }
}

#[tokio::test]
async fn epochs_add_up_publish_once_and_verify() {
    let fleet = fleet();
    let (store, dir) = sqlite_with_traffic(&fleet, 6).await;
    verify_all(&store, &fleet).await;
    let devices = directory(&fleet);
    let files = EpochFiles::open(dir.path().join("epochs").to_str().unwrap()).unwrap();
    let pool = Pubkey::new_unique();
    let spec = |epoch: u64| EpochSpec { pool, stream: RewardStream::Coverage, epoch, emission: EMISSION };

    let first = publish_epoch(&store, &files, &devices, &spec(0), &config(), LAG_MS).await.unwrap();
    let again = publish_epoch(&store, &files, &devices, &spec(0), &config(), LAG_MS).await.unwrap();
    assert_eq!(again.file_bytes, first.file_bytes, "a rerun publishes the same bytes and changes nothing");
    let second = publish_epoch(&store, &files, &devices, &spec(1), &config(), LAG_MS).await.unwrap();
    assert_eq!(second.manifest.previous_epoch, Some(0));
    assert_eq!(second.manifest.cumulative_total, 2 * EMISSION, "cumulative over both epochs");
    let before: BTreeMap<Pubkey, u64> = first.file.as_ref().unwrap().leaves().iter().copied().collect();
    for (asset, cumulative) in second.file.as_ref().unwrap().leaves() {
        assert!(*cumulative >= before.get(asset).copied().unwrap_or(0), "a cumulative amount never shrinks");
    }
    assert_eq!(files.reward_file(&pool, 1).await.unwrap().unwrap().root(), second.file.as_ref().unwrap().root());

    // A different result for a published epoch is refused, and the published file stays.
    let other = EpochSpec { emission: EMISSION + 1, ..spec(0) };
    match publish_epoch(&store, &files, &devices, &other, &config(), LAG_MS).await {
        Err(EpochError::Files(FilesError::Conflict { path })) => assert!(path.ends_with("00000000000000000000.json"), "{path}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(files.reward_file_bytes(&pool, 0).await.unwrap(), first.file_bytes);

    // Anyone with the same inputs recomputes the same root...
    for epoch in [0, 1] {
        let verified = verify_epoch(&store, &files, &devices, &pool, epoch, LAG_MS).await.unwrap();
        assert_eq!(verified, Verification::Matches { root: if epoch == 0 { first.manifest.root.clone() } else { second.manifest.root.clone() } });
    }
    // ...and one whose directory lacks a device learns which leaf differs first.
    let dropped = *first.file.as_ref().unwrap().leaves().first().map(|(a, _)| a).unwrap();
    let without: BTreeMap<[u8; 32], DeviceEntry> =
        devices.iter().map(|(k, e)| (*k, if e.asset == Some(dropped.to_bytes()) { DeviceEntry { asset: None, ..*e } } else { *e })).collect();
    match verify_epoch(&store, &files, &without, &pool, 0, LAG_MS).await.unwrap() {
        Verification::Differs { first: Some(d), published_root, recomputed_root } => {
            assert_eq!(d.asset, dropped);
            assert_eq!((d.ours, d.theirs.is_some()), (None, true));
            assert_ne!(published_root, recomputed_root);
        }
        other => panic!("expected a difference, got {other:?}"),
    }
    assert!(matches!(verify_epoch(&store, &files, &devices, &pool, 5, LAG_MS).await, Err(EpochError::NotPublished { epoch: 5, .. })));
}

#[tokio::test]
async fn an_epoch_with_unverified_reports_is_not_computed() {
    let fleet = fleet();
    let (store, _dir) = sqlite_with_traffic(&fleet, 1).await;
    let spec = EpochSpec { pool: Pubkey::new_unique(), stream: RewardStream::Coverage, epoch: 0, emission: EMISSION };
    match compute(&store, &directory(&fleet), None, &spec, &config(), LAG_MS).await {
        Err(EpochError::NotVerified { unverified }) => assert!(unverified > 0),
        other => panic!("expected NotVerified, got {other:?}"),
    }
}

/// The same reports give byte-identical files on SQLite and PostgreSQL, on one core or two.
#[test]
fn the_same_inputs_give_the_same_bytes_on_every_back_end_and_core_count() {
    let fleet = fleet();
    let devices = directory(&fleet);
    let pool = Pubkey::new_from_array([7; 32]);
    let mut results: Vec<(String, Vec<u8>, Vec<u8>)> = Vec::new();
    for threads in [1, 2] {
        let cores = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        // A current-thread runtime inside the pool: every rayon call of the computation runs on
        // this pool's threads.
        let run = cores.install(|| {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                let mut out = Vec::new();
                for ((store, _dir), back_end) in support::stores().await.into_iter().zip(["SQLite", "PostgreSQL"]) {
                    store_traffic(&store, &fleet, 2).await;
                    verify_all(&store, &fleet).await;
                    let mut bytes = Vec::new();
                    for stream in [RewardStream::Coverage, RewardStream::Mapping] {
                        let spec = EpochSpec { pool, stream, epoch: 0, emission: EMISSION };
                        let computed = compute(&store, &devices, None, &spec, &config(), LAG_MS).await.unwrap();
                        bytes.push(computed.file_bytes.expect("rewards were earned"));
                    }
                    out.push((format!("{back_end} on {threads} core(s)"), bytes[0].clone(), bytes[1].clone()));
                }
                out
            })
        });
        results.extend(run);
    }
    let (first, coverage, mapping) = &results[0];
    for (run, c, m) in &results[1..] {
        assert!(c == coverage && m == mapping, "{run} differs from {first}");
    }
    assert!(results.len() >= 2);
}
