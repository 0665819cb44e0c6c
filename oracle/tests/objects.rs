//! The write-once object store on a real S3-compatible server (CI starts one, moto's server
//! mode; `FIELDPROOF_TEST_S3_URL` names a bucket on it, `s3://<bucket>`, and the `AWS_*`
//! environment its endpoint and credentials): conditional creates, the report log sealed into it
//! and rebuilt from it. The same behaviour on a local directory is tested beside the code.
mod support;

use fieldproof_oracle::log::{self, LogConfig};
use fieldproof_oracle::objects::{Created, Objects, ObjectsError};
use fieldproof_oracle::storage::Store;
use object_store::path::Path;

/// A fresh prefix of the test bucket; none without a server.
fn s3(prefix: &str) -> Option<String> {
    let bucket = std::env::var("FIELDPROOF_TEST_S3_URL").ok()?;
    let unique = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    Some(format!("{}/{prefix}-{unique}", bucket.trim_end_matches('/')))
}

#[tokio::test]
async fn objects_are_created_once_on_s3() {
    let Some(location) = s3("objects") else { return eprintln!("FIELDPROOF_TEST_S3_URL unset: the S3 tests run in CI") };
    let objects = Objects::open(&location).unwrap();
    let path = Path::from("a/b.bin");
    assert_eq!(objects.create(&path, b"one".to_vec()).await.unwrap(), Created::New);
    assert_eq!(objects.create(&path, b"one".to_vec()).await.unwrap(), Created::Existing, "the same bytes again: a no-op");
    assert!(matches!(objects.create(&path, b"two".to_vec()).await, Err(ObjectsError::Conflict { .. })), "never replaced");
    assert_eq!(objects.get(&path).await.unwrap().as_deref(), Some(&b"one"[..]));
    assert!(objects.exists(&path).await.unwrap());
    assert_eq!(objects.list(&Path::from("a")).await.unwrap(), vec![path]);
}

#[tokio::test]
async fn the_report_log_seals_into_s3_and_is_rebuilt_from_it() {
    let Some(location) = s3("log") else { return eprintln!("FIELDPROOF_TEST_S3_URL unset: the S3 tests run in CI") };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("o.sqlite").display())).await.unwrap();
    let config = LogConfig { store: location.clone(), wal_dir: dir.path().join("wal"), ..LogConfig::default() };
    let opened = log::open(&config, store.clone(), "local".into(), 315_000).await.unwrap();
    let traffic = support::fleet::traffic(&support::fleet::fleet(), 1_800_000_060_000, 1);
    support::fleet::ingest(&opened.writer, &opened.sealer, &traffic).await;
    let indexed = store.count_reports().await.unwrap();
    assert!(indexed > 100);
    let fresh = Store::open(&format!("sqlite://{}", dir.path().join("fresh.sqlite").display())).await.unwrap();
    let rebuilt = log::rebuild_index(&fresh, &Objects::open(&location).unwrap(), config.bucket_ms()).await.unwrap();
    assert_eq!(rebuilt.reports as i64, indexed);
    assert_eq!(fresh.count_reports().await.unwrap(), indexed);
}
