//! Computing an epoch against what is already published, and checking a published one.
use fieldproof_sdk::Pubkey;

use super::{compute, first_difference, BlockFacts, ComputedEpoch, EpochError, EpochFiles, EpochSpec, LeafDifference, MappedCells, Previous, ReportSet, RewardConfig, RewardStream};
use crate::devices::DirectorySnapshot;
use crate::storage::Store;
use crate::verify::{Blocks, Denylist, VerificationConfig, Window};

/// Everything an epoch is computed from: its reports, and what they are judged by.
pub struct EpochInputs<'a> {
    pub reports: ReportSet<'a>,
    pub directory: &'a DirectorySnapshot,
    pub denylist: &'a Denylist,
    pub verification: &'a VerificationConfig,
    pub blocks: BlockFacts<'a>,
}

/// Computes `spec`'s epoch on top of the pool's newest published file before it, records its
/// judgement in the store (the refused reports, for owners and the burner) and publishes the
/// result. Safe to rerun: the same result is already in place and nothing changes; a different
/// one is refused ([`super::FilesError::Conflict`]).
pub async fn publish_epoch(store: &Store, files: &EpochFiles, inputs: &EpochInputs<'_>, spec: &EpochSpec, config: &RewardConfig) -> Result<ComputedEpoch, EpochError> {
    let previous = Previous { file: files.latest_file_before(&spec.pool, spec.epoch).await?, cells: previous_cells(files, spec).await? };
    let computed = compute(inputs, &previous, spec, config).await?;
    publish_computed(store, files, inputs, spec, &computed).await?;
    Ok(computed)
}

/// The mapped-cells state a mapping epoch starts from: the newest published before it.
pub async fn previous_cells(files: &EpochFiles, spec: &EpochSpec) -> Result<Option<MappedCells>, EpochError> {
    Ok(match spec.stream {
        RewardStream::Coverage => None,
        RewardStream::Mapping => files.latest_cells_before(&spec.pool, spec.epoch).await?,
    })
}

/// Records a computed epoch's judgement in the store and publishes its files.
pub async fn publish_computed(store: &Store, files: &EpochFiles, inputs: &EpochInputs<'_>, spec: &EpochSpec, computed: &ComputedEpoch) -> Result<(), EpochError> {
    let m = &computed.manifest;
    let (kinds, _) = super::stream_input(spec.stream, Window { start_ms: m.window_start_ms, end_ms: m.window_end_ms }, inputs.verification);
    let digest: [u8; 32] = hex::decode(&m.input.digest).ok().and_then(|d| d.try_into().ok()).unwrap_or_default();
    store
        .save_judgement(spec.stream.as_str(), spec.epoch, Window { start_ms: m.window_start_ms, end_ms: m.window_end_ms }, &digest, kinds, &computed.verdicts)
        .await?;
    files.publish(&spec.pool, computed).await?;
    tracing::info!(
        pool = %spec.pool,
        epoch = spec.epoch,
        root = m.root.as_deref().unwrap_or("none"),
        allocated = m.allocated,
        cumulative_total = m.cumulative_total,
        leaves = m.leaf_count,
        valid = m.valid,
        refused = m.refused.values().sum::<u64>(),
        "epoch published"
    );
    Ok(())
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

/// Recomputes `pool`'s published `epoch` from the inputs its manifest names — the log segments
/// of its reports, read from `log`; the directory, blocks and denylist it recorded, its
/// configurations, emission and previous file, read from the epoch store — and compares. Needs
/// no database, no chain and no configuration of this machine.
pub async fn verify_epoch(log: &crate::objects::Objects, files: &EpochFiles, pool: &Pubkey, epoch: u64) -> Result<Verification, EpochError> {
    let manifest = files.manifest(pool, epoch).await?.ok_or(EpochError::NotPublished { pool: *pool, epoch })?;
    let previous = Previous {
        file: match manifest.previous_epoch {
            Some(e) => Some(files.reward_file(pool, e).await?.ok_or(EpochError::NotPublished { pool: *pool, epoch: e })?),
            None => None,
        },
        cells: match &manifest.previous_cells {
            Some(hash) => previous_cells_named(files, pool, epoch, hash).await?,
            None => None,
        },
    };
    let input = &manifest.input;
    let directory_bytes = files.input_object("directory", &EpochFiles::directory_path(&input.directory), &input.directory).await?;
    let directory = DirectorySnapshot::from_bytes(&directory_bytes).map_err(|reason| EpochError::InputMismatch { path: "directory".into(), reason })?;
    let blocks_bytes = files.input_object("blocks", &EpochFiles::blocks_path(&input.blocks), &input.blocks).await?;
    let blocks: Blocks = serde_json::from_slice(&blocks_bytes).map_err(|e| EpochError::InputMismatch { path: "blocks".into(), reason: e.to_string() })?;
    let denylist_bytes = files.input_object("denylist", &EpochFiles::denylist_path(&input.denylist), &input.denylist).await?;
    let denylist = Denylist::from_json(&denylist_bytes).map_err(|reason| EpochError::InputMismatch { path: "denylist".into(), reason })?;
    let segments = input
        .segments
        .iter()
        .map(|h| hex::decode(h).ok().and_then(|h| <[u8; 32]>::try_from(h).ok()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| EpochError::InputMismatch { path: "manifest".into(), reason: "a segment hash is not 64 hex digits".into() })?;
    let inputs = EpochInputs {
        reports: ReportSet { objects: log, segments: &segments },
        directory: &directory,
        denylist: &denylist,
        verification: &input.verification,
        blocks: BlockFacts::Recorded(&blocks),
    };
    let spec = EpochSpec { pool: *pool, stream: manifest.stream, epoch, emission: manifest.emission };
    let recomputed = compute(&inputs, &previous, &spec, &manifest.config).await?;
    let published = files.reward_file_bytes(pool, epoch).await?;
    if recomputed.file_bytes.as_deref() == published.as_deref() && recomputed.manifest == manifest {
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

/// The mapped-cells state with `hash` that `epoch` started from: the newest published before it,
/// or, for a pool's first mapping epoch, the empty state (its manifest names the empty state's
/// hash, and no file of it is published).
async fn previous_cells_named(files: &EpochFiles, pool: &Pubkey, epoch: u64, hash: &str) -> Result<Option<MappedCells>, EpochError> {
    match files.latest_cells_epoch_before(pool, epoch).await? {
        Some(e) => {
            let bytes = files.input_object("previous cells", &EpochFiles::cells_path(pool, e), hash).await?;
            MappedCells::from_bytes(&bytes).map(Some).map_err(|reason| EpochError::InputMismatch { path: "previous cells".into(), reason })
        }
        None if hash == hex::encode(super::content_hash(&MappedCells::default().to_bytes())) => Ok(None),
        None => Err(EpochError::InputMismatch { path: format!("cells {hash}"), reason: "no earlier cells state is published".into() }),
    }
}
