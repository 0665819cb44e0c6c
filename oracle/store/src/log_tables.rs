//! The report log's tables: the segments this oracle's log store holds (`log_segments`: its own
//! and those fetched from its peers), each ingest instance's sealing watermark
//! (`log_instances`), and each instance's last write-path probe (`health_probes`).
use std::ops::RangeInclusive;

use sqlx::Row;

use super::{bytes_n, to_i64, Store, StoreError};

/// A segment the log store holds: the bucket of its reports, who sealed it, how many reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentRow {
    pub hash: [u8; 32],
    pub bucket: u64,
    pub oracle: String,
    pub instance: String,
    pub reports: u64,
}

impl Store {
    /// Every bucket below this one is sealed by `oracle`'s `instance`; `None` before its first seal.
    pub async fn sealed_below(&self, oracle: &str, instance: &str) -> Result<Option<u64>, StoreError> {
        let below: Option<i64> = sqlx::query_scalar("SELECT sealed_below FROM log_instances WHERE oracle = $1 AND instance = $2")
            .bind(oracle)
            .bind(instance)
            .fetch_optional(self.pool())
            .await?;
        Ok(below.map(|b| u64::try_from(b).unwrap_or(0)))
    }

    /// Moves `oracle`'s `instance`'s watermark up to `below` (never down).
    pub async fn advance_sealed_below(&self, oracle: &str, instance: &str, below: u64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO log_instances (oracle, instance, sealed_below) VALUES ($1, $2, $3) \
             ON CONFLICT (oracle, instance) DO UPDATE SET sealed_below = excluded.sealed_below \
             WHERE log_instances.sealed_below < excluded.sealed_below",
        )
        .bind(oracle)
        .bind(instance)
        .bind(to_i64(below))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The buckets below this one are sealed by every instance of `oracle`; `None` before any
    /// instance sealed.
    pub async fn sealed_below_by_all(&self, oracle: &str) -> Result<Option<u64>, StoreError> {
        let below: Option<i64> = sqlx::query("SELECT MIN(sealed_below) AS w FROM log_instances WHERE oracle = $1").bind(oracle).fetch_one(self.pool()).await?.try_get("w")?;
        Ok(below.map(|b| u64::try_from(b).unwrap_or(0)))
    }

    /// Notes a segment the log store holds (again: nothing changes).
    pub async fn record_segment(&self, segment: &SegmentRow) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO log_segments (hash, bucket, oracle, instance, reports) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
            .bind(segment.hash.as_slice())
            .bind(to_i64(segment.bucket))
            .bind(segment.oracle.as_str())
            .bind(segment.instance.as_str())
            .bind(to_i64(segment.reports))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The segments of `buckets` the log store holds, by bucket, then hash.
    pub async fn segments_of(&self, buckets: &RangeInclusive<u64>) -> Result<Vec<SegmentRow>, StoreError> {
        let rows = sqlx::query("SELECT hash, bucket, oracle, instance, reports FROM log_segments WHERE bucket >= $1 AND bucket <= $2 ORDER BY bucket, hash")
            .bind(to_i64(*buckets.start()))
            .bind(to_i64(*buckets.end()))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(SegmentRow {
                    hash: bytes_n::<32>(row, "hash")?,
                    bucket: u64::try_from(row.try_get::<i64, _>("bucket")?).unwrap_or(0),
                    oracle: row.try_get("oracle")?,
                    instance: row.try_get("instance")?,
                    reports: u64::try_from(row.try_get::<i64, _>("reports")?).unwrap_or(0),
                })
            })
            .collect()
    }

    /// Writes `instance`'s health probe row: fails when the database cannot be written.
    pub async fn probe_write(&self, instance: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO health_probes (instance, at_ms) VALUES ($1, $2) ON CONFLICT (instance) DO UPDATE SET at_ms = excluded.at_ms")
            .bind(instance)
            .bind(now_ms)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
