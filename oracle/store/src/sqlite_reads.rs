//! Reading many rows at once from a SQLite store.
//!
//! sqlx's SQLite driver steps the statement on a worker thread and hands each row to the reading
//! task on its own, about 3.5 µs a row; SQLite itself steps through a witness verdict in about
//! 0.15 µs (both measured on the epoch benchmark's store). So these reads go through rusqlite,
//! on a blocking thread of their own, each row decoded in place. PostgreSQL stores read the same
//! SQL through sqlx.
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Row};

use super::StoreError;

/// Every row of `sql`, its `$n` placeholders bound to `params` in order, taken apart by `take`.
pub async fn rows<T, const N: usize>(file: &Path, sql: &'static str, params: [i64; N], take: fn(&Row<'_>) -> rusqlite::Result<T>) -> Result<Vec<T>, StoreError>
where
    T: Send + 'static,
{
    let file: PathBuf = file.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let connection = Connection::open_with_flags(&file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        connection.busy_timeout(Duration::from_secs(10))?;
        let mut statement = connection.prepare(sql)?;
        let rows = statement.query_map(rusqlite::params_from_iter(params), take)?;
        rows.collect::<rusqlite::Result<Vec<T>>>()
    })
    .await
    .map_err(|e| StoreError::ReadStopped(e.to_string()))?
    .map_err(StoreError::from)
}
