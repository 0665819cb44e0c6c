//! The database's index of the log, written behind the acknowledgements.
//!
//! A report is durable, and acknowledged, once its write-ahead file is fsynced; its index row
//! only serves readers that do not need it at once (the device pages, usage burns, retention).
//! So the writer hands each stored batch here and goes on with the next: the index commits as
//! many rows at a time as have queued up, while the writer appends and fsyncs. The index is
//! never the only copy: a row lost to a crash is indexed again from the write-ahead file on
//! start, and a bucket's file is removed only after its rows are indexed (the sealer waits for
//! [`Indexer::flush`]; the writer never does).
//!
//! The queue of rows is bounded, and the writer waits for room in it at most [`WAIT_FOR_ROOM`]:
//! a busy index slows ingest down a little, a database that is down does not stop it. Rows that
//! find no room are dropped from memory and the index reads them back from the write-ahead
//! files once it catches up (they are there: a row is handed over only after its append
//! returned); until then the writer does not wait at all. Rows read back carry the time they
//! were read, not received, and no client address.
//!
//! Rows are inserted `ON CONFLICT DO NOTHING`: a report already indexed (a resend another ingest
//! process stored too, a segment fetched from a peer) is left alone. Two reports of one device
//! with one nonce that reached two processes are both indexed, as both are logged: the epoch
//! that judges them refuses all but the lowest id (`replayed_nonce`), and readers of the index
//! go by the epochs' refusals.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fieldproof_reports::SignedReport;
use tokio::sync::mpsc::error::{SendTimeoutError, TrySendError};
use tokio::sync::{mpsc, oneshot};
use tracing::{error, info, warn};

use crate::wal;
use fieldproof_store::{NewReport, Store, StoreError};

/// Batches of stored rows that may wait for the index; more are read back from the write-ahead
/// files instead.
const QUEUED_BATCHES: usize = 64;

/// How long the writer waits for room in the queue before it leaves the rows to the files.
const WAIT_FOR_ROOM: Duration = Duration::from_secs(1);

/// Rows committed in one transaction at most.
const ROWS_PER_COMMIT: usize = 16_384;

/// How long a failing database is given before the next attempt, at first and at most.
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(5);

enum Job {
    Rows(Vec<NewReport>),
    /// Answered once every row sent before it is indexed.
    Flush(oneshot::Sender<()>),
}

/// Why the index cannot be written, while it cannot: shared with the health check.
pub type FailingIndex = Arc<Mutex<Option<String>>>;

/// Handle to the index task; the task ends, after indexing everything sent to it, when the last
/// handle is dropped.
#[derive(Clone)]
pub struct Indexer {
    jobs: mpsc::Sender<Job>,
    /// Set when rows were dropped for a full queue: the write-ahead files are to be read back.
    behind: Arc<AtomicBool>,
    failing: FailingIndex,
}

/// A handle that does not keep the index task running (the sealer's).
#[derive(Clone)]
pub struct WeakIndexer {
    jobs: mpsc::WeakSender<Job>,
}

impl Indexer {
    /// Starts the index of the reports whose write-ahead files are in `wal_dir`.
    pub fn start(store: Store, wal_dir: PathBuf) -> (Self, tokio::task::JoinHandle<()>) {
        let (jobs, rx) = mpsc::channel(QUEUED_BATCHES);
        let failing = Arc::new(Mutex::new(None));
        let behind = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(run(store, wal_dir, rx, behind.clone(), failing.clone()));
        (Self { jobs, behind, failing }, task)
    }

    /// Queues rows of reports already durable in the log, waiting for room at most
    /// [`WAIT_FOR_ROOM`], and not at all while rows are left to the files (see the module's note).
    pub async fn index(&self, rows: Vec<NewReport>) -> Result<(), StoreError> {
        let job = Job::Rows(rows);
        let left = if self.behind.load(Ordering::SeqCst) {
            match self.jobs.try_send(job) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Full(job)) => job,
                Err(TrySendError::Closed(_)) => return Err(StoreError::WriterStopped),
            }
        } else {
            match self.jobs.send_timeout(job, WAIT_FOR_ROOM).await {
                Ok(()) => return Ok(()),
                Err(SendTimeoutError::Timeout(job)) => job,
                Err(SendTimeoutError::Closed(_)) => return Err(StoreError::WriterStopped),
            }
        };
        if let Job::Rows(rows) = left {
            metrics::counter!("fieldproof_log_index_deferred_reports_total").increment(rows.len() as u64);
        }
        if !self.behind.swap(true, Ordering::SeqCst) {
            warn!("the log's index is behind: rows are read back from the write-ahead files once it catches up");
        }
        Ok(())
    }

    /// Returns once every row queued before is in the index.
    pub async fn flush(&self) -> Result<(), StoreError> {
        flush(&self.jobs).await
    }

    pub fn downgrade(&self) -> WeakIndexer {
        WeakIndexer { jobs: self.jobs.downgrade() }
    }

    pub fn failing_status(&self) -> FailingIndex {
        self.failing.clone()
    }
}

