//! Reward epochs: from the verified reports of one epoch to the pool's reward file.
//!
//! The computation is deterministic: the same stored reports, device directory, previous file,
//! emission and [`RewardConfig`] give a byte-identical file and root on any machine, with any
//! number of cores, on SQLite or PostgreSQL. Everything is integer arithmetic, every collection
//! that is iterated is ordered (B-trees, sorted vectors), rows are never taken in the database's
//! order, and the rounding remainder is assigned by a fixed rule ([`allocate`]).
mod allocate;
pub mod config;
mod coverage;
mod diff;
mod files;
mod inputs;
mod mapping;
mod publish;

pub use allocate::{allocate, AllocationError};
pub use config::RewardConfig;
pub use coverage::{coverage_units, Beacon, Witness, UNIT_SCALE};
pub use diff::{first_difference, LeafDifference};
pub use files::{EpochFiles, FilesError};
pub use inputs::device_segments;
pub use mapping::{mapping_units, Segment};
pub use publish::{publish_epoch, verify_epoch, Verification};

use std::collections::BTreeMap;

use fieldproof_sdk::{Pubkey, RewardFile};
use h3o::Resolution;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::devices::DeviceEntry;
use crate::storage::{Store, StoreError};

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
    #[error("{unverified} reports of the epoch are not verified yet; compute it once the verifier has caught up")]
    NotVerified { unverified: i64 },
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

impl From<sqlx::Error> for EpochError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(e))
    }
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

/// One computed epoch: the reward file (none while nothing was ever earned), its JSON bytes and
/// the manifest.
#[derive(Debug)]
pub struct ComputedEpoch {
    pub manifest: EpochManifest,
    pub file: Option<RewardFile>,
    /// `file.to_json()`: the exact bytes published and content-hashed.
    pub file_bytes: Option<Vec<u8>>,
}

impl ComputedEpoch {
    /// sha256 of the published file's bytes.
    pub fn content_hash(&self) -> Option<[u8; 32]> {
        self.file_bytes.as_deref().map(content_hash)
    }
}

/// The result of a reading task: a task that panicked or was cancelled is an error too.
fn joined<T>(result: Result<Result<T, EpochError>, tokio::task::JoinError>) -> Result<T, EpochError> {
    result.map_err(|e| EpochError::Interrupted(e.to_string()))?
}

/// sha256 of a reward file's bytes, as the root message carries it.
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
    solana_sha256_hasher::hash(bytes).to_bytes()
}

/// Computes `spec`'s epoch from the verified reports in `store`, adding to `previous` (the
/// pool's newest reward file of an earlier epoch, if any).
///
/// `witness_lag_ms` is the verifier's `max_witness_lag_ms`: witnesses signed up to that long
/// after the window still count for the window's beacons.
pub async fn compute(
    store: &Store,
    devices: &BTreeMap<[u8; 32], DeviceEntry>,
    previous: Option<&RewardFile>,
    spec: &EpochSpec,
    config: &RewardConfig,
    witness_lag_ms: i64,
) -> Result<ComputedEpoch, EpochError> {
    config.validate().map_err(EpochError::Config)?;
    if let Some(previous) = previous {
        if previous.pool != spec.pool {
            return Err(EpochError::WrongPreviousPool { expected: spec.pool, found: previous.pool });
        }
        if previous.epoch >= spec.epoch {
            return Err(EpochError::PreviousNotEarlier { previous: previous.epoch, epoch: spec.epoch });
        }
    }
    let (start_ms, end_ms) = config.window_ms(spec.epoch).ok_or(EpochError::OutOfRange(spec.epoch))?;
    let started = std::time::Instant::now();
    let units = read_units(store, devices, spec.stream, config, (start_ms, end_ms), witness_lag_ms).await?;
    let units_done = started.elapsed();
    let (by_asset, devices_without_asset) = units_by_asset(units, devices);
    if devices_without_asset > 0 {
        tracing::warn!(pool = %spec.pool, epoch = spec.epoch, devices = devices_without_asset, "devices earned units but have no cNFT in the directory; they are paid nothing");
    }
    let earned = allocate(spec.emission, &by_asset)?;
    let file = cumulative_file(previous, spec, &earned)?;
    let cumulative_total = match &file {
        Some(f) => u64::try_from(f.cumulative_total()).map_err(|_| EpochError::TotalOverflow)?,
        None => 0,
    };
    let file_bytes = file.as_ref().map(|f| f.to_json().into_bytes());
    let manifest = EpochManifest {
        pool: spec.pool.to_string(),
        epoch: spec.epoch,
        stream: spec.stream,
        emission: spec.emission,
        window_start_ms: start_ms,
        window_end_ms: end_ms,
        previous_epoch: previous.map(|p| p.epoch),
        config: config.clone(),
        allocated: earned.values().sum(),
        earning_assets: earned.len() as u64,
        devices_without_asset,
        root: file.as_ref().map(|f| hex::encode(f.root())),
        content_hash: file_bytes.as_deref().map(|b| hex::encode(content_hash(b))),
        cumulative_total,
        leaf_count: file.as_ref().map_or(0, |f| f.leaves().len() as u64),
    };
    tracing::info!(
        pool = %spec.pool,
        epoch = spec.epoch,
        leaves = manifest.leaf_count,
        units_ms = units_done.as_millis() as u64,
        file_ms = (started.elapsed() - units_done).as_millis() as u64,
        "epoch computed"
    );
    Ok(ComputedEpoch { manifest, file, file_bytes })
}

