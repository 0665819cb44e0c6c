//! The report log: the source of truth of every report an oracle accepted.
//!
//! Ingest appends each accepted report to a write-ahead file of its time bucket (`wal`), fsynced
//! before the 2xx answer, and indexes it in the database after the answer. Once a bucket can take no more reports
//! (its end is further back than the clock-skew window), it is sealed: its file becomes one
//! content-addressed segment (`segments/<sha256>.seg`) in the log store and an index object names
//! the instance's segments of that bucket (`index/<bucket>/<oracle>-<instance>.json`, empty when
//! it accepted nothing then). Segments are write-once; the database can be rebuilt from them.
//!
//! An epoch's input is the union of every oracle's segments of the buckets its reports span
//! ([`union`]): an oracle fetches what its peers sealed and it lacks, checks every signature
//! once, and keeps a copy. The epoch's manifest lists the segments, so the epoch can be computed
//! again from the log store alone.
mod indexer;
pub mod objects;
pub mod clock;
pub mod config;
pub mod segment;
mod recent;
mod sealer;
pub mod union;
pub mod wal;
mod writer;

pub use config::LogConfig;
pub use sealer::Sealer;
pub use union::{gather, local, Gathered, PeerLog};
pub use recent::RecentReports;
pub use writer::{InsertOutcome, ReportWriter, SealingHandle, WriterConfig};

use futures_util::{StreamExt, TryStreamExt};
use rayon::prelude::*;
use fieldproof_reports::{ReportHeader, ReportId, ReportKind, SignedReport};
use object_store::path::Path;
use serde::{Deserialize, Serialize};

use crate::objects::{Objects, ObjectsError};
use fieldproof_store::{NewReport, Store, StoreError};
use fieldproof_verifier::Window;

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Objects(#[from] ObjectsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Wal(#[from] wal::WalError),
    #[error(transparent)]
    Segment(#[from] segment::SegmentError),
    #[error("segment {hash} is missing from the log store")]
    MissingSegment { hash: String },
    #[error("{0}")]
    Interrupted(String),
    #[error("the report log cannot be written: {0}")]
    NotStored(String),
}

/// The log of one ingest instance, opened: its store, its writer and its sealer.
pub struct OpenedLog {
    pub objects: Objects,
    pub writer: ReportWriter,
    pub writer_task: tokio::task::JoinHandle<()>,
    pub sealer: Sealer,
}

/// [`open_with`] the writer's defaults.
pub async fn open(config: &LogConfig, store: Store, oracle: String, delay_ms: i64) -> Result<OpenedLog, LogError> {
    open_with(config, store, oracle, delay_ms, WriterConfig::default()).await
}

/// Opens the log store and this instance's write-ahead files, indexes what the files hold (a
/// crash may have come between an append and the database's commit), and starts the writer with
/// its memory of the recent reports rebuilt from the index. `oracle` is this oracle's identity;
/// a bucket is sealed `delay_ms` after its end.
pub async fn open_with(config: &LogConfig, store: Store, oracle: String, delay_ms: i64, writer: WriterConfig) -> Result<OpenedLog, LogError> {
    config.validate().map_err(LogError::Interrupted)?;
    let objects = Objects::open(&config.store)?;
    let dir = config.wal_dir.clone();
    let (wal, recovered) = tokio::task::spawn_blocking(move || wal::Wal::open(&dir)).await.map_err(|e| LogError::Interrupted(e.to_string()))??;
    for (bucket, wire) in recovered {
        let reports: Vec<(SignedReport, Vec<u8>)> = wire.into_iter().filter_map(|bytes| SignedReport::from_bytes(&bytes).ok().map(|r| (r, bytes))).collect();
        tracing::info!(bucket, reports = reports.len(), "indexing the reports of a write-ahead file");
        index_reports(&store, &reports, crate::clock::unix_ms(), "recovered").await?;
    }
    let sealer_store = store.clone();
    let sealed_below = store.sealed_below(&oracle, &config.instance).await?.unwrap_or(0);
    let recent = RecentReports::rebuild(&store, writer.recent_window_ms, writer.recent_max, crate::clock::unix_ms()).await?;
    tracing::info!(reports = recent.len(), "the writer remembers the reports of the clock-skew window");
    let (writer, writer_task) = ReportWriter::start(store, wal, recent, config.bucket_ms(), sealed_below, writer);
    let sealer = Sealer {
        store: sealer_store,
        objects: objects.clone(),
        wal_dir: config.wal_dir.clone(),
        writer: writer.downgrade(),
        oracle,
        instance: config.instance.clone(),
        bucket_ms: config.bucket_ms(),
        delay_ms,
        pass: tokio::sync::Mutex::new(()),
        failing: std::sync::Mutex::new(None),
    };
    Ok(OpenedLog { objects, writer, writer_task, sealer })
}

/// The time bucket of a report signed at `signed_at_ms`.
pub fn bucket_of(signed_at_ms: i64, bucket_ms: i64) -> u64 {
    u64::try_from(signed_at_ms.max(0).div_euclid(bucket_ms.max(1))).unwrap_or(0)
}

/// The buckets whose reports may be signed within `window`.
pub fn buckets_of(window: Window, bucket_ms: i64) -> std::ops::RangeInclusive<u64> {
    bucket_of(window.start_ms, bucket_ms)..=bucket_of(window.end_ms.saturating_sub(1), bucket_ms)
}

pub fn segment_path(hash: &[u8; 32]) -> Path {
    Path::from(format!("segments/{}.seg", hex::encode(hash)))
}

pub fn index_path(bucket: u64, oracle: &str, instance: &str) -> Path {
    Path::from(format!("index/{bucket:020}/{oracle}-{instance}.json"))
}

/// What one ingest instance sealed of one bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketIndex {
    pub oracle: String,
    pub instance: String,
    pub bucket: u64,
    pub bucket_ms: i64,
    /// Segment hashes, hex.
    pub segments: Vec<String>,
}

