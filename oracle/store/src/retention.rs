//! Retention: how long the database keeps what ingest and the judgements wrote. The report log
//! keeps every report for good (it is the source of truth, and what `verify-epoch` and
//! `rebuild-index` read); the database indexes the recent ones, so it stays the size of the
//! retention window, not of the network's history. Client addresses are kept only as long as
//! abuse is investigated, then blanked.
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

/// `[retention]`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Reports signed in, and refusals of, epochs older than this many epochs leave the database.
    pub keep_epochs: u64,
    /// A report's source address is blanked this long after it was received.
    pub source_retention_secs: u64,
    /// How often the retention pass runs.
    pub every_secs: u64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self { keep_epochs: 30, source_retention_secs: 7 * 86_400, every_secs: 3_600 }
    }
}

/// What one pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub reports: u64,
    pub refusals: u64,
    pub sources: u64,
}

/// Rows changed per statement: a pass never holds the tables for long.
const BATCH: i64 = 10_000;

impl Store {
    /// Deletes the reports signed before `signed_before_ms` and the refusals of epochs before
    /// `epoch_before`, and blanks the source address of reports received before
    /// `received_before_ms`; in batches, each its own transaction.
    pub async fn forget(&self, signed_before_ms: i64, epoch_before: u64, received_before_ms: i64) -> Result<Forgotten, StoreError> {
        let epoch_before = i64::try_from(epoch_before).unwrap_or(i64::MAX);
        Ok(Forgotten {
            reports: self.in_batches("DELETE FROM reports WHERE id IN (SELECT id FROM reports WHERE signed_at_ms < $1 LIMIT $2)", signed_before_ms).await?,
            refusals: self.in_batches("DELETE FROM refusals WHERE id IN (SELECT id FROM refusals WHERE epoch < $1 LIMIT $2)", epoch_before).await?,
            sources: self
                .in_batches("UPDATE reports SET source = '' WHERE id IN (SELECT id FROM reports WHERE received_at_ms < $1 AND source <> '' LIMIT $2)", received_before_ms)
                .await?,
        })
    }

    /// Runs `sql` (bound to `bound` and the batch size) until a batch changes fewer rows.
    async fn in_batches(&self, sql: &'static str, bound: i64) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let changed = sqlx::query(sql).bind(bound).bind(BATCH).execute(self.pool()).await?.rows_affected();
            total += changed;
            if changed < u64::try_from(BATCH).unwrap_or(u64::MAX) {
                return Ok(total);
            }
        }
    }
}
