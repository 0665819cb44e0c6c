//! Reward epochs: from one epoch's reports to the pool's reward file.
//!
//! The computation is a pure function of the epoch's input: the reports of its window (each once,
//! whatever the order they arrived in), the chain facts it records (the device
//! directory at a slot, the blocks its reports' entropy names, the denylist), the rules'
//! configuration, the emission and the previous epoch's file. The same input gives a
//! byte-identical file and root on any machine, with any number of cores, on SQLite or
//! PostgreSQL: everything is integer arithmetic, every collection that is iterated is ordered
//! (B-trees, sorted vectors), and the rounding remainder is assigned by a fixed rule
//! ([`allocate`]). The manifest names every input by its content hash, and the inputs that are
//! not reports are published beside it, so `verify-epoch` recomputes the epoch from the
//! published objects and the reports alone.
mod allocate;
pub mod config;
mod coverage;
mod diff;
mod files;
mod inputs;
mod mapping;
mod publish;

pub use allocate::{allocate, AllocationError};
/// sha256 of a reward file's (or any published object's) bytes, as the root message carries it.
pub use fieldproof_sdk::content_hash;
pub use config::RewardConfig;
pub use coverage::{coverage_units, Beacon, Witness, UNIT_SCALE};
pub use diff::{first_difference, LeafDifference};
pub use files::{EpochFiles, FilesError};
pub use inputs::{device_cells, entropy_slots, input_digest, log_reports, read_reports, ReportSet};
pub use mapping::{mapping_units, MappedCells};
pub use publish::{previous_cells, publish_computed, publish_epoch, verify_epoch, EpochInputs, Verification};

use std::collections::BTreeMap;

use bytes::Bytes;
use fieldproof_sdk::{Pubkey, RewardFile};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::chain_blocks::{BlockCache, BlockError};
use crate::storage::StoreError;
use crate::verify::{Blocks, ChainFacts, Judged, VerificationConfig, Window};

/// Which reward stream a pool pays: the rules that turn reports into units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum RewardStream {
    /// Hotspots: beacons heard and witnesses given.
    Coverage,
    /// Dashcams: cells mapped, fresh ones worth more.
    Mapping,
}

