//! The single writer of accepted reports. Ingest handlers hand reports over a channel and wait;
//! the writer takes whatever has queued up, inserts it into the database index in one
//! transaction (which refuses duplicates and replayed nonces), appends the new reports to the
//! write-ahead files and fsyncs them, then commits, and answers every waiting handler. Group
//! commit keeps one fsync per bucket file and batch instead of one per report, and no report is
//! acknowledged before it is durable in the log. A crash between the append and the commit
//! leaves the report in the log, unacknowledged: the index is rebuilt from the write-ahead files
//! on start, and a resend is answered as a duplicate. Resends and replayed nonces within the
//! clock-skew window are answered from the writer's memory of recent reports ([`RecentReports`]),
//! rebuilt from the index on start.
use std::time::Duration;

use sqlx::any::AnyArguments;
use sqlx::{Any, Executor};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, error, info};

use super::recent::RecentReports;
use super::wal::Wal;
use super::{bucket_of, LogError};
use crate::storage::{report_columns, NewReport, Store, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertOutcome {
    /// Durable in the log, and indexed.
    Stored,
    /// A report with the same id is already stored.
    Duplicate,
    /// The device already used this nonce for another report.
    ReplayedNonce,
    /// Its time bucket is sealed: it came too late to be logged.
    Sealed,
}

#[derive(Clone, Copy, Debug)]
pub struct WriterConfig {
    /// Most reports committed in one transaction.
    pub max_batch: usize,
    /// Reports that may wait for the writer before senders are pushed back.
    pub queue: usize,
    /// How far back in signed time the writer remembers the reports it stored (the clock-skew
    /// window: older reports are refused before they get here)...
    pub recent_window_ms: i64,
    /// ...and at most how many.
    pub recent_max: usize,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self { max_batch: 1024, queue: 8192, recent_window_ms: 300_000, recent_max: 1_000_000 }
    }
}

type Reply = oneshot::Sender<Result<InsertOutcome, StoreError>>;

enum Job {
    Insert(NewReport, Reply),
    /// Take no more reports of the buckets below this one.
    Seal(u64, oneshot::Sender<()>),
}

/// Handle to the writer task; cheap to clone. The task ends, after committing everything sent
/// to it, when the last handle is dropped.
#[derive(Clone)]
pub struct ReportWriter {
    jobs: mpsc::Sender<Job>,
}

struct State {
    store: Store,
    recent: RecentReports,
    wal: Option<Wal>,
    bucket_ms: i64,
    sealed_below: u64,
}

impl ReportWriter {
    /// Starts the writer over `store` and the write-ahead files of `wal`, remembering `recent`;
    /// reports of the buckets below `sealed_below` are refused as sealed.
    pub fn start(store: Store, wal: Wal, recent: RecentReports, bucket_ms: i64, sealed_below: u64, config: WriterConfig) -> (Self, tokio::task::JoinHandle<()>) {
        let (jobs, rx) = mpsc::channel(config.queue);
        let state = State { store, recent, wal: Some(wal), bucket_ms, sealed_below };
        let task = tokio::spawn(run(state, rx, config.max_batch));
        (Self { jobs }, task)
    }

    /// Stores `report` durably in the log and indexes it, or says why it was not stored.
    pub async fn insert(&self, report: NewReport) -> Result<InsertOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Insert(report, reply)).await.map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// A handle for the sealer, which does not keep the writer running: the writer stops once
    /// ingest's handles are gone.
    pub fn downgrade(&self) -> SealingHandle {
        SealingHandle { jobs: self.jobs.downgrade() }
    }
}

/// The sealer's handle to the writer.
#[derive(Clone)]
pub struct SealingHandle {
    jobs: mpsc::WeakSender<Job>,
}

impl SealingHandle {
    /// From now on, the writer refuses the reports of the buckets below `bucket`; returns once
    /// every report sent to it before is stored. With the writer stopped, nothing can be
    /// accepted any more: that is a seal too.
    pub async fn seal_below(&self, bucket: u64) -> Result<(), StoreError> {
        let Some(jobs) = self.jobs.upgrade() else { return Ok(()) };
        let (done, answer) = oneshot::channel();
        jobs.send(Job::Seal(bucket, done)).await.map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)
    }
}

async fn run(mut state: State, mut rx: mpsc::Receiver<Job>, max_batch: usize) {
    let mut jobs = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut jobs, max_batch).await > 0 {
        let mut inserts: Vec<(NewReport, Reply)> = Vec::new();
        for job in jobs.drain(..) {
            match job {
                Job::Insert(report, reply) => inserts.push((report, reply)),
                Job::Seal(bucket, done) => {
                    state.commit(std::mem::take(&mut inserts)).await;
                    state.sealed_below = state.sealed_below.max(bucket);
                    if let Some(wal) = state.wal.as_mut() {
                        wal.close_below(bucket);
                    }
                    let _ = done.send(());
                }
            }
        }
        state.commit(inserts).await;
    }
    info!("report writer stopped: every queued report was handled");
}

