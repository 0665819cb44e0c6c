//! The reward files behind the pools' active roots, held in memory for the proof API: a file is
//! parsed and its tree built once per epoch, not once per request.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldproof_sdk::{Pubkey, RewardFile};

use super::EpochStatus;
use crate::epoch::{EpochFiles, FilesError};
use crate::storage::{Store, StoreError};

/// How long the newest active epoch of a pool is trusted before the store is asked again.
const RECHECK: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum ActiveFileError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Files(#[from] FilesError),
}

struct Entry {
    checked: Instant,
    file: Option<Arc<RewardFile>>,
}

pub struct ActiveFiles {
    store: Store,
    files: EpochFiles,
    cache: Mutex<HashMap<Pubkey, Entry>>,
}

impl ActiveFiles {
    pub fn new(store: Store, files: EpochFiles) -> Self {
        Self { store, files, cache: Mutex::new(HashMap::new()) }
    }

    /// The file of the newest epoch of `pool` this oracle saw activated, if any.
    pub async fn file(&self, pool: &Pubkey) -> Result<Option<Arc<RewardFile>>, ActiveFileError> {
        let cached = {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.get(pool).map(|e| (e.checked.elapsed() < RECHECK, e.file.clone()))
        };
        if let Some((true, file)) = cached {
            return Ok(file);
        }
        let newest = newest_active_epoch(&self.store, pool).await?;
        let current = cached.and_then(|(_, file)| file).filter(|f| Some(f.epoch) == newest);
        let file = match (current, newest) {
            (Some(file), _) => Some(file),
            (None, Some(epoch)) => self.files.reward_file(pool, epoch).await?.map(Arc::new),
            (None, None) => None,
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(*pool, Entry { checked: Instant::now(), file: file.clone() });
        Ok(file)
    }
}

async fn newest_active_epoch(store: &Store, pool: &Pubkey) -> Result<Option<u64>, StoreError> {
    store.newest_epoch_with_status(&pool.to_string(), EpochStatus::Active.as_str()).await
}
