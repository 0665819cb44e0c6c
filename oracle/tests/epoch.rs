//! Reward epochs over a seeded simulated fleet with a cheater of every class: exact totals,
//! cheaters paid nothing and refused with their reasons, cumulative amounts across epochs,
//! write-once publishing, `verify-epoch` from the published inputs alone, and determinism across
//! storage back ends and core counts.
mod support;

use std::collections::BTreeMap;

use fieldproof_oracle::chain_blocks::BlockCache;
use fieldproof_oracle::devices::DirectorySnapshot;
use fieldproof_oracle::epoch::{
    compute, publish_epoch, verify_epoch, BlockFacts, EpochError, EpochFiles, EpochInputs, EpochSpec, FilesError, Previous, ReportSet, RewardConfig, RewardStream,
    Verification,
};
use fieldproof_oracle::objects::Objects;
use fieldproof_oracle::verify::Window;
use fieldproof_oracle::simulate::{Fleet, Role};
use fieldproof_oracle::storage::Store;
use fieldproof_oracle::verify::{Denylist, VerificationConfig};
use fieldproof_sdk::Pubkey;
use support::fleet::{asset_of, fleet};

/// Epoch 0 starts here (Unix seconds); epochs last half an hour, three beacon rounds.
const START_TS: i64 = 1_800_000_000;
const EMISSION: u64 = 1_000_000;

fn config() -> RewardConfig {
    RewardConfig { start_ts: START_TS, length_secs: 1_800, ..RewardConfig::default() }
}

/// What an epoch is computed from: the oracle's log, the fleet's directory, no denylist, the
/// default rules, the simulated chain's blocks.
struct Facts {
    log: Objects,
    store: Store,
    directory: DirectorySnapshot,
    denylist: Denylist,
    verification: VerificationConfig,
    blocks: BlockCache,
}

impl Facts {
    fn of(fleet: &Fleet, store: &Store, log: &Objects) -> Self {
        Self {
            log: log.clone(),
            store: store.clone(),
            directory: support::fleet::directory(fleet).snapshot(),
            denylist: Denylist::default(),
            verification: VerificationConfig::default(),
            blocks: support::fleet::blocks(store),
        }
    }

    /// The log segments of `stream`'s `epoch`.
    async fn segments(&self, stream: RewardStream, epoch: u64) -> Vec<[u8; 32]> {
        let (start_ms, end_ms) = config().window_ms(epoch).unwrap();
        support::fleet::segments(&self.store, stream, Window { start_ms, end_ms }).await
    }

    fn inputs<'a>(&'a self, segments: &'a [[u8; 32]]) -> EpochInputs<'a> {
        EpochInputs {
            reports: ReportSet { objects: &self.log, segments },
            directory: &self.directory,
            denylist: &self.denylist,
            verification: &self.verification,
            blocks: BlockFacts::Chain(&self.blocks),
        }
    }
}

/// Ingests `rounds` ten-minute rounds of the fleet's traffic from a minute into epoch 0 into
/// `store` and the log in `dir`.
async fn store_traffic(store: &Store, dir: &std::path::Path, fleet: &Fleet, rounds: u64) -> Objects {
    let log = support::fleet::open_log(store, dir).await;
    let traffic = support::fleet::traffic(fleet, u64::try_from(START_TS).unwrap() * 1_000 + 60_000, rounds);
    support::fleet::ingest(&log.writer, &log.sealer, &traffic).await;
    log.objects
}

async fn sqlite_with_traffic(fleet: &Fleet, rounds: u64) -> (Store, Objects, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("o.sqlite").display())).await.unwrap();
    let log = store_traffic(&store, dir.path(), fleet, rounds).await;
    (store, log, dir)
}

fn assets_where(fleet: &Fleet, keep: impl Fn(Role) -> bool, kind: fieldproof_oracle::devices::DeviceKind) -> Vec<(Role, Pubkey)> {
    fleet
        .devices
        .iter()
        .filter(|d| keep(d.role) && d.kind == kind)
        .map(|d| (d.role, Pubkey::new_from_array(asset_of(&d.key.verifying_key().to_bytes()))))
        .collect()
}