/// One pool's epoch to compute, and the tokens the treasury emitted into the pool for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochSpec {
    pub pool: Pubkey,
    pub stream: RewardStream,
    pub epoch: u64,
    pub emission: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum EpochError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("the chain's blocks: {0}")]
    Blocks(#[from] BlockError),
    #[error("the report log: {0}")]
    Log(String),
    #[error("published input {path} is not what the manifest names: {reason}")]
    InputMismatch { path: String, reason: String },
    #[error("the store holds a report it cannot read back: {0}")]
    CorruptStore(String),
    #[error("reading the epoch's reports was interrupted: {0}")]
    Interrupted(String),
    #[error("epoch {0} is outside the representable time range of the epoch configuration")]
    OutOfRange(u64),
    #[error("invalid epoch configuration: {0}")]
    Config(String),
    #[error("the previous reward file is of pool {found}, not {expected}")]
    WrongPreviousPool { expected: Pubkey, found: Pubkey },
    #[error("the previous reward file is of epoch {previous}, not before epoch {epoch}")]
    PreviousNotEarlier { previous: u64, epoch: u64 },
    #[error(transparent)]
    Allocation(#[from] AllocationError),
    #[error("asset {0}'s cumulative reward overflows 64 bits")]
    CumulativeOverflow(Pubkey),
    #[error("the epoch's cumulative total overflows 64 bits")]
    TotalOverflow,
    #[error(transparent)]
    Files(#[from] FilesError),
    #[error("epoch {epoch} of pool {pool} is not published")]
    NotPublished { pool: Pubkey, epoch: u64 },
}

/// What was computed, and the inputs that anyone can use to compute it again: published next to
/// the reward file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochManifest {
    pub pool: String,
    pub epoch: u64,
    pub stream: RewardStream,
    pub emission: u64,
    /// The reports signed in `[window_start_ms, window_end_ms)` are the epoch's.
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    /// The epoch of the reward file whose cumulative amounts this one adds to.
    pub previous_epoch: Option<u64>,
    pub config: RewardConfig,
    pub input: InputManifest,
    /// Mapping pools: the mapped-cells state this epoch started from and the one it left
    /// (sha256, hex; published as `rewards/<pool>/<epoch>.cells.bin`).
    pub previous_cells: Option<String>,
    pub cells: Option<String>,
    /// Reports judged valid, and the refused ones by reason.
    pub valid: u64,
    pub refused: BTreeMap<String, u64>,
    /// Tokens this epoch allocated (the emission, or nothing when no asset earned).
    pub allocated: u64,
    /// Assets that earned this epoch.
    pub earning_assets: u64,
    /// Devices whose reports earned units but that have no cNFT in the directory: paid nothing.
    pub devices_without_asset: u64,
    /// Of the reward file; absent when no asset has ever earned in this pool.
    pub root: Option<String>,
    pub content_hash: Option<String>,
    pub cumulative_total: u64,
    pub leaf_count: u64,
}

/// The epoch's input besides the reward configuration: the reports (how many, and the digest of
/// their ids), and the content hashes of the published chain facts and rules it was judged by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputManifest {
    /// The log segments the reports were read from (sha256, hex, in order): the union of every
    /// oracle's sealed segments of the buckets the epoch's reports span.
    pub segments: Vec<String>,
    /// Reports of the window and span read from them.
    pub reports: u64,
    /// sha256 over the report ids ([`input_digest`]), hex.
    pub digest: String,
    /// The chain time (unix ms) the device directory is as of: the epoch's end (none for a
    /// devices file).
    pub directory_as_of_ms: Option<i64>,
    /// `inputs/directory/<hash>.bin`: the directory snapshot.
    pub directory: String,
    /// `inputs/blocks/<hash>.json`: the blocks the reports' entropy names.
    pub blocks: String,
    /// `inputs/denylist/<hash>.json`: the denylisted keys.
    pub denylist: String,
    pub verification: VerificationConfig,
}

/// The objects an epoch's manifest names besides the reward file, with their bytes.
#[derive(Debug, Default)]
pub struct InputObjects {
    pub directory: Bytes,
    pub blocks: Bytes,
    pub denylist: Bytes,
    pub cells: Option<Bytes>,
}

/// The content hash of an object, hex, as manifests name it.
fn hash_hex(bytes: &[u8]) -> String {
    hex::encode(content_hash(bytes))
}

/// The content hashes of an epoch's [`InputObjects`], hex, as its manifest names them.
struct ObjectHashes {
    directory: String,
    blocks: String,
    denylist: String,
    cells: Option<String>,
}

impl InputObjects {
    fn with_hashes(self) -> (Self, ObjectHashes) {
        let hashes = ObjectHashes {
            directory: hash_hex(&self.directory),
            blocks: hash_hex(&self.blocks),
            denylist: hash_hex(&self.denylist),
            cells: self.cells.as_deref().map(hash_hex),
        };
        (self, hashes)
    }
}

/// One computed epoch: the reward file (none while nothing was ever earned), its JSON bytes, the
/// manifest, the input objects, and the verdicts.
#[derive(Debug)]
pub struct ComputedEpoch {
    pub manifest: EpochManifest,
    pub file: Option<RewardFile>,
    /// `file.to_json()`: the exact bytes published and content-hashed.
    pub file_bytes: Option<Bytes>,
    pub objects: InputObjects,
    /// Every report of the epoch's window, judged.
    pub verdicts: Vec<Judged>,
}

impl ComputedEpoch {
    /// sha256 of the published file's bytes.
    pub fn content_hash(&self) -> Option<[u8; 32]> {
        self.file_bytes.as_deref().map(content_hash)
    }
}

