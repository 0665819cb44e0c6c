//! One pool's epoch in this oracle's pipeline, as stored: every transition is written before the
//! next step acts on it, so a restart resumes where the last run stopped.
use fieldproof_sdk::{Pubkey, SignedRoot};
use serde::Serialize;
use sqlx::Row;

use crate::storage::{Store, StoreError};

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
        let row = sqlx::query("SELECT status, own_signature, signatures, post_tx, candidate FROM epochs WHERE pool = $1 AND epoch = $2")
            .bind(pool.to_string())
            .bind(i64::try_from(epoch).unwrap_or(i64::MAX))
            .fetch_optional(store.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let corrupt = |what: &str| StoreError::Database(sqlx::Error::Decode(format!("epochs row {pool}/{epoch}: {what}").into()));
        let status: String = row.try_get("status")?;
        let own: Option<String> = row.try_get("own_signature")?;
        let signatures: Option<String> = row.try_get("signatures")?;
        let signatures: Vec<String> = match signatures {
            Some(text) => serde_json::from_str(&text).map_err(|_| corrupt("signatures"))?,
            None => Vec::new(),
        };
        Ok(Some(Self {
            pool: *pool,
            epoch,
            status: EpochStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
            own: own.map(|t| SignedRoot::from_json(&t)).transpose().map_err(|_| corrupt("own_signature"))?,
            signatures: signatures.iter().map(|t| SignedRoot::from_json(t)).collect::<Result<_, _>>().map_err(|_| corrupt("signatures"))?,
            post_tx: row.try_get("post_tx")?,
            candidate: row.try_get("candidate")?,
        }))
    }

    /// Writes the record (insert or replace), durably, before the caller acts on it.
    pub async fn save(&self, store: &Store, now_ms: i64) -> Result<(), StoreError> {
        let signatures = (!self.signatures.is_empty())
            .then(|| serde_json::to_string(&self.signatures.iter().map(SignedRoot::to_json).collect::<Vec<_>>()).unwrap_or_default());
        sqlx::query(
            "INSERT INTO epochs (pool, epoch, status, own_signature, signatures, post_tx, updated_at_ms, candidate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (pool, epoch) DO UPDATE SET status = excluded.status, own_signature = excluded.own_signature, \
             signatures = excluded.signatures, post_tx = excluded.post_tx, updated_at_ms = excluded.updated_at_ms, candidate = excluded.candidate",
        )
        .bind(self.pool.to_string())
        .bind(i64::try_from(self.epoch).unwrap_or(i64::MAX))
        .bind(self.status.as_str())
        .bind(self.own.as_ref().map(SignedRoot::to_json))
        .bind(signatures)
        .bind(self.post_tx.clone())
        .bind(now_ms)
        .bind(self.candidate.clone())
        .execute(store.pool())
        .await?;
        Ok(())
    }
}
