//! The published epochs: reward files and their manifests in an object store — a local directory
//! by default, S3-compatible storage when configured. A published object is never overwritten:
//! publishing again the same bytes (a restart) is a no-op, different bytes are refused.
//!
//! Layout:
//! - `rewards/<pool>/<epoch, 20 digits>.json`: the reward file (the SDK's JSON);
//! - `rewards/<pool>/<epoch>.manifest.json`: the inputs and results ([`EpochManifest`]);
//! - `rewards/<pool>/<epoch>.cells.bin`: a mapping pool's mapped-cells state after the epoch;
//! - `inputs/directory/<sha256>.bin`, `inputs/blocks/<sha256>.json`,
//!   `inputs/denylist/<sha256>.json`: the chain facts epochs were judged by, named by their
//!   content hash (so an unchanged directory is stored once for many epochs).
use std::sync::Arc;

use fieldproof_sdk::{Pubkey, RewardFile};
use futures_util::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};

use super::{ComputedEpoch, EpochManifest};

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("cannot open the epoch store at {location}: {reason}")]
    Open { location: String, reason: String },
    #[error("{path} is already published with other content; a published epoch is never replaced")]
    Conflict { path: String },
    #[error("{path} does not parse: {reason}")]
    Malformed { path: String, reason: String },
}

#[derive(Clone)]
pub struct EpochFiles {
    store: Arc<dyn ObjectStore>,
}

impl EpochFiles {
    /// `s3://bucket[/prefix]` (credentials, region and endpoint from the standard `AWS_*`
    /// environment variables, so any S3-compatible store works), or a local directory, created
    /// when missing.
    pub fn open(location: &str) -> Result<Self, FilesError> {
        let open_error = |reason: String| FilesError::Open { location: location.to_string(), reason };
        let store: Arc<dyn ObjectStore> = if let Some(rest) = location.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket).build().map_err(|e| open_error(e.to_string()))?;
            if prefix.trim_matches('/').is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.trim_matches('/')))
            }
        } else {
            std::fs::create_dir_all(location).map_err(|e| open_error(e.to_string()))?;
            Arc::new(object_store::local::LocalFileSystem::new_with_prefix(location).map_err(|e| open_error(e.to_string()))?)
        };
        Ok(Self { store })
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

    /// Publishes the input objects, the reward file and the cells state, then the manifest
    /// that names them: a manifest is only ever read with everything it names in place, and a
    /// rerun after a crash finds the rest in place and writes the manifest.
    pub async fn publish(&self, pool: &Pubkey, computed: &ComputedEpoch) -> Result<(), FilesError> {
        let epoch = computed.manifest.epoch;
        let input = &computed.manifest.input;
        let objects = &computed.objects;
        self.put_content_addressed(&Self::directory_path(&input.directory), &objects.directory).await?;
        self.put_content_addressed(&Self::blocks_path(&input.blocks), &objects.blocks).await?;
        self.put_content_addressed(&Self::denylist_path(&input.denylist), &objects.denylist).await?;
        if let Some(bytes) = &objects.cells {
            self.put_once(&Self::cells_path(pool, epoch), bytes.clone()).await?;
        }
        if let Some(bytes) = &computed.file_bytes {
            self.put_once(&Self::file_path(pool, epoch), bytes.clone()).await?;
        }
        // Serializing plain data cannot fail.
        let manifest = serde_json::to_vec_pretty(&computed.manifest).unwrap_or_default();
        self.put_once(&Self::manifest_path(pool, epoch), manifest).await
    }

    /// Publishes another oracle's reward file of `epoch`, checked by the caller against the root
    /// on chain; no manifest, since this oracle did not compute it.
    pub async fn adopt(&self, pool: &Pubkey, epoch: u64, bytes: Vec<u8>) -> Result<(), FilesError> {
        self.put_once(&Self::file_path(pool, epoch), bytes).await
    }

    /// An object named by its own hash: if one is there, it is this one (its hash is checked
    /// whenever it is read), so it is not read back to compare.
    async fn put_content_addressed(&self, path: &Path, bytes: &[u8]) -> Result<(), FilesError> {
        let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
        match self.store.put_opts(path, PutPayload::from(bytes.to_vec()), options).await {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// A published input object, checked against the hash the manifest names it by.
    pub async fn input_object(&self, what: &str, path: &Path, hash: &str) -> Result<Vec<u8>, FilesError> {
        let bytes = self.get(path).await?.ok_or_else(|| FilesError::Malformed { path: path.to_string(), reason: format!("the {what} object is missing") })?;
        if hex::encode(super::content_hash(&bytes)) != hash {
            return Err(FilesError::Malformed { path: path.to_string(), reason: format!("the {what} object's content does not hash to {hash}") });
        }
        Ok(bytes)
    }

    async fn put_once(&self, path: &Path, bytes: Vec<u8>) -> Result<(), FilesError> {
        let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
        match self.store.put_opts(path, PutPayload::from(bytes.clone()), options).await {
            Ok(_) => Ok(()),
            Err(object_store::Error::AlreadyExists { .. }) => match self.get(path).await? {
                Some(existing) if existing == bytes => Ok(()),
                _ => Err(FilesError::Conflict { path: path.to_string() }),
            },
            Err(e) => Err(e.into()),
        }
    }

    async fn get(&self, path: &Path) -> Result<Option<Vec<u8>>, FilesError> {
        match self.store.get(path).await {
            Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
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
        let prefix = Path::from(format!("rewards/{pool}"));
        let listed: Vec<object_store::ObjectMeta> = self.store.list(Some(&prefix)).try_collect().await?;
        Ok(listed.iter().filter_map(|meta| meta.location.filename()?.strip_suffix(suffix)?.parse::<u64>().ok()).filter(|e| *e < epoch).max())
    }
}
