//! The bench's accounting on a tiny run: every report sent is accepted and verified exactly once,
//! refusals are not counted as accepted, and the scale run stores and verifies what it was asked.
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fieldproof_oracle::bench;
use fieldproof_oracle::devices::DeviceDirectory;

const REPORTS: usize = 200;

/// The load generator: this package's binary, 16 clients, `batch` reports per request.
fn load(batch: usize) -> bench::LoadGenerator {
    bench::LoadGenerator { program: env!("CARGO_BIN_EXE_fieldproof-oracle").into(), clients: 16, batch }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_report_sent_is_accepted_and_verified_once() {
    let fleet = Arc::new(bench::honest_fleet(12, 3));
    let directory = Arc::new(DeviceDirectory::default());
    fleet.register(&directory);
    let dir = tempfile::tempdir().unwrap();
    let reports = bench::signed_reports(&fleet, now_ms(), REPORTS);
    assert_eq!(reports.len(), REPORTS);

    let ceiling = bench::ceiling(&reports, Duration::ZERO).unwrap();
    assert_eq!(ceiling.verified.items, REPORTS, "one pass over the sample");
    assert!(ceiling.cpu_per_signature > Duration::ZERO);

    // A report per request, then in batches (the last one short): the load generator's own
    // process sends them, the server's CPU time is counted.
    let single = bench::http_ingest(reports.clone(), directory.clone(), &dir.path().join("single.sqlite"), &load(1)).await.unwrap();
    assert_eq!((single.sent, single.accepted.items), (REPORTS, REPORTS), "refused: {:?}", single.refused);
    assert_eq!(single.store.count_reports().await.unwrap(), REPORTS as i64);
    let ingest = bench::http_ingest(reports, directory.clone(), &dir.path().join("http.sqlite"), &load(64)).await.unwrap();
    assert_eq!((ingest.sent, ingest.accepted.items), (REPORTS, REPORTS), "refused: {:?}", ingest.refused);
    assert!(ingest.refused.is_empty());
    assert_eq!(ingest.store.count_reports().await.unwrap(), REPORTS as i64);
    assert!(ingest.server_cpu > Duration::ZERO && ingest.cpu_per_report() < ingest.server_cpu);

    let verified = bench::judge_all(&ingest.store, &directory).await.unwrap();
    assert_eq!(verified.judged.items, REPORTS);
    assert_eq!(verified.valid, REPORTS, "an honest fleet's reports are all valid");

    let scale = bench::scale(fleet, directory, &dir.path().join("scale.sqlite"), now_ms(), REPORTS).await.unwrap();
    assert_eq!(scale.stored.items, REPORTS);
    assert!(scale.refused.is_empty(), "{:?}", scale.refused);
    assert_eq!((scale.verified.judged.items, scale.verified.valid), (REPORTS, REPORTS));
    assert!(scale.peak_rss_mib.is_some_and(|mib| mib > 0.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_tallied_by_code_and_not_counted_as_accepted() {
    let fleet = bench::honest_fleet(4, 5);
    let directory = Arc::new(DeviceDirectory::default());
    fleet.register(&directory);
    let dir = tempfile::tempdir().unwrap();
    let mut reports = bench::signed_reports(&fleet, now_ms(), 10);
    reports.push(reports[0].clone());
    // One client, so the duplicate arrives after its original was stored.
    let ingest = bench::http_ingest(reports.clone(), directory.clone(), &dir.path().join("http.sqlite"), &bench::LoadGenerator { clients: 1, ..load(1) }).await.unwrap();
    assert_eq!((ingest.sent, ingest.accepted.items), (11, 10));
    assert_eq!(ingest.refused.into_iter().collect::<Vec<_>>(), vec![("duplicate_report".to_string(), 1)]);
    // In one batch: the duplicate is answered as such, its original stored.
    let batched = bench::http_ingest(reports, directory, &dir.path().join("batched.sqlite"), &load(100)).await.unwrap();
    assert_eq!((batched.sent, batched.accepted.items), (11, 10));
    assert_eq!(batched.refused.into_iter().collect::<Vec<_>>(), vec![("duplicate_report".to_string(), 1)]);
}
