//! The published epochs: reward files and their manifests in a write-once object store
//! ([`Objects`]) — a local directory by default, S3-compatible storage when configured. A
//! published object is never overwritten: publishing again the same bytes (a restart) is a
//! no-op, different bytes are refused.
//!
//! Layout:
//! - `rewards/<pool>/<epoch, 20 digits>.json`: the reward file (the SDK's JSON) of the epoch's
//!   root as posted;
//! - `rewards/<pool>/<epoch>.manifest.json`: its inputs and results ([`EpochManifest`]);
//! - `rewards/<pool>/<epoch>.cells.bin`: a mapping pool's mapped-cells state after the epoch;
//! - `rewards/<pool>/<epoch>/candidates/<sha256 of the manifest>/{file.json, manifest.json,
//!   cells.bin}`: each computation of the epoch an oracle signed. An oracle whose input grows
//!   (it fetched a peer's segments) computes the epoch again; the candidate whose root is posted
//!   becomes the epoch's files above;
//! - `inputs/directory/<sha256>.bin`, `inputs/blocks/<sha256>.json`,
//!   `inputs/denylist/<sha256>.json`: the chain facts epochs were judged by, named by their
//!   content hash (so an unchanged directory is stored once for many epochs).
use fieldproof_sdk::{Pubkey, RewardFile};
use object_store::path::Path;

use super::{ComputedEpoch, EpochManifest};
use crate::objects::{Objects, ObjectsError};

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error(transparent)]
    Objects(ObjectsError),
    #[error("{path} is already published with other content; a published epoch is never replaced")]
    Conflict { path: String },
    #[error("{path} does not parse: {reason}")]
    Malformed { path: String, reason: String },
}

impl From<ObjectsError> for FilesError {
    fn from(e: ObjectsError) -> Self {
        match e {
            ObjectsError::Conflict { path } => Self::Conflict { path },
            other => Self::Objects(other),
        }
    }
}

#[derive(Clone)]
pub struct EpochFiles {
    objects: Objects,
}

impl EpochFiles {
    /// See [`Objects::open`].
    pub fn open(location: &str) -> Result<Self, FilesError> {
        Ok(Self { objects: Objects::open(location)? })
    }

    pub fn file_path(pool: &Pubkey, epoch: u64) -> Path {
        Path::from(format!("rewards/{pool}/{epoch:020}.json"))
    }

    pub fn manifest_path(pool: &Pubkey, epoch: u64) -> Path {
        Path::from(format!("rewards/{pool}/{epoch:020}.manifest.json"))
    }

    pub fn cells_path(pool: &Pubkey, epoch: u64) -> Path {
        Path::from(format!("rewards/{pool}/{epoch:020}.cells.bin"))
    }

    pub fn directory_path(hash: &str) -> Path {
        Path::from(format!("inputs/directory/{hash}.bin"))
    }

    pub fn blocks_path(hash: &str) -> Path {
        Path::from(format!("inputs/blocks/{hash}.json"))
    }

    pub fn denylist_path(hash: &str) -> Path {
        Path::from(format!("inputs/denylist/{hash}.json"))
    }

    fn candidate_path(pool: &Pubkey, epoch: u64, candidate: &str, name: &str) -> Path {
        Path::from(format!("rewards/{pool}/{epoch:020}/candidates/{candidate}/{name}"))
    }

    /// Publishes the epoch as computed, as its files: [`publish_candidate`](Self::publish_candidate)
    /// then [`finalize`](Self::finalize).
    pub async fn publish(&self, pool: &Pubkey, computed: &ComputedEpoch) -> Result<(), FilesError> {
        let candidate = self.publish_candidate(pool, computed).await?;
        self.finalize(pool, computed.manifest.epoch, &candidate).await
    }

    /// Publishes a computation of an epoch as a candidate: the input objects, the reward file and
    /// the cells state, then the manifest that names them (a manifest is only ever read with
    /// everything it names in place; a rerun after a crash finds the rest in place). Returns the
    /// candidate's name: the sha256 of its manifest.
    pub async fn publish_candidate(&self, pool: &Pubkey, computed: &ComputedEpoch) -> Result<String, FilesError> {
        let epoch = computed.manifest.epoch;
        let input = &computed.manifest.input;
        let objects = &computed.objects;
        // Serializing plain data cannot fail.
        let manifest = serde_json::to_vec_pretty(&computed.manifest).unwrap_or_default();
        let candidate = hex::encode(super::content_hash(&manifest));
        // Everything the manifest names, side by side (each is written and fsynced on its own),
        // then the manifest.
        let optional = |path: Path, bytes: Option<bytes::Bytes>| async move {
            match bytes {
                Some(bytes) => self.put_once(&path, bytes).await,
                None => Ok(()),
            }
        };
        futures_util::try_join!(
            async { Ok::<_, FilesError>(self.objects.create_addressed(&Self::directory_path(&input.directory), objects.directory.clone()).await?) },
            async { Ok(self.objects.create_addressed(&Self::blocks_path(&input.blocks), objects.blocks.clone()).await?) },
            async { Ok(self.objects.create_addressed(&Self::denylist_path(&input.denylist), objects.denylist.clone()).await?) },
            optional(Self::candidate_path(pool, epoch, &candidate, "cells.bin"), objects.cells.clone()),
            optional(Self::candidate_path(pool, epoch, &candidate, "file.json"), computed.file_bytes.clone()),
        )?;
        self.put_once(&Self::candidate_path(pool, epoch, &candidate, "manifest.json"), manifest).await?;
        Ok(candidate)
    }