#[tokio::test]
async fn an_epoch_pays_its_emission_exactly_to_honest_devices_and_nothing_to_cheaters() {
    use fieldproof_oracle::devices::DeviceKind::{Hotspot, Mapper};
    let fleet = fleet();
    let (store, log, _dir) = sqlite_with_traffic(&fleet, 3).await;
    let facts = Facts::of(&fleet, &store, &log);

    let pool = Pubkey::new_unique();
    for (stream, kind, reasons) in [
        (
            RewardStream::Coverage,
            Hotspot,
            // Spoofers, location liars, power liars, loud witnesses, fabricators, grinders, self-dealers.
            &["witness_too_far", "location_mismatch", "out_of_region_plan", "rssi_above_free_space", "unknown_entropy", "witness_too_close", "invalid_beacon", "session_not_countersigned"][..],
        ),
        // Teleporters, stitchers, overlappers, backdaters and stale-track senders.
        (RewardStream::Mapping, Mapper, &["position_jump", "track_discontinuity", "segment_overlap", "stale_track"][..]),
    ] {
        let spec = EpochSpec { pool, stream, epoch: 0, emission: EMISSION };
        let segments = facts.segments(stream, 0).await;
        let computed = compute(&facts.inputs(&segments), &Previous::default(), &spec, &config()).await.unwrap();
        let file = computed.file.as_ref().expect("the honest fleet earned");
        let paid: BTreeMap<Pubkey, u64> = file.leaves().iter().copied().collect();
        assert_eq!(paid.values().sum::<u64>(), EMISSION, "{stream:?}: the emission is paid exactly");
        assert_eq!(computed.manifest.allocated, EMISSION);
        assert_eq!(computed.manifest.cumulative_total, EMISSION);
        for (role, asset) in assets_where(&fleet, Role::earns_nothing, kind) {
            assert_eq!(paid.get(&asset), None, "{stream:?}: a {role:?} was paid");
        }
        let honest = assets_where(&fleet, |r| r == Role::Honest, kind);
        assert!(honest.iter().all(|(_, a)| paid.get(a).is_some_and(|v| *v > 0)), "{stream:?}: every honest device earned");
        for reason in reasons {
            assert!(computed.manifest.refused.contains_key(*reason), "{stream:?}: no report refused with {reason}: {:?}", computed.manifest.refused);
        }
        let mut sorted = file.leaves().to_vec();
        sorted.sort_by_key(|(asset, _)| *asset);
        assert_eq!(file.leaves(), &sorted[..], "leaves are in asset order");
        assert_eq!(computed.content_hash().map(hex::encode), computed.manifest.content_hash);
    }
}

