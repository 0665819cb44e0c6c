//! The report store and its writer, on SQLite and (when `FIELDPROOF_TEST_POSTGRES_URL` names a
//! server, as in CI) on PostgreSQL: same migrations, same queries, same results.
mod support;

use fieldproof_oracle::storage::{InsertOutcome, NewReport, ReportWriter, Store, WriterConfig};
use support::stores;

fn report(i: u8, nonce: u64) -> NewReport {
    let mut nonce_bytes = [0u8; 16];
    nonce_bytes[..8].copy_from_slice(&nonce.to_le_bytes());
    NewReport {
        id: [i; 32],
        device: [i % 3; 32],
        kind: 1,
        nonce: nonce_bytes,
        signed_at_ms: 1_700_000_000_000 + i64::from(i),
        received_at_ms: 1_700_000_000_500,
        source: "127.0.0.1".into(),
        body: vec![i; 10 + usize::from(i)],
    }
}

#[tokio::test]
async fn writer_stores_reports_and_refuses_duplicates_and_replayed_nonces() {
    for (store, _dir) in stores().await {
        let (writer, task) = ReportWriter::start(store.clone(), WriterConfig::default()).await.unwrap();
        assert_eq!(writer.insert(report(1, 10)).await.unwrap(), InsertOutcome::Stored(1));
        assert_eq!(writer.insert(report(2, 10)).await.unwrap(), InsertOutcome::Stored(2));
        assert_eq!(writer.insert(report(1, 10)).await.unwrap(), InsertOutcome::Duplicate);
        // Same device (4 % 3 == 1 % 3) and nonce as report 1, other content: a replay.
        assert_eq!(writer.insert(report(4, 10)).await.unwrap(), InsertOutcome::ReplayedNonce);
        assert_eq!(writer.insert(report(4, 11)).await.unwrap(), InsertOutcome::Stored(3));
        assert_eq!(store.count_reports().await.unwrap(), 3);

        let stored = store.reports_after(0, 10).await.unwrap();
        assert_eq!(stored.iter().map(|s| s.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(stored[0].report, report(1, 10));
        assert_eq!(stored[2].report, report(4, 11));
        assert_eq!(store.reports_after(2, 10).await.unwrap().len(), 1);
        assert_eq!(store.report_by_id(&[2; 32]).await.unwrap().unwrap().report, report(2, 10));
        drop(writer);
        task.await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_inserts_are_batched_and_each_answered() {
    for (store, _dir) in stores().await {
        let (writer, task) = ReportWriter::start(store.clone(), WriterConfig { max_batch: 64, queue: 256 }).await.unwrap();
        let handles: Vec<_> = (0..200u32)
            .map(|i| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let mut r = report((i % 250) as u8, u64::from(i));
                    r.id = [0; 32];
                    r.id[..4].copy_from_slice(&i.to_le_bytes());
                    writer.insert(r).await
                })
            })
            .collect();
        let mut seqs = Vec::new();
        for h in handles {
            match h.await.unwrap().unwrap() {
                InsertOutcome::Stored(seq) => seqs.push(seq),
                other => panic!("unexpected {other:?}"),
            }
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=200).collect::<Vec<i64>>(), "every report got its own sequence number");
        assert_eq!(store.count_reports().await.unwrap(), 200);
        drop(writer);
        task.await.unwrap();
    }
}

#[tokio::test]
async fn duplicates_and_replays_among_new_reports_in_one_batch_are_each_told_apart() {
    for (store, _dir) in stores().await {
        let (writer, task) = ReportWriter::start(store.clone(), WriterConfig { max_batch: 64, queue: 256 }).await.unwrap();
        let mut new = |i: u32| {
            let mut r = report((i % 250) as u8, u64::from(i));
            r.id = [0; 32];
            r.id[..4].copy_from_slice(&i.to_le_bytes());
            r
        };
        let stored_before = new(1_000);
        assert_eq!(writer.insert(stored_before.clone()).await.unwrap(), InsertOutcome::Stored(1));
        // 60 new reports sent at once with a resend of one of them, a resend of the stored one,
        // and a replay of its nonce with other content.
        let mut batch: Vec<NewReport> = (0..60).map(&mut new).collect();
        batch.push(batch[7].clone());
        batch.push(stored_before.clone());
        batch.push(NewReport { id: [9; 32], ..stored_before.clone() });
        let handles: Vec<_> = batch
            .into_iter()
            .map(|r| {
                let writer = writer.clone();
                tokio::spawn(async move { writer.insert(r).await.unwrap() })
            })
            .collect();
        let (mut seqs, mut duplicates, mut replays) = (Vec::new(), 0, 0);
        for h in handles {
            match h.await.unwrap() {
                InsertOutcome::Stored(seq) => seqs.push(seq),
                InsertOutcome::Duplicate => duplicates += 1,
                InsertOutcome::ReplayedNonce => replays += 1,
            }
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (2..=61).collect::<Vec<i64>>(), "the new reports, numbered without gaps");
        assert_eq!((duplicates, replays), (2, 1));
        assert_eq!(store.count_reports().await.unwrap(), 61);
        // The next report after a batch that went one at a time follows on.
        assert_eq!(writer.insert(new(2_000)).await.unwrap(), InsertOutcome::Stored(62));
        drop(writer);
        task.await.unwrap();
    }
}

#[tokio::test]
async fn a_restarted_writer_resumes_after_the_last_stored_report() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("oracle.sqlite").display());
    {
        let store = Store::open(&url).await.unwrap();
        let (writer, task) = ReportWriter::start(store, WriterConfig::default()).await.unwrap();
        writer.insert(report(1, 1)).await.unwrap();
        writer.insert(report(2, 2)).await.unwrap();
        drop(writer);
        task.await.unwrap();
    }
    let store = Store::open(&url).await.unwrap();
    let (writer, _task) = ReportWriter::start(store.clone(), WriterConfig::default()).await.unwrap();
    assert_eq!(writer.insert(report(3, 3)).await.unwrap(), InsertOutcome::Stored(3));
    assert_eq!(writer.insert(report(1, 1)).await.unwrap(), InsertOutcome::Duplicate, "dedup survives the restart");
}