/// Indexes reports of the log in the database (a report already there is left alone): after a
/// restart, for what the write-ahead files held; for the segments fetched from peers.
pub async fn index_reports(store: &Store, reports: &[(SignedReport, Vec<u8>)], received_at_ms: i64, source: &str) -> Result<(), LogError> {
    let rows: Vec<NewReport> = reports.iter().map(|(r, bytes)| NewReport::accepted(r, bytes.clone(), received_at_ms, source.to_string())).collect();
    Ok(store.index_reports(&rows).await?)
}

/// The reports of the segments `hashes`, read from `objects`, each checked against its name.
pub async fn read_segments(objects: &Objects, hashes: &[[u8; 32]]) -> Result<Vec<(SignedReport, Vec<u8>)>, LogError> {
    let mut out = Vec::new();
    for hash in hashes {
        let bytes = objects.get(&segment_path(hash)).await?.ok_or_else(|| LogError::MissingSegment { hash: hex::encode(hash) })?;
        let wire = segment::decode(&bytes, hash)?;
        let reports = segment::reports(&wire)?;
        out.extend(reports.into_iter().zip(wire.iter().map(|w| w.to_vec())));
    }
    Ok(out)
}

/// Segments fetched at once by [`scan_segments`]: object stores answer each request after a
/// round trip.
const CONCURRENT_FETCHES: usize = 8;