/// Where an epoch's blocks come from: the chain (through the store's cache), or the ones a
/// published manifest recorded.
pub enum BlockFacts<'a> {
    Chain(&'a BlockCache),
    Recorded(&'a Blocks),
}

impl BlockFacts<'_> {
    async fn blocks(&self, slots: &std::collections::BTreeSet<u64>) -> Result<Blocks, EpochError> {
        match self {
            Self::Chain(cache) => Ok(cache.blocks(slots).await?),
            Self::Recorded(recorded) => Ok(slots.iter().map(|s| (*s, recorded.get(s).copied().flatten())).collect()),
        }
    }
}

/// What an epoch starts from: the pool's newest reward file before it, and (mapping) the
/// mapped-cells state that epoch left.
#[derive(Debug, Default)]
pub struct Previous {
    pub file: Option<RewardFile>,
    pub cells: Option<MappedCells>,
}

/// Computes `spec`'s epoch from its reports in the log segments `inputs` names, judged by
/// `inputs`, adding to `previous`.
pub async fn compute(
    inputs: &EpochInputs<'_>,
    previous: &Previous,
    spec: &EpochSpec,
    config: &RewardConfig,
) -> Result<ComputedEpoch, EpochError> {
    config.validate().map_err(EpochError::Config)?;
    inputs.verification.validate().map_err(EpochError::Config)?;
    if let Some(previous) = &previous.file {
        if previous.pool != spec.pool {
            return Err(EpochError::WrongPreviousPool { expected: spec.pool, found: previous.pool });
        }
        if previous.epoch >= spec.epoch {
            return Err(EpochError::PreviousNotEarlier { previous: previous.epoch, epoch: spec.epoch });
        }
    }
    let (start_ms, end_ms) = config.window_ms(spec.epoch).ok_or(EpochError::OutOfRange(spec.epoch))?;
    let window = Window { start_ms, end_ms };
    let started = std::time::Instant::now();
    let (kinds, span) = stream_input(spec.stream, window, inputs.verification);
    let reports = log_reports(&inputs.reports, kinds, span).await?;
    let segments_read = started.elapsed();
    let report_count = reports.len() as u64;
    // The digest sorts every id: done on a thread of its own while the blocks are read.
    let ids = inputs::report_ids(&reports);
    let digest = tokio::task::spawn_blocking(move || inputs::digest_of(ids));
    let blocks = inputs.blocks.blocks(&inputs::entropy_slots(&reports)).await?;
    let digest = digest.await.map_err(|e| EpochError::Interrupted(format!("the input digest: {e}")))?;
    let read = started.elapsed();
    let facts = ChainFacts::new(&inputs.directory.entries, &blocks, inputs.denylist);
    let (units, verdicts, cells) = match spec.stream {
        RewardStream::Coverage => {
            let judged = crate::verify::judge_coverage(reports, window, &facts, inputs.verification);
            let units = coverage_units(&judged.beacons, &judged.witnesses, |d| facts.asserted_cell(d), &judged.selection_seed, config);
            (units, judged.verdicts, None)
        }
        RewardStream::Mapping => {
            let judged = crate::verify::judge_mapping(reports, window, &facts, inputs.verification);
            let start = previous.cells.clone().unwrap_or_default();
            let (units, cells) = mapping_units(&start, &judged.segments, spec.epoch, config).map_err(EpochError::Config)?;
            (units, judged.verdicts, Some((start, cells)))
        }
    };
    let judged_at = started.elapsed();
    // The input objects and their hashes depend on the input alone: built beside the reward file.
    let (objects, paid) = rayon::join(
        || InputObjects {
            directory: inputs.directory.to_bytes().into(),
            blocks: serde_json::to_vec(&blocks).unwrap_or_default().into(),
            denylist: inputs.denylist.to_json().into(),
            cells: cells.as_ref().map(|(_, after)| after.to_bytes().into()),
        }
        .with_hashes(),
        || reward_file(units, |d| facts.entry(d).and_then(|e| e.asset), previous.file.as_ref(), spec),
    );
    let (objects, hashes) = objects;
    let Paid { earned, file, file_bytes, devices_without_asset } = paid?;
    if devices_without_asset > 0 {
        tracing::warn!(pool = %spec.pool, epoch = spec.epoch, devices = devices_without_asset, "devices earned units but have no cNFT in the directory; they are paid nothing");
    }
    let cumulative_total = match &file {
        Some(f) => u64::try_from(f.cumulative_total()).map_err(|_| EpochError::TotalOverflow)?,
        None => 0,
    };
    let mut refused: BTreeMap<String, u64> = BTreeMap::new();
    for reason in verdicts.iter().filter_map(|v| v.reason) {
        *refused.entry(reason.code().to_string()).or_default() += 1;
    }
    let manifest = EpochManifest {
        pool: spec.pool.to_string(),
        epoch: spec.epoch,
        stream: spec.stream,
        emission: spec.emission,
        window_start_ms: start_ms,
        window_end_ms: end_ms,
        previous_epoch: previous.file.as_ref().map(|p| p.epoch),
        config: config.clone(),
        input: InputManifest {
            segments: inputs.reports.segments.iter().map(hex::encode).collect(),
            reports: report_count,
            digest: hex::encode(digest),
            directory_as_of_ms: inputs.directory.as_of_ms,
            directory: hashes.directory,
            blocks: hashes.blocks,
            denylist: hashes.denylist,
            verification: inputs.verification.clone(),
        },
        previous_cells: cells.as_ref().map(|(before, _)| hash_hex(&before.to_bytes())),
        cells: hashes.cells,
        valid: verdicts.iter().filter(|v| v.reason.is_none()).count() as u64,
        refused,
        allocated: earned.values().sum(),
        earning_assets: earned.len() as u64,
        devices_without_asset,
        root: file.as_ref().map(|f| hex::encode(f.root())),
        content_hash: file_bytes.as_deref().map(hash_hex),
        cumulative_total,
        leaf_count: file.as_ref().map_or(0, |f| f.leaves().len() as u64),
    };
    tracing::info!(
        pool = %spec.pool,
        epoch = spec.epoch,
        reports = report_count,
        leaves = manifest.leaf_count,
        read_ms = segments_read.as_millis() as u64,
        blocks_ms = (read - segments_read).as_millis() as u64,
        judge_ms = (judged_at - read).as_millis() as u64,
        file_ms = (started.elapsed() - judged_at).as_millis() as u64,
        "epoch computed"
    );
    Ok(ComputedEpoch { manifest, file, file_bytes, objects, verdicts })
}

