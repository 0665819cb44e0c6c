//! The report log: the writer makes every accepted report durable in a write-ahead file before
//! its answer and indexes it, refusing duplicates and replays; a restart indexes what the files
//! hold; sealing turns a closed bucket into a segment and refuses its late reports; the index is
//! rebuilt from the log alone; two ingest processes share one database and one log store. On
//! SQLite and (when `FIELDPROOF_TEST_POSTGRES_URL` names a server, as in CI) PostgreSQL.
mod support;

use fieldproof_oracle::log::{self, segment, InsertOutcome, LogConfig, RecentReports};
use fieldproof_oracle::objects::Objects;
use fieldproof_oracle::simulate::SimReport;
use fieldproof_oracle::storage::{NewReport, Store};
use support::stores;

const START_MS: u64 = 1_800_000_060_000;

/// A round of the seeded fleet's traffic (distinct, valid reports), without the replays.
fn reports() -> Vec<SimReport> {
    let fleet = support::fleet::fleet();
    let chain = fieldproof_oracle::chain_blocks::SimulatedChain::default();
    fleet.round(0, START_MS, chain.entropy_at(START_MS))
}

fn row(sim: &SimReport) -> NewReport {
    let at = i64::try_from(sim.report.body.header().timestamp_ms).unwrap();
    NewReport::accepted(&sim.report, sim.report.to_bytes(), at + 1_000, "127.0.0.1".into())
}

fn config(dir: &std::path::Path, instance: &str) -> LogConfig {
    LogConfig { store: dir.join("log").display().to_string(), wal_dir: dir.join(format!("wal-{instance}")), instance: instance.into(), ..LogConfig::default() }
}

