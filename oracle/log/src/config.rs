//! `[log]`: where the report log lives and how it is cut into buckets.
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// The log store: sealed segments and their indexes. A local directory, or
    /// `s3://bucket[/prefix]` (`AWS_*` environment).
    pub store: String,
    /// This instance's write-ahead files: what it accepted and has not sealed yet. Local disk.
    pub wal_dir: PathBuf,
    /// Reports are sealed in buckets of this much signed time. A bucket is sealed once its end is
    /// further back than the clock-skew window (no report of it can still be accepted) plus
    /// `seal_grace_secs`: an epoch is computed that much after it ended.
    pub bucket_secs: u64,
    /// Longer than a request takes: requests accepted before the seal are stored before it.
    pub seal_grace_secs: u64,
    /// Names this ingest process among those that share one oracle identity, one database and
    /// one log store (each with its own `wal_dir`).
    pub instance: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { store: "fieldproof-log".into(), wal_dir: "fieldproof-wal".into(), bucket_secs: 60, seal_grace_secs: 15, instance: "0".into() }
    }
}

impl LogConfig {
    /// The default log with its store and write-ahead files in `dir` (`log/`, `wal/`).
    pub fn in_dir(dir: &std::path::Path) -> Self {
        Self { store: dir.join("log").display().to_string(), wal_dir: dir.join("wal"), ..Self::default() }
    }

    pub fn bucket_ms(&self) -> i64 {
        i64::try_from(self.bucket_secs.max(1).saturating_mul(1_000)).unwrap_or(i64::MAX)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.bucket_secs == 0 {
            return Err("log.bucket_secs must be at least 1".into());
        }
        if self.instance.is_empty() || !self.instance.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err("log.instance must be letters, digits or _".into());
        }
        Ok(())
    }
}
