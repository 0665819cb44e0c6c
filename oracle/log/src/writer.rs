//! The single writer of accepted reports. Ingest handlers hand reports over a channel and wait;
//! the writer takes whatever has queued up, tells resends and replayed nonces from its memory of
//! the clock-skew window ([`RecentReports`], rebuilt on start), appends the new reports to their
//! write-ahead files with one write and one fsync per file, and answers every waiting handler:
//! group commit, and no report acknowledged before it is durable in the log. The database's
//! index is written behind the answers ([`Indexer`]); a crash before it caught up is made good on
//! start, when the write-ahead files are indexed.
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tracing::{error, info};

use super::indexer::{FailingIndex, Indexer, WeakIndexer};
use super::recent::RecentReports;
use super::wal::Wal;
use super::{bucket_of, LogError};
use fieldproof_store::{NewReport, Store, StoreError};

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

type Reply = oneshot::Sender<Result<InsertOutcome, LogError>>;

enum Job {
    Insert(NewReport, Reply),
    /// Take no more reports of the buckets below this one, once those queued are stored.
    Seal(u64, oneshot::Sender<()>),
    /// Answer once those queued are stored and indexed.
    Flush(oneshot::Sender<()>),
}

/// Handle to the writer task; cheap to clone. The task ends, after committing everything sent
/// to it, when the last handle is dropped.
#[derive(Clone)]
pub struct ReportWriter {
    jobs: mpsc::Sender<Job>,
    index_failing: FailingIndex,
    index: WeakIndexer,
}

struct State {
    index: Indexer,
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
        let (index, index_task) = Indexer::start(store, wal.dir().to_path_buf());
        let index_failing = index.failing_status();
        let weak_index = index.downgrade();
        let state = State { index, recent, wal: Some(wal), bucket_ms, sealed_below };
        let task = tokio::spawn(async move {
            run(state, rx, config.max_batch).await;
            let _ = index_task.await;
        });
        (Self { jobs, index_failing, index: weak_index }, task)
    }

    /// Stores `report` durably in the log and indexes it, or says why it was not stored.
    pub async fn insert(&self, report: NewReport) -> Result<InsertOutcome, LogError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Insert(report, reply)).await.map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Returns once every report stored before is in the database's index as well (which is
    /// written after the answers, see [`Indexer`]).
    pub async fn indexed(&self) -> Result<(), StoreError> {
        let (done, answer) = oneshot::channel();
        self.jobs.send(Job::Flush(done)).await.map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)
    }

    /// A handle for the sealer, which does not keep the writer running: the writer stops once
    /// ingest's handles are gone.
    pub fn downgrade(&self) -> SealingHandle {
        SealingHandle { jobs: self.jobs.downgrade(), index_failing: self.index_failing.clone(), index: self.index.clone() }
    }
}

/// The sealer's handle to the writer.
#[derive(Clone)]
pub struct SealingHandle {
    jobs: mpsc::WeakSender<Job>,
    index_failing: FailingIndex,
    index: WeakIndexer,
}

impl SealingHandle {
    /// Why the database's index of the log cannot be written, while it cannot.
    pub fn index_failing(&self) -> Option<String> {
        self.index_failing.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// From now on, the writer refuses the reports of the buckets below `bucket`; returns once
    /// every report sent to it before is stored and indexed (the sealer removes the buckets'
    /// files next). The writer goes on answering meanwhile: only the sealer waits for a slow
    /// database. With the writer stopped, nothing can be accepted any more: that is a seal too.
    pub async fn seal_below(&self, bucket: u64) -> Result<(), StoreError> {
        let Some(jobs) = self.jobs.upgrade() else { return Ok(()) };
        let (done, answer) = oneshot::channel();
        jobs.send(Job::Seal(bucket, done)).await.map_err(|_| StoreError::WriterStopped)?;
        drop(jobs);
        answer.await.map_err(|_| StoreError::WriterStopped)?;
        self.index.flush().await
    }
}

async fn run(mut state: State, mut rx: mpsc::Receiver<Job>, max_batch: usize) {
    let mut jobs = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut jobs, max_batch).await > 0 {
        let mut inserts: Vec<(NewReport, Reply)> = Vec::new();
        for job in jobs.drain(..) {
            match job {
                Job::Insert(report, reply) => inserts.push((report, reply)),
                Job::Flush(done) => {
                    state.commit(std::mem::take(&mut inserts)).await;
                    state.flush_index().await;
                    let _ = done.send(());
                }
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
    state.flush_index().await;
    info!("report writer stopped: every queued report was stored and indexed");
}

impl State {
    async fn flush_index(&self) {
        if let Err(e) = self.index.flush().await {
            error!(error = %e, "the log's index stopped before it caught up; the write-ahead files are indexed on start");
        }
    }

    async fn commit(&mut self, batch: Vec<(NewReport, Reply)>) {
        if batch.is_empty() {
            return;
        }
        let (late, batch): (Vec<_>, Vec<_>) = batch.into_iter().partition(|(r, _)| bucket_of(r.signed_at_ms, self.bucket_ms) < self.sealed_below);
        for (_, reply) in late {
            let _ = reply.send(Ok(InsertOutcome::Sealed));
        }
        let known = self.recent.classify(batch.iter().map(|(r, _)| r));
        let mut reports = Vec::with_capacity(batch.len());
        let mut replies = Vec::with_capacity(batch.len());
        for ((report, reply), known) in batch.into_iter().zip(known) {
            match known {
                Some(outcome) => {
                    metrics::counter!("fieldproof_ingest_answered_from_memory_total").increment(1);
                    let _ = reply.send(Ok(outcome));
                }
                None => {
                    reports.push(report);
                    replies.push(reply);
                }
            }
        }
        if reports.is_empty() {
            return;
        }
        match self.append(reports).await {
            Ok(reports) => {
                let now_ms = crate::clock::unix_ms();
                for report in &reports {
                    self.recent.remember(report.into(), now_ms);
                }
                for reply in replies {
                    // A handler that gave up (timeout) no longer listens; its report is stored anyway.
                    let _ = reply.send(Ok(InsertOutcome::Stored));
                }
                metrics::gauge!("fieldproof_ingest_recent_reports").set(self.recent.len() as f64);
                if let Err(e) = self.index.index(reports).await {
                    // Only when the process stops: the write-ahead files are indexed on start.
                    error!(error = %e, "stored reports not handed to the index");
                }
            }
            Err(e) => {
                error!(error = %e, reports = replies.len(), "report batch not stored");
                for reply in replies {
                    let _ = reply.send(Err(LogError::NotStored(e.to_string())));
                }
                // Give a failing disk a moment instead of spinning on it.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    /// Appends the reports to their buckets' write-ahead files and fsyncs them, one write per
    /// file, on a blocking thread; gives the reports back.
    async fn append(&mut self, reports: Vec<NewReport>) -> Result<Vec<NewReport>, LogError> {
        let mut wal = self.wal.take().ok_or_else(|| LogError::Interrupted("the write-ahead files were lost by an earlier failure".into()))?;
        let bucket_ms = self.bucket_ms;
        let (wal, reports, appended) = tokio::task::spawn_blocking(move || {
            let records: Vec<(u64, &[u8])> = reports.iter().map(|r| (bucket_of(r.signed_at_ms, bucket_ms), r.body.as_slice())).collect();
            let appended = wal.append(&records);
            (wal, reports, appended)
        })
        .await
        .map_err(|e| LogError::Interrupted(e.to_string()))?;
        self.wal = Some(wal);
        appended?;
        Ok(reports)
    }
}
