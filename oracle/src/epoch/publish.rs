//! Computing an epoch against what is already published, and checking a published one.
use std::collections::BTreeMap;

use fieldproof_sdk::Pubkey;

use super::{compute, first_difference, ComputedEpoch, EpochError, EpochFiles, EpochSpec, LeafDifference, RewardConfig};
use crate::devices::DeviceEntry;
use crate::storage::Store;

/// Computes `spec`'s epoch on top of the pool's newest published file before it and publishes
/// the result. Safe to rerun: the same result is already in place and nothing changes; a
/// different one is refused ([`super::FilesError::Conflict`]).
pub async fn publish_epoch(
    store: &Store,
    files: &EpochFiles,
    devices: &BTreeMap<[u8; 32], DeviceEntry>,
    spec: &EpochSpec,
    config: &RewardConfig,
    witness_lag_ms: i64,
) -> Result<ComputedEpoch, EpochError> {
    let previous = files.latest_file_before(&spec.pool, spec.epoch).await?;
    let computed = compute(store, devices, previous.as_ref(), spec, config, witness_lag_ms).await?;
    files.publish(&spec.pool, &computed).await?;
    tracing::info!(
        pool = %spec.pool,
        epoch = spec.epoch,
        root = computed.manifest.root.as_deref().unwrap_or("none"),
        allocated = computed.manifest.allocated,
        cumulative_total = computed.manifest.cumulative_total,
        leaves = computed.manifest.leaf_count,
        "epoch published"
    );
    Ok(computed)
}

/// What recomputing a published epoch found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    /// Byte for byte the published file: same root, same content hash.
    Matches { root: Option<String> },
    /// The recomputation differs; `first` is the first differing leaf (`ours` recomputed,
    /// `theirs` published), absent when only the manifest differs.
    Differs { published_root: Option<String>, recomputed_root: Option<String>, first: Option<LeafDifference> },
}

/// Recomputes `pool`'s published `epoch` from this store, with the inputs its manifest names
/// (emission, configuration, previous file), and compares.
pub async fn verify_epoch(
    store: &Store,
    files: &EpochFiles,
    devices: &BTreeMap<[u8; 32], DeviceEntry>,
    pool: &Pubkey,
    epoch: u64,
    witness_lag_ms: i64,
) -> Result<Verification, EpochError> {
    let manifest = files.manifest(pool, epoch).await?.ok_or(EpochError::NotPublished { pool: *pool, epoch })?;
    let previous = match manifest.previous_epoch {
        Some(e) => Some(files.reward_file(pool, e).await?.ok_or(EpochError::NotPublished { pool: *pool, epoch: e })?),
        None => None,
    };
    let spec = EpochSpec { pool: *pool, stream: manifest.stream, epoch, emission: manifest.emission };
    let recomputed = compute(store, devices, previous.as_ref(), &spec, &manifest.config, witness_lag_ms).await?;
    let published = files.reward_file_bytes(pool, epoch).await?;
    if recomputed.file_bytes == published && recomputed.manifest == manifest {
        return Ok(Verification::Matches { root: manifest.root });
    }
    let published_leaves = files.reward_file(pool, epoch).await?.map(|f| f.leaves().to_vec()).unwrap_or_default();
    let ours = recomputed.file.as_ref().map(|f| f.leaves().to_vec()).unwrap_or_default();
    Ok(Verification::Differs {
        published_root: manifest.root,
        recomputed_root: recomputed.manifest.root,
        first: first_difference(&ours, &published_leaves),
    })
}