#[tokio::test]
async fn the_writer_logs_and_indexes_reports_and_refuses_duplicates_and_replays() {
    let reports = reports();
    for (store, _dir) in stores().await {
        let dir = tempfile::tempdir().unwrap();
        let opened = log::open(&config(dir.path(), "0"), store.clone(), "local".into(), 315_000).await.unwrap();
        let writer = opened.writer.clone();
        assert_eq!(writer.insert(row(&reports[0])).await.unwrap(), InsertOutcome::Stored);
        assert_eq!(writer.insert(row(&reports[1])).await.unwrap(), InsertOutcome::Stored);
        assert_eq!(writer.insert(row(&reports[0])).await.unwrap(), InsertOutcome::Duplicate);
        let replay = NewReport { id: [9; 32], body: reports[2].report.to_bytes(), ..row(&reports[0]) };
        assert_eq!(writer.insert(replay).await.unwrap(), InsertOutcome::ReplayedNonce);
        writer.indexed().await.unwrap();
        assert_eq!(store.count_reports().await.unwrap(), 2);
        let indexed = store.report_by_id(&reports[1].report.report_id().0).await.unwrap().unwrap();
        assert_eq!(indexed, row(&reports[1]));
        // Durable in the log before the answer: the write-ahead file holds the two, exactly.
        let in_files: Vec<Vec<u8>> = log::wal::buckets(&dir.path().join("wal-0")).unwrap().into_iter().flat_map(|b| log::wal::read(&dir.path().join("wal-0"), b).unwrap()).collect();
        assert_eq!(in_files, vec![reports[0].report.to_bytes(), reports[1].report.to_bytes()]);
        // The writer stops, having stored everything, once ingest's last handle is gone.
        drop((writer, opened.writer));
        opened.writer_task.await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_reports_are_committed_in_batches_and_duplicates_and_replays_among_them_told_apart() {
    let reports = reports();
    assert!(reports.len() > 200);
    for (store, _dir) in stores().await {
        let dir = tempfile::tempdir().unwrap();
        let opened = log::open(&config(dir.path(), "0"), store.clone(), "local".into(), 315_000).await.unwrap();
        let first = row(&reports[0]);
        assert_eq!(opened.writer.insert(first.clone()).await.unwrap(), InsertOutcome::Stored);
        // 200 new reports at once, with a resend of one of them, a resend of the stored one and
        // a replay of its nonce with other content.
        let mut batch: Vec<NewReport> = reports[1..=200].iter().map(row).collect();
        batch.push(batch[7].clone());
        batch.push(first.clone());
        batch.push(NewReport { id: [9; 32], ..first.clone() });
        let handles: Vec<_> = batch
            .into_iter()
            .map(|r| {
                let writer = opened.writer.clone();
                tokio::spawn(async move { writer.insert(r).await.unwrap() })
            })
            .collect();
        let mut tally = std::collections::BTreeMap::new();
        for h in handles {
            *tally.entry(format!("{:?}", h.await.unwrap())).or_insert(0) += 1;
        }
        assert_eq!(tally, [("Duplicate".to_string(), 2), ("ReplayedNonce".to_string(), 1), ("Stored".to_string(), 200)].into_iter().collect());
        opened.writer.indexed().await.unwrap();
        assert_eq!(store.count_reports().await.unwrap(), 201);
    }
}

#[tokio::test]
async fn the_writer_remembers_the_clock_skew_window_across_a_restart() {
    let reports = reports();
    let signed = |r: &SimReport| i64::try_from(r.report.body.header().timestamp_ms).unwrap();
    let replay = NewReport { id: [9; 32], ..row(&reports[1]) };
    for (store, _dir) in stores().await {
        let dir = tempfile::tempdir().unwrap();
        let opened = log::open(&config(dir.path(), "0"), store.clone(), "local".into(), 315_000).await.unwrap();
        assert_eq!(opened.writer.insert(row(&reports[0])).await.unwrap(), InsertOutcome::Stored);
        assert_eq!(opened.writer.insert(row(&reports[1])).await.unwrap(), InsertOutcome::Stored);
        drop(opened.writer);
        opened.writer_task.await.unwrap();

        // What a restarted writer remembers: the index's reports of the window, to its edge.
        let window = 300_000;
        let (first, last) = (signed(&reports[0]).min(signed(&reports[1])), signed(&reports[0]).max(signed(&reports[1])));
        let recent = RecentReports::rebuild(&store, window, 100, first + window).await.unwrap();
        assert_eq!(
            recent.classify([&row(&reports[0]), &replay, &row(&reports[2])]),
            vec![Some(InsertOutcome::Duplicate), Some(InsertOutcome::ReplayedNonce), None]
        );
        assert!(RecentReports::rebuild(&store, window, 100, last + window + 1).await.unwrap().is_empty(), "past the window: the clock-skew check refuses them");

        let again = log::open(&config(dir.path(), "0"), store.clone(), "local".into(), 315_000).await.unwrap();
        assert_eq!(again.writer.insert(row(&reports[0])).await.unwrap(), InsertOutcome::Duplicate);
        assert_eq!(again.writer.insert(replay.clone()).await.unwrap(), InsertOutcome::ReplayedNonce);
        assert_eq!(again.writer.insert(row(&reports[2])).await.unwrap(), InsertOutcome::Stored);
        again.writer.indexed().await.unwrap();
        assert_eq!(store.count_reports().await.unwrap(), 3);
    }
}

#[tokio::test]
async fn a_restart_indexes_what_the_write_ahead_files_hold() {
    let reports = reports();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("oracle.sqlite").display());
    // A crash after the append and before the database's commit: the report is in the file only.
    let (mut wal, _) = log::wal::Wal::open(&dir.path().join("wal-0")).unwrap();
    let bucket = log::bucket_of(reports[0].report.body.header().timestamp_ms as i64, LogConfig::default().bucket_ms());
    wal.append(&[(bucket, &reports[0].report.to_bytes())]).unwrap();
    drop(wal);
    let store = Store::open(&url).await.unwrap();
    let opened = log::open(&config(dir.path(), "0"), store.clone(), "local".into(), 315_000).await.unwrap();
    assert!(store.report_by_id(&reports[0].report.report_id().0).await.unwrap().is_some(), "indexed on start");
    assert_eq!(opened.writer.insert(row(&reports[0])).await.unwrap(), InsertOutcome::Duplicate, "a resend is a duplicate");
}

/// The answer waits for the write-ahead file, not for the database: while the index cannot be
/// written, reports are still stored and answered (more of them than the index's queue holds,
/// and while a sealing pass waits for the index), the health check says the index fails, and
/// once the database is back the index catches up with everything and the seal completes.
#[tokio::test]
async fn reports_are_stored_while_the_index_cannot_be_written_and_indexed_once_it_can() {
    let reports = reports();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("oracle.sqlite").display())).await.unwrap();
    let opened = log::open(&config(dir.path(), "0"), store.clone(), "local".into(), 315_000).await.unwrap();
    let now_ms = || i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()).unwrap();
    assert_eq!(opened.sealer.check_write_path(now_ms()).await, Ok(()));
    sqlx::query("ALTER TABLE reports RENAME TO reports_away").execute(store.pool()).await.unwrap();
    assert_eq!(opened.writer.insert(row(&reports[0])).await.unwrap(), InsertOutcome::Stored);
    // A sealing pass (the instance's first: every bucket before the reports) waits for the
    // index; the writer does not.
    let sealer = std::sync::Arc::new(opened.sealer);
    let sealing = tokio::spawn({
        let sealer = sealer.clone();
        async move { sealer.seal_due(i64::try_from(START_MS).unwrap()).await }
    });
    // One batch each, far more than the index's queue of batches holds.
    let stored = 200.min(reports.len());
    let answers = async {
        for r in &reports[1..stored] {
            assert_eq!(opened.writer.insert(row(r)).await.unwrap(), InsertOutcome::Stored);
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), answers).await.expect("answered while the index cannot be written");
    assert_eq!(opened.writer.insert(row(&reports[0])).await.unwrap(), InsertOutcome::Duplicate, "told from memory");
    assert!(!sealing.is_finished(), "the seal waits for the index");
    let mut health = Ok(());
    for _ in 0..500 {
        health = sealer.check_write_path(now_ms()).await;
        if health.is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let reason = health.expect_err("the health check fails while the index cannot be written");
    assert!(reason.starts_with("indexing the log fails"), "{reason}");
    let wal = dir.path().join("wal-0");
    let logged: Vec<Vec<u8>> = log::wal::buckets(&wal).unwrap().into_iter().flat_map(|b| log::wal::read(&wal, b).unwrap()).collect();
    assert_eq!(logged.len(), stored, "durable in the log all along");

    sqlx::query("ALTER TABLE reports_away RENAME TO reports").execute(store.pool()).await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(60), sealing).await.expect("the seal completes once the index caught up").unwrap().unwrap();
    opened.writer.indexed().await.unwrap();
    assert_eq!(store.count_reports().await.unwrap(), stored as i64, "every report indexed, the ones read back from the files too");
    assert_eq!(sealer.check_write_path(now_ms()).await, Ok(()));
}

