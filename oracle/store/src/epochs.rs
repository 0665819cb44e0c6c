//! The reward epochs' pipeline (`epochs`): one row per pool and epoch, written before the next
//! step acts on it. What its text columns hold (statuses, signed roots as JSON) is the quorum's
//! to read; here they are rows.
use sqlx::Row;

use super::{to_i64, Store, StoreError};

/// One pool's epoch as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochRow {
    /// The pool's address, base58.
    pub pool: String,
    pub epoch: u64,
    pub status: String,
    pub own_signature: Option<String>,
    /// The quorum's signed roots, a JSON array.
    pub signatures: Option<String>,
    pub post_tx: Option<String>,
    pub candidate: Option<String>,
}

fn to_epoch(e: Option<i64>) -> Option<u64> {
    e.and_then(|e| u64::try_from(e).ok())
}

impl Store {
    pub async fn epoch_row(&self, pool: &str, epoch: u64) -> Result<Option<EpochRow>, StoreError> {
        let row = sqlx::query("SELECT status, own_signature, signatures, post_tx, candidate FROM epochs WHERE pool = $1 AND epoch = $2")
            .bind(pool)
            .bind(to_i64(epoch))
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(EpochRow {
            pool: pool.to_string(),
            epoch,
            status: row.try_get("status")?,
            own_signature: row.try_get("own_signature")?,
            signatures: row.try_get("signatures")?,
            post_tx: row.try_get("post_tx")?,
            candidate: row.try_get("candidate")?,
        }))
    }

    /// Writes the row (insert or replace), durably, before the caller acts on it.
    pub async fn save_epoch_row(&self, row: &EpochRow, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO epochs (pool, epoch, status, own_signature, signatures, post_tx, updated_at_ms, candidate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (pool, epoch) DO UPDATE SET status = excluded.status, own_signature = excluded.own_signature, \
             signatures = excluded.signatures, post_tx = excluded.post_tx, updated_at_ms = excluded.updated_at_ms, candidate = excluded.candidate",
        )
        .bind(row.pool.as_str())
        .bind(to_i64(row.epoch))
        .bind(row.status.as_str())
        .bind(row.own_signature.as_deref())
        .bind(row.signatures.as_deref())
        .bind(row.post_tx.as_deref())
        .bind(now_ms)
        .bind(row.candidate.as_deref())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The newest epoch of `pool` with `status`.
    pub async fn newest_epoch_with_status(&self, pool: &str, status: &str) -> Result<Option<u64>, StoreError> {
        let row = sqlx::query("SELECT MAX(epoch) AS epoch FROM epochs WHERE pool = $1 AND status = $2").bind(pool).bind(status).fetch_one(self.pool()).await?;
        Ok(to_epoch(row.try_get("epoch")?))
    }

    /// The newest epoch of `pool` this oracle signed.
    pub async fn newest_signed_epoch(&self, pool: &str) -> Result<Option<u64>, StoreError> {
        let row = sqlx::query("SELECT MAX(epoch) AS epoch FROM epochs WHERE pool = $1 AND own_signature IS NOT NULL").bind(pool).fetch_one(self.pool()).await?;
        Ok(to_epoch(row.try_get("epoch")?))
    }

    /// The newest `limit` epochs of `pool` in the pipeline, newest first.
    pub async fn newest_epochs(&self, pool: &str, limit: u64) -> Result<Vec<u64>, StoreError> {
        let rows = sqlx::query("SELECT epoch FROM epochs WHERE pool = $1 ORDER BY epoch DESC LIMIT $2").bind(pool).bind(to_i64(limit)).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| {
                let epoch: i64 = row.try_get("epoch")?;
                u64::try_from(epoch).map_err(|_| StoreError::Database(sqlx::Error::Decode(format!("epochs row of pool {pool} has epoch {epoch}").into())))
            })
            .collect()
    }
}
