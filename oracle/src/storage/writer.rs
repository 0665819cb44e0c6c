//! The single writer of accepted reports. Ingest handlers hand reports over a channel and wait;
//! the writer stores whatever has queued up in ONE transaction and answers every waiting handler
//! only after that transaction committed. Group commit keeps one fsync per batch instead of one
//! per report, and no report is acknowledged before it is durable.
use std::time::Duration;

use sqlx::any::AnyArguments;
use sqlx::{Any, Executor, Row};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, error, info};

use super::{report_columns, NewReport, Store, StoreError};

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

/// Stores the batch in one transaction; returns each report's outcome and the next free seq.
///
/// Almost every batch is all new reports: they go in many rows per statement. When that fails
/// (a duplicate or a replayed nonce among them, against the store or within the batch, or an
/// error of the database) nothing of it was stored, and the batch goes again a report at a time,
/// each one's conflict told apart. Either way the stored reports get contiguous sequence numbers.
async fn commit_batch(store: &Store, reports: &[&NewReport], next_seq: i64) -> Result<(Vec<InsertOutcome>, i64), StoreError> {
    match commit_all_new(store, reports, next_seq).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            debug!(error = %e, reports = reports.len(), "a batch was not all new reports: storing it a report at a time");
            commit_one_by_one(store, reports).await
        }
    }
}

/// Values of a report row: those of [`report_columns`], bound by [`bind_report`].
const COLUMNS: usize = 9;

async fn commit_all_new(store: &Store, reports: &[&NewReport], next_seq: i64) -> Result<(Vec<InsertOutcome>, i64), StoreError> {
    let mut tx = store.pool().begin().await?;
    let mut seq = next_seq;
    for chunk in reports.chunks(super::MAX_BINDS / COLUMNS) {
        let sql = format!("INSERT INTO reports ({}) VALUES {}", report_columns!(), super::value_rows(chunk.len(), COLUMNS));
        let mut query = sqlx::query(&sql);
        for report in chunk {
            query = bind_report(query, seq, report);
            seq += 1;
        }
        if let Err(e) = (&mut *tx).execute(query).await {
            tx.rollback().await?;
            return Err(e.into());
        }
    }
    tx.commit().await?;
    Ok(((next_seq..seq).map(InsertOutcome::Stored).collect(), seq))
}

async fn commit_one_by_one(store: &Store, reports: &[&NewReport]) -> Result<(Vec<InsertOutcome>, i64), StoreError> {
    let mut tx = store.pool().begin().await?;
    // Read again rather than trusted: a commit that failed in its answer only may have stored.
    let last = (&mut *tx).fetch_one(sqlx::query(super::LAST_SEQ)).await?;
    let mut next_seq = last.try_get::<i64, _>("last")? + 1;
    let mut outcomes = Vec::with_capacity(reports.len());
    for report in reports {
        let insert = sqlx::query(concat!(
            "INSERT INTO reports (",
            report_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING"
        ));
        let inserted = (&mut *tx).execute(bind_report(insert, next_seq, report)).await?.rows_affected();
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

/// Binds the `COLUMNS` values of `report`'s row, stored as `seq`, in the order of the inserts.
fn bind_report<'q>(query: sqlx::query::Query<'q, Any, AnyArguments<'q>>, seq: i64, report: &'q NewReport) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
    query
        .bind(seq)
        .bind(report.id.as_slice())
        .bind(report.device.as_slice())
        .bind(report.kind)
        .bind(report.nonce.as_slice())
        .bind(report.signed_at_ms)
        .bind(report.received_at_ms)
        .bind(report.source.as_str())
        .bind(report.body.as_slice())
}