#[tokio::test]
async fn a_sealed_bucket_becomes_a_segment_and_refuses_late_reports() {
    let reports = reports();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("o.sqlite").display())).await.unwrap();
    let opened = log::open(&config(dir.path(), "0"), store.clone(), "local".into(), 315_000).await.unwrap();
    for r in &reports {
        opened.writer.insert(row(r)).await.unwrap();
    }
    let last = reports.iter().map(|r| r.report.body.header().timestamp_ms as i64).max().unwrap();
    let sealed = opened.sealer.seal_due(last + 60_000 + 315_000).await.unwrap();
    assert!(sealed >= 1);
    assert!(log::wal::buckets(&dir.path().join("wal-0")).unwrap().is_empty(), "the sealed files are gone");
    // The segments hold every report, once, checked against their names.
    let objects = Objects::open(&config(dir.path(), "0").store).unwrap();
    let segments = log::local(&store, 0..=u64::MAX / 2).await.unwrap();
    let logged = log::read_segments(&objects, &segments).await.unwrap();
    assert_eq!(logged.len(), reports.len());
    let mut ids: Vec<[u8; 32]> = logged.iter().map(|(r, _)| r.report_id().0).collect();
    ids.sort_unstable();
    let mut expected: Vec<[u8; 32]> = reports.iter().map(|r| r.report.report_id().0).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected);
    // A report of a sealed bucket is refused; sealing again changes nothing.
    let mut late = row(&reports[0]);
    late.id = [7; 32];
    late.nonce = [7; 16];
    assert_eq!(opened.writer.insert(late).await.unwrap(), InsertOutcome::Sealed);
    assert_eq!(opened.sealer.seal_due(last + 60_000 + 315_000).await.unwrap(), 0);
    // A segment whose bytes are not its name is refused.
    let path = dir.path().join("log").join(log::segment_path(&segments[0]).as_ref());
    let mut bytes = std::fs::read(&path).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    assert!(matches!(segment::decode(&bytes, &segments[0]), Err(segment::SegmentError::WrongHash { .. })));
}