/// Every earning device's units of the window `[start_ms, end_ms)`, read from the store.
async fn read_units(
    store: &Store,
    devices: &BTreeMap<[u8; 32], DeviceEntry>,
    stream: RewardStream,
    config: &RewardConfig,
    (start_ms, end_ms): (i64, i64),
    witness_lag_ms: i64,
) -> Result<BTreeMap<[u8; 32], u128>, EpochError> {
    Ok(match stream {
        RewardStream::Coverage => {
            let witnesses_end = end_ms.saturating_add(witness_lag_ms);
            let read = std::time::Instant::now();
            inputs::ensure_verified(store, start_ms, witnesses_end).await?;
            // Two connections read at once, each on its own thread.
            let (beacons, witnesses) = {
                let (b, w) = (store.clone(), store.clone());
                let beacons = tokio::spawn(async move { inputs::beacons(&b, start_ms, end_ms).await });
                let witnesses = tokio::spawn(async move { inputs::witnesses(&w, start_ms, witnesses_end).await });
                (joined(beacons.await)?, joined(witnesses.await)?)
            };
            tracing::info!(beacons = beacons.len(), witnesses = witnesses.len(), read_ms = read.elapsed().as_millis() as u64, "epoch inputs read");
            coverage_units(&beacons, &witnesses, |d| devices.get(d).and_then(|e| e.location_h3), config)
        }
        RewardStream::Mapping => {
            inputs::ensure_verified(store, start_ms, end_ms).await?;
            let resolution = Resolution::try_from(config.mapping_resolution).map_err(|e| EpochError::Config(e.to_string()))?;
            let lookback_ms = config.length_secs.saturating_mul(1_000).saturating_mul(i64::try_from(config.novelty_epochs).unwrap_or(i64::MAX));
            let read = std::time::Instant::now();
            let earlier = inputs::segments(store, start_ms.saturating_sub(lookback_ms), start_ms, resolution).await?;
            let segments = inputs::segments(store, start_ms, end_ms, resolution).await?;
            tracing::info!(earlier = earlier.len(), segments = segments.len(), read_ms = read.elapsed().as_millis() as u64, "epoch inputs read");
            mapping_units(&earlier, &segments, config)
        }
    })
}

/// Units per asset (summed where two devices share one), and how many earning devices have none.
fn units_by_asset(units: BTreeMap<[u8; 32], u128>, devices: &BTreeMap<[u8; 32], DeviceEntry>) -> (BTreeMap<[u8; 32], u128>, u64) {
    // A directory lookup per device: spread over every core.
    let found: Vec<Option<([u8; 32], u128)>> = units.par_iter().map(|(device, u)| devices.get(device).and_then(|e| e.asset).map(|asset| (asset, *u))).collect();
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

/// The previous file's cumulative amounts plus this epoch's, every asset that ever earned in
/// asset order; none while nothing was ever earned.
fn cumulative_file(previous: Option<&RewardFile>, spec: &EpochSpec, earned: &BTreeMap<[u8; 32], u64>) -> Result<Option<RewardFile>, EpochError> {
    let mut cumulative: BTreeMap<[u8; 32], u64> = previous.map(|p| p.leaves().iter().map(|(a, v)| (a.to_bytes(), *v)).collect()).unwrap_or_default();
    for (asset, amount) in earned {
        let entry = cumulative.entry(*asset).or_default();
        *entry = entry.checked_add(*amount).ok_or(EpochError::CumulativeOverflow(Pubkey::new_from_array(*asset)))?;
    }
    let leaves: Vec<(Pubkey, u64)> = cumulative.into_iter().map(|(a, v)| (Pubkey::new_from_array(a), v)).collect();
    if leaves.is_empty() {
        return Ok(None);
    }
    RewardFile::new(spec.pool, spec.epoch, leaves).map(Some).map_err(|e| EpochError::CorruptStore(e.to_string()))
}
