//! One pool's epoch in this oracle's pipeline, as stored: every transition is written before the
//! next step acts on it, so a restart resumes where the last run stopped.
use fieldproof_sdk::{Pubkey, SignedRoot};
use serde::Serialize;

use crate::storage::{EpochRow, Store, StoreError};

/// computing → signed → posted → pending → active.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EpochStatus {
    /// The reward file is being computed and published.
    Computing,
    /// Published, and signed by this oracle; gathering the peers' signatures.
    Signed,
    /// A quorum of signatures is stored; the root is being posted.
    Posted,
    /// Posted on chain, in the pool's dispute window.
    Pending,
    /// The pool's active root: owners claim against it.
    Active,
}

impl EpochStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Computing => "computing",
            Self::Signed => "signed",
            Self::Posted => "posted",
            Self::Pending => "pending",
            Self::Active => "active",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Computing, Self::Signed, Self::Posted, Self::Pending, Self::Active].into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Clone, Debug)]
pub struct EpochRecord {
    pub pool: Pubkey,
    pub epoch: u64,
    pub status: EpochStatus,
    /// This oracle's signature over its root, from `signed` on.
    pub own: Option<SignedRoot>,
    /// The quorum, from `posted` on.
    pub signatures: Vec<SignedRoot>,
    /// The post_root transaction's signature, once this oracle sent one that landed.
    pub post_tx: Option<String>,
    /// The candidate files of the root this oracle signed (see `EpochFiles::publish_candidate`).
    pub candidate: Option<String>,
}

impl EpochRecord {
    pub fn new(pool: Pubkey, epoch: u64) -> Self {
        Self { pool, epoch, status: EpochStatus::Computing, own: None, signatures: Vec::new(), post_tx: None, candidate: None }
    }

    pub async fn load(store: &Store, pool: &Pubkey, epoch: u64) -> Result<Option<Self>, StoreError> {
        let Some(row) = store.epoch_row(&pool.to_string(), epoch).await? else { return Ok(None) };
        let corrupt = |what: &str| StoreError::Database(sqlx::Error::Decode(format!("epochs row {pool}/{epoch}: {what}").into()));
        let signatures: Vec<String> = match row.signatures {
            Some(text) => serde_json::from_str(&text).map_err(|_| corrupt("signatures"))?,
            None => Vec::new(),
        };
        Ok(Some(Self {
            pool: *pool,
            epoch,
            status: EpochStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            own: row.own_signature.map(|t| SignedRoot::from_json(&t)).transpose().map_err(|_| corrupt("own_signature"))?,
            signatures: signatures.iter().map(|t| SignedRoot::from_json(t)).collect::<Result<_, _>>().map_err(|_| corrupt("signatures"))?,
            post_tx: row.post_tx,
            candidate: row.candidate,
        }))
    }

    /// Writes the record (insert or replace), durably, before the caller acts on it.
    pub async fn save(&self, store: &Store, now_ms: i64) -> Result<(), StoreError> {
        let signatures = (!self.signatures.is_empty())
            .then(|| serde_json::to_string(&self.signatures.iter().map(SignedRoot::to_json).collect::<Vec<_>>()).unwrap_or_default());
        let row = EpochRow {
            pool: self.pool.to_string(),
            epoch: self.epoch,
            status: self.status.as_str().to_string(),
            own_signature: self.own.as_ref().map(SignedRoot::to_json),
            signatures,
            post_tx: self.post_tx.clone(),
            candidate: self.candidate.clone(),
        };
        store.save_epoch_row(&row, now_ms).await?;
        Ok(())
    }
}