/// The reports of the segments `hashes` names that `wanted` picks by kind and header (read from
/// the first bytes, before anything is decoded), each decoded once with its id, on every core,
/// and passed through `keep`: what an epoch reads. Unlike [`read_segments`] it holds neither the
/// reports' bytes nor the reports it passes over, and fetches several segments at once.
pub async fn scan_segments<T: Send>(
    objects: &Objects,
    hashes: &[[u8; 32]],
    wanted: impl Fn(ReportKind, &ReportHeader) -> bool + Sync,
    keep: impl Fn(SignedReport, ReportId) -> T + Sync,
) -> Result<Vec<T>, LogError> {
    let fetched = futures_util::stream::iter(hashes.iter().copied())
        .map(|hash| {
            let objects = objects.clone();
            async move {
                let bytes = objects.get(&segment_path(&hash)).await?;
                bytes.map(|b| (hash, b)).ok_or_else(|| LogError::MissingSegment { hash: hex::encode(hash) })
            }
        })
        .buffered(CONCURRENT_FETCHES);
    let scan = |hash: &[u8; 32], bytes: &[u8]| -> Result<Vec<Option<T>>, segment::SegmentError> {
        let wire = segment::decode(bytes, hash)?;
        wire.par_iter()
            .enumerate()
            .map(|(index, bytes)| match SignedReport::peek(bytes) {
                Some((kind, header)) if !wanted(kind, &header) => Ok(None),
                // Decoded even when the peek failed, for the decoder's account of what is wrong.
                _ => SignedReport::from_bytes_with_id(bytes)
                    .map(|(report, id)| Some(keep(report, id)))
                    .map_err(|e| segment::SegmentError::Report { index, reason: e.to_string() }),
            })
            .collect()
    };
    let mut out = Vec::new();
    // Segments are checked (each one's hash) and decoded a fetched group at a time, the group's
    // segments side by side on every core.
    let mut groups = fetched.try_chunks(CONCURRENT_FETCHES);
    while let Some(group) = groups.try_next().await.map_err(|e| e.1)? {
        let scanned: Vec<Vec<Option<T>>> = group.par_iter().map(|(hash, bytes)| scan(hash, bytes)).collect::<Result<_, _>>()?;
        // Moved once, from where they were decoded to the epoch's list.
        out.extend(scanned.into_iter().flatten().flatten());
    }
    Ok(out)
}

/// What a rebuild of the database's index found in the log store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rebuilt {
    pub segments: usize,
    pub reports: usize,
}

/// Rebuilds the database's index of the log (`reports`, `log_segments`) from the log store
/// alone: every segment, checked against its name; its bucket and the instance that sealed it
/// from the index objects (a segment fetched from a peer has none here: it is recorded under
/// the bucket of its reports at `bucket_ms`, sealed by "unknown"). Rows already there are left
/// alone, so it can run over a live index.
pub async fn rebuild_index(store: &Store, objects: &Objects, bucket_ms: i64) -> Result<Rebuilt, LogError> {
    let mut sealed_by: std::collections::HashMap<String, (String, String, u64)> = std::collections::HashMap::new();
    for path in objects.list(&Path::from("index")).await? {
        let Some(bytes) = objects.get(&path).await? else { continue };
        match serde_json::from_slice::<BucketIndex>(&bytes) {
            Ok(index) => {
                for hash in index.segments {
                    sealed_by.insert(hash, (index.oracle.clone(), index.instance.clone(), index.bucket));
                }
            }
            Err(e) => tracing::warn!(path = %path, error = %e, "an index object does not parse; skipped"),
        }
    }
    let mut rebuilt = Rebuilt::default();
    for path in objects.list(&Path::from("segments")).await? {
        let Some(hash) = path.filename().and_then(|n| n.strip_suffix(".seg")).and_then(|h| hex::decode(h).ok()).and_then(|h| <[u8; 32]>::try_from(h).ok()) else {
            continue;
        };
        let reports = read_segments(objects, &[hash]).await?;
        let Some((first, _)) = reports.first() else { continue };
        let (oracle, instance, bucket) = sealed_by.get(&hex::encode(hash)).cloned().unwrap_or_else(|| {
            ("unknown".into(), "unknown".into(), bucket_of(i64::try_from(first.body.header().timestamp_ms).unwrap_or(i64::MAX), bucket_ms))
        });
        index_reports(store, &reports, crate::clock::unix_ms(), "rebuilt").await?;
        store.record_segment(&fieldproof_store::SegmentRow { hash, bucket, oracle, instance, reports: reports.len() as u64 }).await?;
        rebuilt.segments += 1;
        rebuilt.reports += reports.len();
    }
    Ok(rebuilt)
}
