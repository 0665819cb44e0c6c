//! The database's index of the log, written behind the acknowledgements.
//!
//! A report is durable, and acknowledged, once its write-ahead file is fsynced; its index row
//! only serves readers that do not need it at once (the device pages, usage burns, retention). So the writer hands each stored batch here and goes on with the next: the index
//! commits as many rows at a time as have queued up, while the writer appends and fsyncs. The
//! index is never the only copy: a row lost to a crash is indexed again from the write-ahead
//! file on start, and a bucket's file is removed only after its rows are indexed (sealing waits
//! for [`Indexer::flush`]).
//!
//! Rows are inserted `ON CONFLICT DO NOTHING`: a report already indexed (a resend another ingest
//! process stored too, a segment fetched from a peer) is left alone. Two reports of one device
//! with one nonce that reached two processes are both indexed, as both are logged: the epoch
//! that judges them refuses all but the lowest id (`replayed_nonce`), and readers of the index
//! go by the epochs' refusals.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tracing::{error, info};

use fieldproof_store::{NewReport, Store, StoreError};

/// Batches of stored rows that may wait for the index before the writer is held back.
const QUEUED_BATCHES: usize = 64;

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
    failing: FailingIndex,
}

impl Indexer {
    pub fn start(store: Store) -> (Self, tokio::task::JoinHandle<()>) {
        let (jobs, rx) = mpsc::channel(QUEUED_BATCHES);
        let failing = Arc::new(Mutex::new(None));
        let task = tokio::spawn(run(store, rx, failing.clone()));
        (Self { jobs, failing }, task)
    }

    /// Queues rows of reports already durable in the log; waits only when the index is far behind.
    pub async fn index(&self, rows: Vec<NewReport>) -> Result<(), StoreError> {
        self.jobs.send(Job::Rows(rows)).await.map_err(|_| StoreError::WriterStopped)
    }

    /// Returns once every row queued before is in the index.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let (done, answer) = oneshot::channel();
        self.jobs.send(Job::Flush(done)).await.map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)
    }

    pub fn failing_status(&self) -> FailingIndex {
        self.failing.clone()
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Job>, failing: FailingIndex) {
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
        for done in flushed {
            let _ = done.send(());
        }
    }
    info!("log indexer stopped: every stored report is indexed");
}

/// Indexes `rows`, trying again until the database takes them: they are durable in the log
/// already, and the rows after them wait behind them.
async fn index_until_done(store: &Store, rows: &[NewReport], failing: &Mutex<Option<String>>) {
    let mut wait = RETRY_FIRST;
    loop {
        match store.index_reports(rows).await {
            Ok(()) => {
                *failing.lock().unwrap_or_else(|p| p.into_inner()) = None;
                return;
            }
            Err(e) => {
                error!(error = %e, rows = rows.len(), retry_in_ms = wait.as_millis() as u64, "indexing stored reports failed");
                *failing.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_MAX);
            }
        }
    }
}
