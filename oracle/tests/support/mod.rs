//! What several oracle test files share: the databases the storage-dependent tests run on, and a
//! simulated fleet's stored traffic. Each test file uses part of it.
#![allow(dead_code)]

pub mod fleet;
pub mod network;

use fieldproof_oracle::storage::Store;

/// Every database the tests run against: a fresh SQLite file, and PostgreSQL when
/// `FIELDPROOF_TEST_POSTGRES_URL` names a server (as in CI). The directory keeps the SQLite file.
pub async fn stores() -> Vec<(Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open(&format!("sqlite://{}", dir.path().join("oracle.sqlite").display())).await.unwrap();
    let mut all = vec![(sqlite, Some(dir))];
    if let Ok(url) = std::env::var("FIELDPROOF_TEST_POSTGRES_URL") {
        all.push((Store::open(&fresh_postgres_database(&url).await).await.unwrap(), None));
    }
    all
}

/// Creates an empty database next to the one `url` names and returns its URL, so concurrent
/// tests never share rows.
pub async fn fresh_postgres_database(url: &str) -> String {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(url).await.expect("PostgreSQL from FIELDPROOF_TEST_POSTGRES_URL");
    let name = format!("fieldproof_t{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
    let base = url.rsplit_once('/').expect("URL ends with /database").0;
    format!("{base}/{name}")
}
