//! The writer's memory of the reports it stored lately, by id and by (device, nonce).
//!
//! A resend or a replayed nonce within the clock-skew window is answered from here, without a
//! round trip to the database, and never reaches a writer batch (a batch with one conflicting
//! row fails whole and goes again a report at a time). Nothing older needs remembering: a report
//! signed before the window is refused by the clock-skew check before it gets to the writer.
//!
//! It is what ingest answers by: the database's index is written after the answers. It is
//! bounded (beyond `max_entries` the oldest buckets are forgotten early), and a second ingest
//! process has its own, so a resend it no longer knows, or one that reached the other process,
//! is stored again. That costs a second copy in the log and nothing else: an epoch's input is
//! deduplicated by report id, and of two reports of one device with one nonce only the first by
//! report id counts (the verifier's replay rule), whichever oracles or processes logged them.
use std::collections::{BTreeMap, HashMap, HashSet};

use super::writer::InsertOutcome;
use fieldproof_store::{NewReport, ReportKey, Store, StoreError};

/// How finely the memory is forgotten: a bucket of signed time goes whole once all of it is
/// older than the window.
const BUCKET_MS: i64 = 10_000;

type NonceKey = ([u8; 32], [u8; 16]);

/// The reports stored within the last `window_ms` of signed time, at most `max_entries`.
#[derive(Debug)]
pub struct RecentReports {
    window_ms: i64,
    max_entries: usize,
    /// Report id by (device, nonce): the id tells a resend from a replay.
    by_nonce: HashMap<NonceKey, [u8; 32]>,
    ids: HashSet<[u8; 32]>,
    /// The (device, nonce) of each bucket's reports, to forget them by bucket.
    buckets: BTreeMap<i64, Vec<NonceKey>>,
}

impl RecentReports {
    pub fn new(window_ms: i64, max_entries: usize) -> Self {
        Self { window_ms, max_entries, by_nonce: HashMap::new(), ids: HashSet::new(), buckets: BTreeMap::new() }
    }

    /// The memory as it was before a restart: the reports of the database's index (which the
    /// write-ahead files were indexed into first) signed within the window of `now_ms`.
    pub async fn rebuild(store: &Store, window_ms: i64, max_entries: usize, now_ms: i64) -> Result<Self, StoreError> {
        let mut recent = Self::new(window_ms, max_entries);
        for report in store.reports_signed_since(now_ms.saturating_sub(window_ms)).await? {
            recent.remember(report, now_ms);
        }
        Ok(recent)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// What each of `reports` is, as far as the memory and the batch itself tell: `None` for a
    /// report neither saw (to be stored), a duplicate or a replayed nonce otherwise. Of two equal
    /// reports, or two of one device with one nonce, in the batch, the first goes on.
    pub fn classify<'r>(&self, reports: impl IntoIterator<Item = &'r NewReport>) -> Vec<Option<InsertOutcome>> {
        let mut batch: HashMap<NonceKey, [u8; 32]> = HashMap::new();
        reports
            .into_iter()
            .map(|r| {
                let key = (r.device, r.nonce);
                let earlier = if self.ids.contains(&r.id) { Some(r.id) } else { self.by_nonce.get(&key).or_else(|| batch.get(&key)).copied() };
                match earlier {
                    Some(id) if id == r.id => Some(InsertOutcome::Duplicate),
                    Some(_) => Some(InsertOutcome::ReplayedNonce),
                    None => {
                        batch.insert(key, r.id);
                        None
                    }
                }
            })
            .collect()
    }

    /// Remembers a stored report, and forgets what the window left behind by `now_ms`.
    pub fn remember(&mut self, report: ReportKey, now_ms: i64) {
        let key = (report.device, report.nonce);
        // The first of a device's reports with one nonce is the one remembered (the index can
        // hold two that two ingest processes stored): another with that nonce is a replay.
        if let std::collections::hash_map::Entry::Vacant(slot) = self.by_nonce.entry(key) {
            slot.insert(report.id);
            self.ids.insert(report.id);
            self.buckets.entry(report.signed_at_ms.div_euclid(BUCKET_MS)).or_default().push(key);
        }
        self.forget_before(now_ms.saturating_sub(self.window_ms));
        while self.ids.len() > self.max_entries && self.forget_oldest_bucket() {}
    }