impl WeakIndexer {
    /// Returns once every row handed to the index before is in it; at once when the index task
    /// has ended (it ends only after indexing everything).
    pub async fn flush(&self) -> Result<(), StoreError> {
        match self.jobs.upgrade() {
            Some(jobs) => flush(&jobs).await,
            None => Ok(()),
        }
    }
}

async fn flush(jobs: &mpsc::Sender<Job>) -> Result<(), StoreError> {
    let (done, answer) = oneshot::channel();
    jobs.send(Job::Flush(done)).await.map_err(|_| StoreError::WriterStopped)?;
    answer.await.map_err(|_| StoreError::WriterStopped)
}

async fn run(store: Store, wal_dir: PathBuf, mut rx: mpsc::Receiver<Job>, behind: Arc<AtomicBool>, failing: FailingIndex) {
    let mut jobs = Vec::new();
    while rx.recv_many(&mut jobs, QUEUED_BATCHES).await > 0 {
        let mut rows = Vec::new();
        let mut flushed = Vec::new();
        for job in jobs.drain(..) {
            match job {
                Job::Rows(batch) => rows.extend(batch),
                Job::Flush(done) => flushed.push(done),
            }
        }
        for chunk in rows.chunks(ROWS_PER_COMMIT) {
            index_until_done(&store, chunk, &failing).await;
        }
        metrics::counter!("fieldproof_log_indexed_reports_total").increment(rows.len() as u64);
        // A row dropped for a full queue was appended before it was dropped, and dropped before
        // the flag was set: whatever set it before this swap is in the files read now. A flush
        // is answered only after that.
        if behind.swap(false, Ordering::SeqCst) {
            read_back(&store, &wal_dir, &failing).await;
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
    info!("log indexer stopped: every stored report is indexed");
}

/// Indexes every report of the write-ahead files in `dir`, one bucket at a time (rows already
/// indexed are left alone); a file that cannot be read is tried again, as a failing database
/// is, since sealing removes it once the flush after this is answered.
async fn read_back(store: &Store, dir: &Path, failing: &Mutex<Option<String>>) {
    let buckets = retry(failing, "listing the write-ahead files", || {
        let dir = dir.to_path_buf();
        async move { wal::buckets(&dir).map_err(|e| e.to_string()) }
    })
    .await;
    let mut read = 0;
    for bucket in buckets {
        let wire = retry(failing, "reading a write-ahead file back", || {
            let dir = dir.to_path_buf();
            async move { tokio::task::spawn_blocking(move || wal::read(&dir, bucket)).await.map_err(|e| e.to_string())?.map_err(|e| e.to_string()) }
        })
        .await;
        let now_ms = crate::clock::unix_ms();
        let rows: Vec<NewReport> = wire
            .into_iter()
            .filter_map(|bytes| SignedReport::from_bytes(&bytes).ok().map(|r| NewReport::accepted(&r, bytes, now_ms, "write-ahead file".into())))
            .collect();
        for chunk in rows.chunks(ROWS_PER_COMMIT) {
            index_until_done(store, chunk, failing).await;
        }
        read += rows.len();
    }
    info!(reports = read, "the log's index read its rows back from the write-ahead files and caught up");
}

/// Indexes `rows`, trying again until the database takes them: they are durable in the log
/// already, and the rows after them wait behind them.
async fn index_until_done(store: &Store, rows: &[NewReport], failing: &Mutex<Option<String>>) {
    retry(failing, "indexing stored reports", || async { store.index_reports(rows).await.map_err(|e| e.to_string()) }).await;
}

/// Runs `attempt` until it succeeds, waiting longer after each failure (up to [`RETRY_MAX`]);
/// meanwhile the health check says why the index fails.
async fn retry<T, F, Fut>(failing: &Mutex<Option<String>>, what: &str, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut wait = RETRY_FIRST;
    loop {
        match attempt().await {
            Ok(done) => {
                *failing.lock().unwrap_or_else(|p| p.into_inner()) = None;
                return done;
            }
            Err(e) => {
                error!(error = %e, retry_in_ms = wait.as_millis() as u64, "{what} failed");
                *failing.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_MAX);
            }
        }
    }
}