impl State {
    async fn commit(&mut self, batch: Vec<(NewReport, Reply)>) {
        if batch.is_empty() {
            return;
        }
        let (late, batch): (Vec<_>, Vec<_>) = batch.into_iter().partition(|(r, _)| bucket_of(r.signed_at_ms, self.bucket_ms) < self.sealed_below);
        for (_, reply) in late {
            let _ = reply.send(Ok(InsertOutcome::Sealed));
        }
        let known = self.recent.classify(batch.iter().map(|(r, _)| r));
        let mut batch_new = Vec::with_capacity(batch.len());
        for ((report, reply), known) in batch.into_iter().zip(known) {
            match known {
                Some(outcome) => {
                    metrics::counter!("fieldproof_ingest_answered_from_memory_total").increment(1);
                    let _ = reply.send(Ok(outcome));
                }
                None => batch_new.push((report, reply)),
            }
        }
        let batch = batch_new;
        if batch.is_empty() {
            return;
        }
        let reports: Vec<&NewReport> = batch.iter().map(|(r, _)| r).collect();
        match self.commit_batch(&reports).await {
            Ok(outcomes) => {
                let now_ms = crate::ingest::unix_ms();
                for ((report, reply), outcome) in batch.into_iter().zip(outcomes) {
                    if outcome == InsertOutcome::Stored {
                        self.recent.remember((&report).into(), now_ms);
                    }
                    // A handler that gave up (timeout) no longer listens; its report is stored anyway.
                    let _ = reply.send(Ok(outcome));
                }
                metrics::gauge!("fieldproof_ingest_recent_reports").set(self.recent.len() as f64);
            }
            Err(e) => {
                error!(error = %e, reports = batch.len(), "report batch not stored");
                for (_, reply) in batch {
                    let _ = reply.send(Err(StoreError::Database(sqlx::Error::Protocol(format!("batch not stored: {e}")))));
                }
                // Give a failing disk or database a moment instead of spinning on it.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    /// Stores the batch: almost every batch is all new reports, inserted many rows per
    /// statement. When that fails (a duplicate or a replayed nonce among them, against the index
    /// or within the batch, or an error of the database) nothing of it was stored, and the batch
    /// goes again a report at a time, each one's conflict told apart.
    async fn commit_batch(&mut self, reports: &[&NewReport]) -> Result<Vec<InsertOutcome>, LogError> {
        match self.commit_all_new(reports).await {
            Ok(outcomes) => Ok(outcomes),
            Err(LogError::Store(e)) => {
                debug!(error = %e, reports = reports.len(), "a batch was not all new reports: storing it a report at a time");
                self.commit_one_by_one(reports).await
            }
            Err(e) => Err(e),
        }
    }

    async fn commit_all_new(&mut self, reports: &[&NewReport]) -> Result<Vec<InsertOutcome>, LogError> {
        let mut tx = self.store.pool().begin().await.map_err(StoreError::from)?;
        for chunk in reports.chunks(crate::storage::MAX_BINDS / COLUMNS) {
            let sql = format!("INSERT INTO reports ({}) VALUES {}", report_columns!(), crate::storage::value_rows(chunk.len(), COLUMNS));
            let mut query = sqlx::query(&sql);
            for report in chunk {
                query = bind_report(query, report);
            }
            if let Err(e) = (&mut *tx).execute(query).await {
                tx.rollback().await.map_err(StoreError::from)?;
                return Err(StoreError::from(e).into());
            }
        }
        self.append(reports).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(vec![InsertOutcome::Stored; reports.len()])
    }

    async fn commit_one_by_one(&mut self, reports: &[&NewReport]) -> Result<Vec<InsertOutcome>, LogError> {
        let mut tx = self.store.pool().begin().await.map_err(StoreError::from)?;
        let mut outcomes = Vec::with_capacity(reports.len());
        let mut stored = Vec::new();
        for report in reports {
            let insert = sqlx::query(concat!("INSERT INTO reports (", report_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING"));
            let inserted = (&mut *tx).execute(bind_report(insert, report)).await.map_err(StoreError::from)?.rows_affected();
            if inserted == 1 {
                outcomes.push(InsertOutcome::Stored);
                stored.push(*report);
                continue;
            }
            let same_id = (&mut *tx)
                .fetch_optional(sqlx::query("SELECT id FROM reports WHERE id = $1").bind(report.id.as_slice()))
                .await
                .map_err(StoreError::from)?;
            outcomes.push(if same_id.is_some() { InsertOutcome::Duplicate } else { InsertOutcome::ReplayedNonce });
        }
        self.append(&stored).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(outcomes)
    }

    /// Appends the reports to their buckets' write-ahead files and fsyncs them, on a blocking
    /// thread.
    async fn append(&mut self, reports: &[&NewReport]) -> Result<(), LogError> {
        if reports.is_empty() {
            return Ok(());
        }
        let records: Vec<(u64, Vec<u8>)> = reports.iter().map(|r| (bucket_of(r.signed_at_ms, self.bucket_ms), r.body.clone())).collect();
        let mut wal = self.wal.take().ok_or_else(|| LogError::Interrupted("the write-ahead files were lost by an earlier failure".into()))?;
        let (wal, appended) = tokio::task::spawn_blocking(move || {
            let refs: Vec<(u64, &[u8])> = records.iter().map(|(b, bytes)| (*b, bytes.as_slice())).collect();
            let appended = wal.append(&refs);
            (wal, appended)
        })
        .await
        .map_err(|e| LogError::Interrupted(e.to_string()))?;
        self.wal = Some(wal);
        Ok(appended?)
    }
}

/// Values of a report row: those of [`report_columns`], bound by [`bind_report`].
const COLUMNS: usize = 8;

/// Binds the `COLUMNS` values of `report`'s row, in the order of the inserts.
pub(super) fn bind_report<'q>(query: sqlx::query::Query<'q, Any, AnyArguments<'q>>, report: &'q NewReport) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
    query
        .bind(report.id.as_slice())
        .bind(report.device.as_slice())
        .bind(report.kind)
        .bind(report.nonce.as_slice())
        .bind(report.signed_at_ms)
        .bind(report.received_at_ms)
        .bind(report.source.as_str())
        .bind(report.body.as_slice())
}