    /// Forgets the buckets that end at or before `signed_ms`.
    fn forget_before(&mut self, signed_ms: i64) {
        while self.buckets.first_key_value().is_some_and(|(bucket, _)| (bucket + 1).saturating_mul(BUCKET_MS) <= signed_ms) {
            self.forget_oldest_bucket();
        }
    }

    fn forget_oldest_bucket(&mut self) -> bool {
        let Some((_, keys)) = self.buckets.pop_first() else { return false };
        for key in keys {
            if let Some(id) = self.by_nonce.remove(&key) {
                self.ids.remove(&id);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(n: u8, nonce: u8, signed_at_ms: i64) -> NewReport {
        NewReport {
            id: [n; 32],
            device: [1; 32],
            kind: 0,
            nonce: [nonce; 16],
            signed_at_ms,
            received_at_ms: signed_at_ms,
            source: String::new(),
            body: Vec::new(),
        }
    }

    #[test]
    fn a_resend_is_a_duplicate_and_another_report_with_its_nonce_a_replay() {
        let mut recent = RecentReports::new(300_000, 100);
        let first = report(1, 1, 1_000_000);
        recent.remember((&first).into(), 1_000_000);
        let outcomes = recent.classify([&first, &report(2, 1, 1_000_500), &report(3, 2, 1_000_500)]);
        assert_eq!(outcomes, vec![Some(InsertOutcome::Duplicate), Some(InsertOutcome::ReplayedNonce), None]);
    }

    #[test]
    fn of_two_reports_with_one_nonce_in_the_index_the_first_is_remembered() {
        // Two ingest processes each stored one of them; a restart reads both from the index.
        let mut recent = RecentReports::new(300_000, 100);
        let (first, second) = (report(1, 1, 1_000_000), report(2, 1, 1_000_000));
        recent.remember((&first).into(), 1_000_000);
        recent.remember((&second).into(), 1_000_000);
        assert_eq!(recent.len(), 1);
        assert_eq!(recent.classify([&first, &second]), vec![Some(InsertOutcome::Duplicate), Some(InsertOutcome::ReplayedNonce)]);
        // Forgotten whole when its bucket leaves the window: nothing of either lingers.
        recent.remember((&report(3, 3, 2_000_000)).into(), 2_000_000);
        assert_eq!(recent.len(), 1);
    }

    #[test]
    fn within_a_batch_the_first_goes_on() {
        let recent = RecentReports::new(300_000, 100);
        let (a, b) = (report(1, 1, 0), report(2, 1, 0));
        assert_eq!(recent.classify([&a, &a, &b]), vec![None, Some(InsertOutcome::Duplicate), Some(InsertOutcome::ReplayedNonce)]);
    }

    #[test]
    fn a_report_is_remembered_until_the_window_has_passed_it_and_not_after() {
        let window = 300_000;
        let mut recent = RecentReports::new(window, 100);
        let signed = 1_000_000;
        let old = report(1, 1, signed);
        recent.remember((&old).into(), signed);
        // At the window's edge the report could still be accepted (|skew| = window): remembered.
        recent.remember((&report(2, 2, signed + window)).into(), signed + window);
        assert_eq!(recent.classify([&old]), vec![Some(InsertOutcome::Duplicate)]);
        // Once its whole bucket is older than the window, the clock-skew check refuses it first.
        let later = (signed.div_euclid(BUCKET_MS) + 1) * BUCKET_MS + window;
        recent.remember((&report(3, 3, later)).into(), later);
        assert_eq!(recent.classify([&old]), vec![None]);
        assert_eq!(recent.len(), 2);
    }

    #[test]
    fn beyond_its_bound_the_oldest_buckets_go_first() {
        let mut recent = RecentReports::new(i64::MAX / 2, 3);
        for n in 0..5u8 {
            let signed = i64::from(n) * BUCKET_MS;
            recent.remember((&report(n, n, signed)).into(), signed);
        }
        assert_eq!(recent.len(), 3);
        assert_eq!(recent.classify([&report(0, 0, 0), &report(4, 4, 4 * BUCKET_MS)]), vec![None, Some(InsertOutcome::Duplicate)]);
    }
}