#[tokio::test]
async fn the_database_is_rebuilt_from_the_log() {
    let reports = reports();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("o.sqlite").display())).await.unwrap();
    let opened = log::open(&config(dir.path(), "0"), store.clone(), "local".into(), 315_000).await.unwrap();
    support::fleet::ingest(&opened.writer, &opened.sealer, &reports).await;
    drop(opened);
    // A new database, from the log store alone.
    let fresh = Store::open(&format!("sqlite://{}", dir.path().join("fresh.sqlite").display())).await.unwrap();
    let objects = Objects::open(&config(dir.path(), "0").store).unwrap();
    let rebuilt = log::rebuild_index(&fresh, &objects, LogConfig::default().bucket_ms()).await.unwrap();
    assert_eq!(rebuilt.reports, reports.len());
    assert_eq!(fresh.count_reports().await.unwrap(), reports.len() as i64);
    for r in &reports {
        assert_eq!(fresh.report_by_id(&r.report.report_id().0).await.unwrap().map(|i| i.body), Some(r.report.to_bytes()));
    }
    assert_eq!(log::local(&fresh, 0..=u64::MAX / 2).await.unwrap(), log::local(&store, 0..=u64::MAX / 2).await.unwrap(), "the same segments");
}

/// Two ingest processes behind one oracle identity, on one database and one log store, each
/// with its own write-ahead files: no false replays, nothing lost, both sealed in the union.
#[tokio::test]
async fn two_ingest_processes_share_one_database_and_one_log() {
    let reports = reports();
    for (store, _dir) in stores().await {
        let dir = tempfile::tempdir().unwrap();
        let a = log::open(&config(dir.path(), "a"), store.clone(), "local".into(), 315_000).await.unwrap();
        let b = log::open(&config(dir.path(), "b"), store.clone(), "local".into(), 315_000).await.unwrap();
        // The devices reach one or the other, concurrently; some reach both.
        let mut tasks = Vec::new();
        for (i, r) in reports.iter().enumerate() {
            let targets = match (i % 7 == 0, i % 2 == 0) {
                (true, _) => vec![&a.writer, &b.writer],
                (false, true) => vec![&a.writer],
                (false, false) => vec![&b.writer],
            };
            for writer in targets {
                let (writer, row) = (writer.clone(), row(r));
                tasks.push(tokio::spawn(async move { writer.insert(row).await.unwrap() }));
            }
        }
        let mut outcomes = std::collections::BTreeMap::new();
        for t in tasks {
            *outcomes.entry(format!("{:?}", t.await.unwrap())).or_insert(0) += 1;
        }
        // A report that reached both is stored by each, or answered as a duplicate by the one
        // that saw it second: each process remembers what it stored, and the log's union holds
        // a report once however many instances logged it.
        assert_eq!(outcomes.get("ReplayedNonce"), None, "no false replay: {outcomes:?}");
        let both = (0..reports.len()).filter(|i| i % 7 == 0).count();
        let stored = outcomes.get("Stored").copied().unwrap_or(0);
        assert_eq!(stored + outcomes.get("Duplicate").copied().unwrap_or(0), reports.len() + both, "{outcomes:?}");
        assert!(stored >= reports.len(), "{outcomes:?}");
        a.writer.indexed().await.unwrap();
        b.writer.indexed().await.unwrap();
        assert_eq!(store.count_reports().await.unwrap(), reports.len() as i64, "indexed once each");
        let last = reports.iter().map(|r| r.report.body.header().timestamp_ms as i64).max().unwrap();
        for opened in [&a, &b] {
            opened.sealer.seal_due(last + 60_000 + 315_000).await.unwrap();
        }
        let objects = Objects::open(&config(dir.path(), "a").store).unwrap();
        let logged = log::read_segments(&objects, &log::local(&store, 0..=u64::MAX / 2).await.unwrap()).await.unwrap();
        let distinct: std::collections::BTreeSet<[u8; 32]> = logged.iter().map(|(r, _)| r.report_id().0).collect();
        assert_eq!(distinct.len(), reports.len(), "every report in the union of the two instances' segments");
    }
}

