//! Sealing: turning a bucket's write-ahead file into a segment in the log store, once no report
//! of the bucket can be accepted any more. Every step is idempotent (the segment and the index are
//! write-once objects named by their content; the watermark only moves forward; the file is
//! removed last), so a crash anywhere is finished by the next pass.
use std::path::PathBuf;

use fieldproof_reports::SignedReport;

use super::segment::{self, Entry};
use super::writer::SealingHandle;
use super::{bucket_of, index_path, segment_path, wal, BucketIndex, LogError};
use crate::objects::Objects;
use fieldproof_store::{SegmentRow, Store};

pub struct Sealer {
    pub store: Store,
    pub objects: Objects,
    pub wal_dir: PathBuf,
    pub writer: SealingHandle,
    /// This oracle's identity (its key, base58) and this ingest process's instance name.
    pub oracle: String,
    pub instance: String,
    pub bucket_ms: i64,
    /// A bucket is sealed this long after its end: the clock-skew window and a grace.
    pub delay_ms: i64,
    /// One pass at a time: two passes would race to seal the same buckets.
    pub pass: tokio::sync::Mutex<()>,
    /// Why the last pass failed, until one succeeds.
    pub failing: std::sync::Mutex<Option<String>>,
}

impl Sealer {
    /// Seals every bucket that ended more than `delay_ms` before `now_ms`; returns how many.
    pub async fn seal_due(&self, now_ms: i64) -> Result<usize, LogError> {
        let _pass = self.pass.lock().await;
        let outcome = self.seal_due_now(now_ms).await;
        *self.failing.lock().unwrap_or_else(|p| p.into_inner()) = outcome.as_ref().err().map(ToString::to_string);
        outcome
    }

    /// Checks that this instance can still write what ingest and sealing write: a file in the
    /// write-ahead directory (created, fsynced, removed), a row in the database, that the index of the
    /// log is being written and that the last sealing pass succeeded. Says what failed.
    pub async fn check_write_path(&self, now_ms: i64) -> Result<(), String> {
        // A name of its own per check: two checks at once (two health requests) must not remove
        // each other's probe.
        static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let probe = self.wal_dir.join(format!(".health-{}-{n}", self.instance));
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            let mut file = std::fs::File::create(&probe)?;
            file.write_all(b"probe")?;
            file.sync_all()?;
            std::fs::remove_file(&probe)
        })
        .await
        .map_err(|e| e.to_string())?;
        written.map_err(|e| format!("the write-ahead directory {} cannot be written: {e}", self.wal_dir.display()))?;
        self.store.probe_write(&self.instance, now_ms).await.map_err(|e| format!("the database cannot be written: {e}"))?;
        if let Some(reason) = self.writer.index_failing() {
            return Err(format!("indexing the log fails: {reason}"));
        }
        match self.failing.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            Some(reason) => Err(format!("sealing the log fails: {reason}")),
            None => Ok(()),
        }
    }

    async fn seal_due_now(&self, now_ms: i64) -> Result<usize, LogError> {
        let due = bucket_of(now_ms.saturating_sub(self.delay_ms), self.bucket_ms);
        let wal_buckets = wal::buckets(&self.wal_dir)?;
        let recorded = self.sealed_below().await?;
        let from = match recorded {
            Some(from) => from,
            // The first pass of a new instance: nothing before its oldest file or now.
            None => wal_buckets.first().copied().unwrap_or(due).min(due),
        };
        // Files left below the watermark by a crash between its move and their removal.
        let leftover: Vec<u64> = wal_buckets.into_iter().filter(|b| *b < from).collect();
        if from >= due && leftover.is_empty() {
            if recorded.is_none() {
                // A new instance that holds nothing says so at once: every bucket before now is
                // sealed, and empty here. Without it, its epochs and its peers would wait for
                // its first report (an oracle back with a fresh database would never judge).
                self.writer.seal_below(due).await?;
                self.store.advance_sealed_below(&self.oracle, &self.instance, due).await?;
            }
            return Ok(0);
        }
        self.writer.seal_below(due).await?;
        let mut sealed = 0;
        for bucket in leftover.into_iter().chain(from..due) {
            self.seal(bucket).await?;
            sealed += 1;
        }
        Ok(sealed)
    }

    async fn seal(&self, bucket: u64) -> Result<(), LogError> {
        let wire = wal::read(&self.wal_dir, bucket)?;
        let mut segments = Vec::new();
        if !wire.is_empty() {
            let entries = wire
                .into_iter()
                .map(|bytes| SignedReport::from_bytes(&bytes).map(|r| Entry::of(&r, bytes.clone())))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| segment::SegmentError::Report { index: 0, reason: e.to_string() })?;
            let count = entries.len();
            let (bytes, hash) = segment::encode(entries);
            self.objects.create_addressed(&segment_path(&hash), bytes).await?;
            let row = SegmentRow { hash, bucket, oracle: self.oracle.clone(), instance: self.instance.clone(), reports: count as u64 };
            self.store.record_segment(&row).await?;
            segments.push(hex::encode(hash));
        }
        let index = BucketIndex { oracle: self.oracle.clone(), instance: self.instance.clone(), bucket, bucket_ms: self.bucket_ms, segments };
        self.objects.create(&index_path(bucket, &self.oracle, &self.instance), serde_json::to_vec(&index).unwrap_or_default()).await?;
        self.store.advance_sealed_below(&self.oracle, &self.instance, bucket + 1).await?;
        wal::remove(&self.wal_dir, bucket)?;
        Ok(())
    }

    /// Every bucket below this one is sealed by this instance; `None` before its first pass.
    pub async fn sealed_below(&self) -> Result<Option<u64>, LogError> {
        Ok(self.store.sealed_below(&self.oracle, &self.instance).await?)
    }
}