#[tokio::test]
async fn epochs_add_up_publish_once_and_verify_from_their_published_inputs() {
    let fleet = fleet();
    let (store, log, dir) = sqlite_with_traffic(&fleet, 6).await;
    let facts = Facts::of(&fleet, &store, &log);
    let files = EpochFiles::open(dir.path().join("epochs").to_str().unwrap()).unwrap();
    let pool = Pubkey::new_unique();
    let spec = |epoch: u64| EpochSpec { pool, stream: RewardStream::Coverage, epoch, emission: EMISSION };
    let (segments_0, segments_1) = (facts.segments(RewardStream::Coverage, 0).await, facts.segments(RewardStream::Coverage, 1).await);

    let first = publish_epoch(&store, &files, &facts.inputs(&segments_0), &spec(0), &config()).await.unwrap();
    let again = publish_epoch(&store, &files, &facts.inputs(&segments_0), &spec(0), &config()).await.unwrap();
    assert_eq!(again.file_bytes, first.file_bytes, "a rerun publishes the same bytes and changes nothing");
    let second = publish_epoch(&store, &files, &facts.inputs(&segments_1), &spec(1), &config()).await.unwrap();
    assert_eq!(second.manifest.previous_epoch, Some(0));
    assert_eq!(second.manifest.cumulative_total, 2 * EMISSION, "cumulative over both epochs");
    let before: BTreeMap<Pubkey, u64> = first.file.as_ref().unwrap().leaves().iter().copied().collect();
    for (asset, cumulative) in second.file.as_ref().unwrap().leaves() {
        assert!(*cumulative >= before.get(asset).copied().unwrap_or(0), "a cumulative amount never shrinks");
    }
    assert_eq!(files.reward_file(&pool, 1).await.unwrap().unwrap().root(), second.file.as_ref().unwrap().root());
    let refused = store.refusals(&fleet.devices.iter().find(|d| d.role == Role::LocationLiar).unwrap().key.verifying_key().to_bytes(), 1_000).await.unwrap();
    assert!(refused.iter().any(|r| r.reason == "location_mismatch" && !r.explanation.is_empty()), "the owner reads why: {refused:?}");

    // A different result for a published epoch is refused, and the published file stays.
    let other = EpochSpec { emission: EMISSION + 1, ..spec(0) };
    match publish_epoch(&store, &files, &facts.inputs(&segments_0), &other, &config()).await {
        Err(EpochError::Files(FilesError::Conflict { path })) => assert!(path.ends_with("00000000000000000000.json"), "{path}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(files.reward_file_bytes(&pool, 0).await.unwrap().as_deref(), first.file_bytes.as_deref());

    // Anyone with read access to the log and the epoch store recomputes the same root: no
    // database, no chain, no directory, no configuration of their own...
    let fresh_log = Objects::open(dir.path().join("log").to_str().unwrap()).unwrap();
    for (epoch, computed) in [(0, &first), (1, &second)] {
        let verified = verify_epoch(&fresh_log, &files, &pool, epoch).await.unwrap();
        assert_eq!(verified, Verification::Matches { root: computed.manifest.root.clone() });
    }
    assert!(matches!(verify_epoch(&fresh_log, &files, &pool, 5).await, Err(EpochError::NotPublished { epoch: 5, .. })));
    // ...a log that lacks a segment the manifest names is an error, not another root...
    let segment = dir.path().join("log").join(fieldproof_oracle::log::segment_path(&segments_0[0]).as_ref());
    let kept = std::fs::read(&segment).unwrap();
    std::fs::remove_file(&segment).unwrap();
    assert!(matches!(verify_epoch(&fresh_log, &files, &pool, 0).await, Err(EpochError::Log(_))));
    std::fs::write(&segment, kept).unwrap();
    // ...and a published input that is not what the manifest names is refused, not used.
    let directory = EpochFiles::directory_path(&first.manifest.input.directory);
    std::fs::write(dir.path().join("epochs").join(directory.as_ref()), b"tampered").unwrap();
    assert!(matches!(verify_epoch(&fresh_log, &files, &pool, 0).await, Err(EpochError::Files(FilesError::Malformed { .. }))));
}

#[tokio::test]
async fn mapping_epochs_hand_their_mapped_cells_to_the_next() {
    let fleet = fleet();
    let (store, log, dir) = sqlite_with_traffic(&fleet, 6).await;
    let facts = Facts::of(&fleet, &store, &log);
    let files = EpochFiles::open(dir.path().join("epochs").to_str().unwrap()).unwrap();
    let pool = Pubkey::new_unique();
    let spec = |epoch: u64| EpochSpec { pool, stream: RewardStream::Mapping, epoch, emission: EMISSION };
    let (segments_0, segments_1) = (facts.segments(RewardStream::Mapping, 0).await, facts.segments(RewardStream::Mapping, 1).await);
    let first = publish_epoch(&store, &files, &facts.inputs(&segments_0), &spec(0), &config()).await.unwrap();
    let second = publish_epoch(&store, &files, &facts.inputs(&segments_1), &spec(1), &config()).await.unwrap();
    assert!(first.manifest.cells.is_some());
    assert_eq!(second.manifest.previous_cells, first.manifest.cells, "epoch 1 starts from the cells epoch 0 left");
    // Both recompute from what was published: the first from the empty state its manifest names.
    assert_eq!(verify_epoch(&log, &files, &pool, 0).await.unwrap(), Verification::Matches { root: first.manifest.root.clone() });
    assert_eq!(verify_epoch(&log, &files, &pool, 1).await.unwrap(), Verification::Matches { root: second.manifest.root.clone() });
}

/// The same reports give byte-identical files on SQLite and PostgreSQL, on one core or two.
#[test]
fn the_same_inputs_give_the_same_bytes_on_every_back_end_and_core_count() {
    let fleet = fleet();
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
                    let logs = tempfile::tempdir().unwrap();
                    let log = store_traffic(&store, logs.path(), &fleet, 2).await;
                    let facts = Facts::of(&fleet, &store, &log);
                    let mut bytes = Vec::new();
                    for stream in [RewardStream::Coverage, RewardStream::Mapping] {
                        let spec = EpochSpec { pool, stream, epoch: 0, emission: EMISSION };
                        let segments = facts.segments(stream, 0).await;
                        let computed = compute(&facts.inputs(&segments), &Previous::default(), &spec, &config()).await.unwrap();
                        bytes.push(computed.file_bytes.expect("rewards were earned").to_vec());
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

/// An epoch's beacons name many blocks the store lacks: they are all read from the chain, each
/// the chain's, and kept, so the next epoch reads them from the store (here a chain with another
/// seed would give other hashes, and does not get asked). More slots than one statement holds, a
/// slot beyond the chain among them, in both back ends.
#[tokio::test]
async fn blocks_the_store_lacks_are_read_from_the_chain_and_kept() {
    use fieldproof_oracle::chain_blocks::{BlockSource, SimulatedChain};
    for (store, _dir) in support::stores().await {
        let chain = SimulatedChain::default();
        let slots: std::collections::BTreeSet<u64> = (0..1_000u64).map(|i| 1_000 + 7 * i).chain([u64::MAX]).collect();
        let cache = BlockCache { store: store.clone(), source: BlockSource::Simulated(chain.clone()) };
        let read = cache.blocks(&slots).await.unwrap();
        assert_eq!(read.len(), slots.len());
        for slot in &slots {
            assert_eq!(read[slot], chain.block(*slot), "slot {slot}");
        }
        assert_eq!(read[&u64::MAX], None, "beyond the chain: kept as no block");

        let other = SimulatedChain { seed: "another chain".into(), ..SimulatedChain::default() };
        assert_ne!(other.block(1_000), chain.block(1_000));
        let kept = BlockCache { store: store.clone(), source: BlockSource::Simulated(other) };
        assert_eq!(kept.blocks(&slots).await.unwrap(), read, "every block came from the store");
    }
}