/// A crash anywhere in sealing — after the segment, after the index, after the watermark —
/// is finished by the next pass: the same objects, nothing twice, nothing lost.
#[tokio::test]
async fn sealing_again_after_a_crash_changes_nothing() {
    let reports = reports();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("o.sqlite").display())).await.unwrap();
    let opened = log::open(&config(dir.path(), "0"), store.clone(), "local".into(), 315_000).await.unwrap();
    for r in &reports {
        opened.writer.insert(row(r)).await.unwrap();
    }
    let wal = dir.path().join("wal-0");
    let kept: Vec<(u64, Vec<Vec<u8>>)> = log::wal::buckets(&wal).unwrap().into_iter().map(|b| (b, log::wal::read(&wal, b).unwrap())).collect();
    let last = reports.iter().map(|r| r.report.body.header().timestamp_ms as i64).max().unwrap();
    opened.sealer.seal_due(last + 60_000 + 315_000).await.unwrap();
    let sealed = log::local(&store, 0..=u64::MAX / 2).await.unwrap();
    let objects = || std::fs::read_dir(dir.path().join("log/segments")).unwrap().count();
    let segments_before = objects();

    // As if the process died before the watermark moved and the files went: both come back.
    sqlx::query("DELETE FROM log_instances").execute(store.pool()).await.unwrap();
    for (bucket, records) in &kept {
        let (mut files, _) = log::wal::Wal::open(&wal).unwrap();
        let refs: Vec<(u64, &[u8])> = records.iter().map(|r| (*bucket, r.as_slice())).collect();
        files.append(&refs).unwrap();
    }
    drop(opened);
    let again = log::open(&config(dir.path(), "0"), store.clone(), "local".into(), 315_000).await.unwrap();
    again.sealer.seal_due(last + 60_000 + 315_000).await.unwrap();
    assert_eq!(log::local(&store, 0..=u64::MAX / 2).await.unwrap(), sealed, "the same segments");
    assert_eq!(objects(), segments_before, "no new object");
    assert!(log::wal::buckets(&wal).unwrap().is_empty());
    assert_eq!(store.count_reports().await.unwrap(), reports.len() as i64);
}

#[tokio::test]
async fn the_database_forgets_what_is_past_retention_and_the_log_keeps_it() {
    use fieldproof_oracle::verify::{Judged, Reason, Window};
    // Three reports signed (and received) one after the other.
    let mut rows: Vec<NewReport> = reports().iter().map(row).collect();
    rows.sort_by_key(|r| r.signed_at_ms);
    rows.dedup_by_key(|r| r.signed_at_ms);
    let rows = &rows[..3];
    for (store, _dir) in stores().await {
        let dir = tempfile::tempdir().unwrap();
        let opened = log::open(&config(dir.path(), "0"), store.clone(), "local".into(), 315_000).await.unwrap();
        for r in rows {
            assert_eq!(opened.writer.insert(r.clone()).await.unwrap(), InsertOutcome::Stored);
        }
        opened.writer.indexed().await.unwrap();
        let refused = |r: &NewReport| Judged { id: r.id, device: r.device, kind: fieldproof_reports::ReportKind::Heartbeat, signed_at_ms: r.signed_at_ms, reason: Some(Reason::InvalidLocation) };
        let window = Window { start_ms: 0, end_ms: i64::MAX };
        let kinds = [fieldproof_reports::ReportKind::Heartbeat];
        store.save_judgement("coverage", 0, window, &[0; 32], &kinds, &[refused(&rows[0])]).await.unwrap();
        store.save_judgement("coverage", 5, window, &[0; 32], &kinds, &[refused(&rows[1])]).await.unwrap();

        // Keep what was signed from the second report on and the refusals from epoch 3; blank
        // the addresses received before the third.
        let forgotten = store.forget(rows[1].signed_at_ms, 3, rows[2].received_at_ms).await.unwrap();
        assert_eq!((forgotten.reports, forgotten.refusals, forgotten.sources), (1, 1, 1));
        assert!(store.report_by_id(&rows[0].id).await.unwrap().is_none());
        assert_eq!(store.report_by_id(&rows[1].id).await.unwrap().unwrap().source, "", "its address is past retention");
        assert_eq!(store.report_by_id(&rows[2].id).await.unwrap().unwrap().source, "127.0.0.1");
        assert_eq!(store.refusals(&rows[1].device, 10).await.unwrap().len(), 1, "epoch 5's refusal stays");
        assert_eq!(store.forget(rows[1].signed_at_ms, 3, rows[2].received_at_ms).await.unwrap(), Default::default(), "a second pass finds nothing");
        // The log keeps every report: its write-ahead file still holds all three.
        drop(opened.writer);
        opened.writer_task.await.unwrap();
        let in_files: usize = log::wal::buckets(&dir.path().join("wal-0")).unwrap().into_iter().map(|b| log::wal::read(&dir.path().join("wal-0"), b).unwrap().len()).sum();
        assert_eq!(in_files, 3);
    }
}