/// The report kinds a stream judges, and the signed-time span of them its window needs.
pub fn stream_input(stream: RewardStream, window: Window, verification: &VerificationConfig) -> (&'static [fieldproof_reports::ReportKind], Window) {
    use fieldproof_reports::ReportKind::*;
    match stream {
        RewardStream::Coverage => (&[Beacon, Witness, Heartbeat, DataTransfer], crate::verify::coverage_span(window, verification)),
        RewardStream::Mapping => (&[MappingSegment], crate::verify::mapping_span(window, verification)),
    }
}

impl RewardStream {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Coverage => "coverage",
            Self::Mapping => "mapping",
        }
    }
}

/// Units per asset (summed where two devices share one), and how many earning devices have none.
fn units_by_asset(units: BTreeMap<[u8; 32], u128>, asset_of: impl Fn(&[u8; 32]) -> Option<[u8; 32]> + Sync) -> (BTreeMap<[u8; 32], u128>, u64) {
    // A directory lookup per device: spread over every core.
    let found: Vec<Option<([u8; 32], u128)>> = units.par_iter().map(|(device, u)| asset_of(device).map(|asset| (asset, *u))).collect();
    let devices_without_asset = found.iter().filter(|f| f.is_none()).count() as u64;
    let mut assets: Vec<([u8; 32], u128)> = found.into_iter().flatten().collect();
    // Sorted, then merged: the map is bulk-built from ordered, distinct keys.
    assets.par_sort_unstable();
    let mut merged: Vec<([u8; 32], u128)> = Vec::with_capacity(assets.len());
    for (asset, u) in assets {
        match merged.last_mut() {
            Some((last, sum)) if *last == asset => *sum += u,
            _ => merged.push((asset, u)),
        }
    }
    (merged.into_iter().collect(), devices_without_asset)
}