    /// Makes a candidate the epoch's files (its root was posted): the cells state and the reward
    /// file, then the manifest. Write-once: finalizing the same candidate again changes nothing,
    /// another one is refused.
    pub async fn finalize(&self, pool: &Pubkey, epoch: u64, candidate: &str) -> Result<(), FilesError> {
        let copy = |name: &'static str, to: Path| async move { self.objects.copy_once(&Self::candidate_path(pool, epoch, candidate, name), &to).await };
        copy("cells.bin", Self::cells_path(pool, epoch)).await?;
        copy("file.json", Self::file_path(pool, epoch)).await?;
        let manifest = Self::candidate_path(pool, epoch, candidate, "manifest.json");
        if !copy("manifest.json", Self::manifest_path(pool, epoch)).await? {
            return Err(FilesError::Malformed { path: manifest.to_string(), reason: "no such candidate".into() });
        }
        Ok(())
    }

    /// A candidate's reward file bytes, if it has one.
    pub async fn candidate_file_bytes(&self, pool: &Pubkey, epoch: u64, candidate: &str) -> Result<Option<Vec<u8>>, FilesError> {
        self.get(&Self::candidate_path(pool, epoch, candidate, "file.json")).await
    }

    /// Publishes another oracle's reward file of `epoch`, checked by the caller against the root
    /// on chain; no manifest, since this oracle did not compute it.
    pub async fn adopt(&self, pool: &Pubkey, epoch: u64, bytes: Vec<u8>) -> Result<(), FilesError> {
        self.put_once(&Self::file_path(pool, epoch), bytes).await
    }

    async fn put_once(&self, path: &Path, bytes: impl Into<bytes::Bytes>) -> Result<(), FilesError> {
        self.objects.create(path, bytes).await?;
        Ok(())
    }

    async fn get(&self, path: &Path) -> Result<Option<Vec<u8>>, FilesError> {
        Ok(self.objects.get(path).await?)
    }

    /// A published input object, checked against the hash the manifest names it by.
    pub async fn input_object(&self, what: &str, path: &Path, hash: &str) -> Result<Vec<u8>, FilesError> {
        let bytes = self.get(path).await?.ok_or_else(|| FilesError::Malformed { path: path.to_string(), reason: format!("the {what} object is missing") })?;
        if hex::encode(super::content_hash(&bytes)) != hash {
            return Err(FilesError::Malformed { path: path.to_string(), reason: format!("the {what} object's content does not hash to {hash}") });
        }
        Ok(bytes)
    }

    /// The published reward file of `pool`'s `epoch`.
    pub async fn reward_file(&self, pool: &Pubkey, epoch: u64) -> Result<Option<RewardFile>, FilesError> {
        let path = Self::file_path(pool, epoch);
        let Some(bytes) = self.get(&path).await? else { return Ok(None) };
        let text = String::from_utf8(bytes).map_err(|e| FilesError::Malformed { path: path.to_string(), reason: e.to_string() })?;
        RewardFile::from_json(&text).map(Some).map_err(|e| FilesError::Malformed { path: path.to_string(), reason: e.to_string() })
    }

    /// The published reward file's exact bytes, for comparing content hashes.
    pub async fn reward_file_bytes(&self, pool: &Pubkey, epoch: u64) -> Result<Option<Vec<u8>>, FilesError> {
        self.get(&Self::file_path(pool, epoch)).await
    }

    /// The published manifest of `pool`'s `epoch`.
    pub async fn manifest(&self, pool: &Pubkey, epoch: u64) -> Result<Option<EpochManifest>, FilesError> {
        let path = Self::manifest_path(pool, epoch);
        let Some(bytes) = self.get(&path).await? else { return Ok(None) };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| FilesError::Malformed { path: path.to_string(), reason: e.to_string() })
    }

    /// The newest published reward file of `pool` before `epoch`: the cumulative amounts the
    /// epoch adds to.
    pub async fn latest_file_before(&self, pool: &Pubkey, epoch: u64) -> Result<Option<RewardFile>, FilesError> {
        match self.newest_before(pool, epoch, ".json").await? {
            Some(e) => self.reward_file(pool, e).await,
            None => Ok(None),
        }
    }

    /// The epoch of `pool`'s newest published cells state before `epoch`.
    pub async fn latest_cells_epoch_before(&self, pool: &Pubkey, epoch: u64) -> Result<Option<u64>, FilesError> {
        self.newest_before(pool, epoch, ".cells.bin").await
    }

    /// The newest published mapped-cells state of `pool` before `epoch`.
    pub async fn latest_cells_before(&self, pool: &Pubkey, epoch: u64) -> Result<Option<super::MappedCells>, FilesError> {
        let Some(e) = self.latest_cells_epoch_before(pool, epoch).await? else { return Ok(None) };
        let path = Self::cells_path(pool, e);
        let bytes = self.get(&path).await?.ok_or_else(|| FilesError::Malformed { path: path.to_string(), reason: "listed but missing".into() })?;
        super::MappedCells::from_bytes(&bytes).map(Some).map_err(|reason| FilesError::Malformed { path: path.to_string(), reason })
    }

    /// The newest epoch before `epoch` with an object `rewards/<pool>/<epoch><suffix>`.
    async fn newest_before(&self, pool: &Pubkey, epoch: u64, suffix: &str) -> Result<Option<u64>, FilesError> {
        let listed = self.objects.list(&Path::from(format!("rewards/{pool}"))).await?;
        Ok(listed.iter().filter_map(|path| path.filename()?.strip_suffix(suffix)?.parse::<u64>().ok()).filter(|e| *e < epoch).max())
    }
}
