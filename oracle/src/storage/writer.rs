//! The single writer of accepted reports. Ingest handlers hand reports over a channel and wait;
//! the writer stores whatever has queued up in ONE transaction and answers every waiting handler
//! only after that transaction committed. Group commit keeps one fsync per batch instead of one
//! per report, and no report is acknowledged before it is durable.
use std::time::Duration;

use sqlx::Executor;
use tokio::sync::{mpsc, oneshot};
use tracing::{error, info};

use super::{NewReport, Store, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertOutcome {
    /// Stored under this sequence number.
    Stored(i64),
    /// A report with the same id is already stored.
    Duplicate,
    /// The device already used this nonce for another report.
    ReplayedNonce,
}

#[derive(Clone, Copy, Debug)]
pub struct WriterConfig {
    /// Most reports committed in one transaction.
    pub max_batch: usize,
    /// Reports that may wait for the writer before senders are pushed back.
    pub queue: usize,
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self { max_batch: 1024, queue: 8192 }
    }
}

type Reply = oneshot::Sender<Result<InsertOutcome, StoreError>>;

/// Handle to the writer task; cheap to clone. The task ends, after committing everything sent
/// to it, when the last handle is dropped.
#[derive(Clone)]
pub struct ReportWriter {
    jobs: mpsc::Sender<(NewReport, Reply)>,
}

impl ReportWriter {
    /// Starts the writer task over `store`.
    pub async fn start(store: Store, config: WriterConfig) -> Result<(Self, tokio::task::JoinHandle<()>), StoreError> {
        let next_seq = store.next_seq().await?;
        let (jobs, rx) = mpsc::channel(config.queue);
        let task = tokio::spawn(run(store, rx, next_seq, config.max_batch));
        Ok((Self { jobs }, task))
    }

    /// Stores `report` durably, or says why it was not stored.
    pub async fn insert(&self, report: NewReport) -> Result<InsertOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send((report, reply)).await.map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<(NewReport, Reply)>, mut next_seq: i64, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        let reports: Vec<&NewReport> = batch.iter().map(|(r, _)| r).collect();
        match commit_batch(&store, &reports, next_seq).await {
            Ok((outcomes, after)) => {
                next_seq = after;
                for ((_, reply), outcome) in batch.drain(..).zip(outcomes) {
                    // A handler that gave up (timeout) no longer listens; its report is stored anyway.
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                error!(error = %e, reports = batch.len(), "report batch not stored");
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(StoreError::Database(sqlx::Error::Protocol(format!("batch not stored: {e}")))));
                }
                // Give a failing database a moment instead of spinning on it.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    info!("report writer stopped: every queued report was handled");
}

/// Inserts the batch in one transaction; returns each report's outcome and the next free seq.
async fn commit_batch(store: &Store, reports: &[&NewReport], mut next_seq: i64) -> Result<(Vec<InsertOutcome>, i64), StoreError> {
    let mut tx = store.pool().begin().await?;
    let mut outcomes = Vec::with_capacity(reports.len());
    for report in reports {
        let inserted = (&mut *tx)
            .execute(
                sqlx::query(
                    "INSERT INTO reports (seq, id, device, kind, nonce, signed_at_ms, received_at_ms, source, body) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                )
                .bind(next_seq)
                .bind(report.id.as_slice())
                .bind(report.device.as_slice())
                .bind(report.kind)
                .bind(report.nonce.as_slice())
                .bind(report.signed_at_ms)
                .bind(report.received_at_ms)
                .bind(report.source.as_str())
                .bind(report.body.as_slice()),
            )
            .await?
            .rows_affected();
        if inserted == 1 {
            outcomes.push(InsertOutcome::Stored(next_seq));
            next_seq += 1;
            continue;
        }
        let same_id = (&mut *tx)
            .fetch_optional(sqlx::query("SELECT seq FROM reports WHERE id = $1").bind(report.id.as_slice()))
            .await?;
        outcomes.push(if same_id.is_some() { InsertOutcome::Duplicate } else { InsertOutcome::ReplayedNonce });
    }
    tx.commit().await?;
    Ok((outcomes, next_seq))
}
