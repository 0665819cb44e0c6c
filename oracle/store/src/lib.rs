//! The oracle's database through sqlx's runtime-generic driver: an embedded SQLite file by
//! default, PostgreSQL when given a `postgres://` URL. The migrations and every query are the
//! same for both (portable types, `$n` placeholders used once each and in order); bulk reads from
//! SQLite go through [`sqlite_reads`] instead.
//!
//! Every query of the oracle is here, each table's in the module of its rows:
//! - `reports` (this file): the index of the report log, written after ingest answers and
//!   rebuilt from the log; read by the owner endpoints, usage burns and retention;
//! - `judgements`, `refusals` (`judgements.rs`): what each epoch judged, and why a report was refused;
//! - `log_segments`, `log_instances`, `health_probes` (`log_tables.rs`): the segments the log
//!   store holds, each ingest instance's sealing watermark, the health check's probe;
//! - `epochs` (`epochs.rs`): each pool's epochs in the quorum's pipeline;
//! - `burn_batches`, `session_burns` (`burns.rs`): usage burns;
//! - `chain_blocks` (`chain_blocks.rs`): the chain's blocks read once for their entropy.
mod burns;
mod chain_blocks;
mod epochs;
mod judgements;
mod log_tables;
pub mod retention;
pub mod sqlite_reads;

pub use burns::SentBatch;
pub use epochs::EpochRow;
pub use judgements::Refusal;
pub use log_tables::SegmentRow;
pub use retention::{Forgotten, RetentionConfig};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, Executor, Row};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Every SQLite connection's settings:
/// - WAL with full fsync: an acknowledged commit survives a crash or power loss.
/// - 64 MiB of page cache (default 2 MiB): the reports' random-id index no longer re-reads and
///   re-writes its pages within a commit.
/// - A checkpoint once the WAL holds 20,000 pages (80 MiB; default 1,000). Each report lands on
///   a random page of each of its random-key indexes (id; device and nonce), so every commit
///   dirties about two pages per report. With the default, the committing writer copied those
///   pages back into the database every few commits; now a page written by many commits is
///   copied back once. Measured with 128 reports per commit: 11,700 -> 23,750 rows/s.
pub const SQLITE_PRAGMAS: &str =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 20000;";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the report writer has stopped")]
    WriterStopped,
    #[error("SQLite read: {0}")]
    SqliteRead(#[from] rusqlite::Error),
    #[error("a read of the database stopped: {0}")]
    ReadStopped(String),
}

/// A report accepted by ingest (or fetched from a peer's log), ready to be indexed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReport {
    /// Content hash of the signed report: equal ids are duplicates.
    pub id: [u8; 32],
    pub device: [u8; 32],
    pub kind: i16,
    pub nonce: [u8; 16],
    pub signed_at_ms: i64,
    pub received_at_ms: i64,
    /// Who sent it (the peer address), for per-source accounting.
    pub source: String,
    /// The signed report exactly as received.
    pub body: Vec<u8>,
}

/// What tells a report from others of its device: its id, and the nonce its device used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportKey {
    pub id: [u8; 32],
    pub device: [u8; 32],
    pub nonce: [u8; 16],
    pub signed_at_ms: i64,
}

impl From<&NewReport> for ReportKey {
    fn from(r: &NewReport) -> Self {
        Self { id: r.id, device: r.device, nonce: r.nonce, signed_at_ms: r.signed_at_ms }
    }
}