/// What an epoch pays: the tokens each asset earned, the cumulative file (and its exact bytes),
/// and how many earning devices have no asset.
struct Paid {
    earned: BTreeMap<[u8; 32], u64>,
    file: Option<RewardFile>,
    file_bytes: Option<Bytes>,
    devices_without_asset: u64,
}

/// The units of the epoch's devices, paid to their assets out of the emission and added to the
/// previous file.
fn reward_file(
    units: BTreeMap<[u8; 32], u128>,
    asset_of: impl Fn(&[u8; 32]) -> Option<[u8; 32]> + Sync,
    previous: Option<&RewardFile>,
    spec: &EpochSpec,
) -> Result<Paid, EpochError> {
    let (by_asset, devices_without_asset) = units_by_asset(units, asset_of);
    let earned = allocate(spec.emission, &by_asset)?;
    let file = cumulative_file(previous, spec, &earned)?;
    let file_bytes = file.as_ref().map(|f| Bytes::from(f.to_json().into_bytes()));
    Ok(Paid { earned, file, file_bytes, devices_without_asset })
}

/// The previous file's cumulative amounts plus this epoch's, every asset that ever earned in
/// asset order; none while nothing was ever earned.
fn cumulative_file(previous: Option<&RewardFile>, spec: &EpochSpec, earned: &BTreeMap<[u8; 32], u64>) -> Result<Option<RewardFile>, EpochError> {
    let mut before: Vec<(Pubkey, u64)> = previous.map(|p| p.leaves().to_vec()).unwrap_or_default();
    // A file this oracle wrote is in asset order; one adopted from a peer is put in it.
    if !before.is_sorted_by(|a, b| a.0 < b.0) {
        before.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    }
    // Both lists in asset order, merged.
    let mut leaves: Vec<(Pubkey, u64)> = Vec::with_capacity(before.len().max(earned.len()));
    let mut before = before.into_iter().peekable();
    for (asset, amount) in earned {
        let asset = Pubkey::new_from_array(*asset);
        while let Some(leaf) = before.next_if(|(a, _)| *a < asset) {
            leaves.push(leaf);
        }
        let sum = match before.next_if(|(a, _)| *a == asset) {
            Some((_, had)) => had.checked_add(*amount).ok_or(EpochError::CumulativeOverflow(asset))?,
            None => *amount,
        };
        leaves.push((asset, sum));
    }
    leaves.extend(before);
    if leaves.is_empty() {
        return Ok(None);
    }
    RewardFile::new(spec.pool, spec.epoch, leaves).map(Some).map_err(|e| EpochError::CorruptStore(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(epoch: u64) -> EpochSpec {
        EpochSpec { pool: Pubkey::new_from_array([9; 32]), stream: RewardStream::Coverage, epoch, emission: 0 }
    }

    fn key(n: u8) -> Pubkey {
        Pubkey::new_from_array([n; 32])
    }

    #[test]
    fn a_cumulative_file_adds_the_epoch_to_every_earlier_amount_in_asset_order() {
        // A previous file not in asset order (as a peer's could be), an asset that earns again,
        // one that earns for the first time, and one that earns nothing this epoch.
        let previous = RewardFile::new(spec(0).pool, 0, vec![(key(5), 50), (key(1), 10), (key(3), 30)]).unwrap();
        let earned: BTreeMap<[u8; 32], u64> = [([3; 32], 3), ([4; 32], 4), ([6; 32], 6)].into_iter().collect();
        let file = cumulative_file(Some(&previous), &spec(1), &earned).unwrap().unwrap();
        assert_eq!(file.leaves(), &[(key(1), 10), (key(3), 33), (key(4), 4), (key(5), 50), (key(6), 6)]);
        assert_eq!(cumulative_file(None, &spec(1), &BTreeMap::new()).unwrap().map(|f| f.leaves().len()), None, "nothing ever earned: no file");
        let full = RewardFile::new(spec(0).pool, 0, vec![(key(3), u64::MAX)]).unwrap();
        assert!(matches!(cumulative_file(Some(&full), &spec(1), &earned), Err(EpochError::CumulativeOverflow(a)) if a == key(3)));
    }
}