impl NewReport {
    /// The row of `report`, accepted as `body` (the exact bytes received) from `source` at
    /// `received_at_ms`.
    pub fn accepted(report: &fieldproof_reports::SignedReport, body: Vec<u8>, received_at_ms: i64, source: String) -> Self {
        let header = report.body.header();
        Self {
            id: report.report_id().0,
            device: header.device_key,
            kind: i16::from(report.body.kind() as u8),
            nonce: header.nonce,
            signed_at_ms: i64::try_from(header.timestamp_ms).unwrap_or(i64::MAX),
            received_at_ms,
            source,
            body,
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    sqlite_file: Option<PathBuf>,
}

impl Store {
    /// Opens (creating when needed) the database at `url` and applies the migrations.
    /// `sqlite://path` files are created; SQLite runs in WAL mode with full fsync, so an
    /// acknowledged commit survives a crash or power loss.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let url = sqlite_create_mode(url);
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        let sqlite_file = if url.starts_with("sqlite:") { Some(SqliteConnectOptions::from_str(&url)?.get_filename().to_path_buf()) } else { None };
        Ok(Self { pool, sqlite_file })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The database file, when the store is SQLite: for [`sqlite_reads`].
    pub fn sqlite_file(&self) -> Option<&Path> {
        self.sqlite_file.as_deref()
    }

    /// The keys of every report of the index signed at or after `since_ms`.
    pub async fn reports_signed_since(&self, since_ms: i64) -> Result<Vec<ReportKey>, StoreError> {
        let rows = sqlx::query("SELECT id, device, nonce, signed_at_ms FROM reports WHERE signed_at_ms >= $1").bind(since_ms).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok(ReportKey { id: bytes_n(row, "id")?, device: bytes_n(row, "device")?, nonce: bytes_n(row, "nonce")?, signed_at_ms: row.try_get("signed_at_ms")? }))
            .collect()
    }

    /// Indexes reports of the log: each row inserted unless the index has its id already (a
    /// resend stored by another ingest process, a segment fetched again). Many rows per
    /// statement, in one transaction.
    pub async fn index_reports(&self, rows: &[NewReport]) -> Result<(), StoreError> {
        const COLUMNS: usize = 8;
        let mut tx = self.pool.begin().await?;
        for chunk in rows.chunks(MAX_BINDS / COLUMNS) {
            let sql = format!("INSERT INTO reports ({}) VALUES {} ON CONFLICT DO NOTHING", crate::report_columns!(), value_rows(chunk.len(), COLUMNS));
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = query
                    .bind(row.id.as_slice())
                    .bind(row.device.as_slice())
                    .bind(row.kind)
                    .bind(row.nonce.as_slice())
                    .bind(row.signed_at_ms)
                    .bind(row.received_at_ms)
                    .bind(row.source.as_str())
                    .bind(row.body.as_slice());
            }
            (&mut *tx).execute(query).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn count_reports(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM reports").fetch_one(&self.pool).await?;
        Ok(row.try_get::<i64, _>("n")?)
    }

    pub async fn report_by_id(&self, id: &[u8; 32]) -> Result<Option<NewReport>, StoreError> {
        let row = sqlx::query(concat!("SELECT ", crate::report_columns!(), " FROM reports WHERE id = $1"))
        .bind(id.as_slice())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(indexed_report).transpose()
    }
}

fn indexed_report(row: &sqlx::any::AnyRow) -> Result<NewReport, StoreError> {
    let bytes32 = |name: &str| bytes_n::<32>(row, name);
    Ok(NewReport {
        id: bytes32("id")?,
        device: bytes32("device")?,
        kind: row.try_get("kind")?,
        nonce: bytes_n::<16>(row, "nonce")?,
        signed_at_ms: row.try_get("signed_at_ms")?,
        received_at_ms: row.try_get("received_at_ms")?,
        source: row.try_get("source")?,
        body: row.try_get("body")?,
    })
}

/// A count or number as a BIGINT column holds it (saturating: none of ours comes near).
fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub fn bytes_n<const N: usize>(row: &sqlx::any::AnyRow, name: &str) -> Result<[u8; N], StoreError> {
    let v: Vec<u8> = row.try_get(name)?;
    v.try_into().map_err(|_| StoreError::Database(sqlx::Error::Decode(format!("{name} is not {N} bytes").into())))
}

/// Values bound in one statement of many rows. SQLite looks each parameter's name up in a list as
/// long as the statement's parameters, so binding is quadratic in their number: with 4,000 per
/// statement, binding took a sixth of the verifier's time.
pub const MAX_BINDS: usize = 256;

/// `$first, $first+1, …` for `n` values.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `($1, …, $columns), ($columns+1, …), …` for `rows` rows: the values of a many-row insert.
pub fn value_rows(rows: usize, columns: usize) -> String {
    (0..rows).map(|i| format!("({})", placeholders(i * columns + 1, columns))).collect::<Vec<_>>().join(", ")
}

/// The columns of a report row, in the order every query of them names and binds them (a macro,
/// so that `concat!` builds static SQL with them).
#[macro_export]
macro_rules! report_columns {
    () => {
        "id, device, kind, nonce, signed_at_ms, received_at_ms, source, body"
    };
}

/// SQLite URLs open read-write and create the file when it does not exist yet.
fn sqlite_create_mode(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains("mode=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_string()
    }
}
