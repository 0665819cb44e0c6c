//! The verifier: judges an epoch's reports as a pure function of its canonical input — the
//! reports (each signature already checked once, by ingest or when fetched from a peer), the
//! chain facts the epoch recorded (the device directory, the blocks the reports' entropy names,
//! the denylist) and this configuration. Each report counts once, whichever oracles hold it;
//! where a rule must pick among reports it ranks them by report id (or by the canonical order,
//! signed time then id), never by arrival or position, and no rule reads a clock: two oracles
//! with the same input reach the same verdicts, byte for byte.
//!
//! Every rule uses only facts the device cannot choose: where it is asserted on chain, the
//! region plan of that place, public entropy and the chain's time for it, and the device's own
//! earlier reports.
pub mod config;
pub mod directory;
mod coverage;
mod denylist;
mod facts;
mod mapping;
pub mod physics;
mod reason;
pub mod region;

pub use config::VerificationConfig;
pub use coverage::{coverage_span, judge_coverage, Beacon, CoverageJudgement, Witness};
pub use denylist::Denylist;
pub use facts::{Block, Blocks, ChainFacts, Known};
pub use mapping::{judge_mapping, mapping_span, MappingJudgement, ValidSegment};
pub use reason::Reason;
pub use region::Region;

use std::collections::BTreeMap;

use fieldproof_reports::{ReportBody, ReportKind};
use rayon::prelude::*;

/// The time window whose reports an epoch judges: `[start_ms, end_ms)` of signed time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Window {
    pub fn contains(&self, at_ms: i64) -> bool {
        (self.start_ms..self.end_ms).contains(&at_ms)
    }
}

/// A report of an epoch's input, decoded once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputReport {
    pub id: [u8; 32],
    pub body: ReportBody,
}

impl InputReport {
    pub fn device(&self) -> [u8; 32] {
        self.body.header().device_key
    }

    pub fn signed_at_ms(&self) -> i64 {
        i64::try_from(self.body.header().timestamp_ms).unwrap_or(i64::MAX)
    }

    /// The canonical order of an epoch's input.
    fn order_key(&self) -> (i64, [u8; 32]) {
        (self.signed_at_ms(), self.id)
    }
}

/// The canonical set of an epoch's reports: each report once (the same report comes from every
/// oracle that accepted it), and of the reports of one device with one nonce (a replay that two
/// oracles each accepted once) the lowest id, the others returned apart, to be refused. The
/// order is left as it was: every rule that ranks reports ranks them by id or by
/// [`sort_canonically`], never by position.
pub fn canonical(mut reports: Vec<InputReport>) -> (Vec<InputReport>, Vec<InputReport>) {
    let first_copy = first_of_each(reports.len(), |i| prefix(&reports[i].id), |i| (reports[i].id, ()));
    retain_marked(&mut reports, &first_copy);
    let standing = first_of_each(
        reports.len(),
        |i| prefix(&reports[i].device()) ^ prefix(&reports[i].body.header().nonce).rotate_left(32),
        |i| ((reports[i].device(), reports[i].body.header().nonce), reports[i].id),
    );
    let mut index = 0;
    let replays = reports
        .extract_if(.., |_| {
            index += 1;
            !standing[index - 1]
        })
        .collect();
    (reports, replays)
}

/// Sorts reports into the canonical order: signed time, then id.
pub fn sort_canonically(reports: &mut [InputReport]) {
    reports.par_sort_unstable_by_key(InputReport::order_key);
}

/// For each of `n` items, whether it comes first among the items of its group: `key(i)` is the
/// item's group and its rank in the group (lowest first). The items are sorted as compact
/// (prefix, index) pairs, 16 bytes each, and only items whose prefixes are equal compare their
/// keys, so an epoch of millions of reports needs neither a hash map of its keys nor moving the
/// reports. `prefix(i)` must depend on the group alone; anything may choose it, as it only
/// decides how often keys are compared, never the result.
pub fn first_of_each<G: Ord, R: Ord>(n: usize, prefix: impl Fn(usize) -> u64 + Sync, key: impl Fn(usize) -> (G, R) + Sync) -> Vec<bool> {
    let mut order: Vec<(u64, usize)> = (0..n).into_par_iter().map(|i| (prefix(i), i)).collect();
    order.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| key(a.1).cmp(&key(b.1))));
    let mut first = vec![true; n];
    for pair in order.windows(2) {
        if pair[0].0 == pair[1].0 && key(pair[0].1).0 == key(pair[1].1).0 {
            first[pair[1].1] = false;
        }
    }
    first
}

/// The first eight bytes of a key, as the prefix [`first_of_each`] sorts by.
pub fn prefix(bytes: &[u8]) -> u64 {
    let mut head = [0; 8];
    head.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(head)
}

/// The byte order of 32-byte keys (ids, device keys), as `Ord` has it, with the first eight
/// bytes compared as one integer: the sorts of an epoch compare millions of random keys, and
/// nearly every comparison ends there, without a call to `memcmp`.
pub fn key_order(a: &[u8; 32], b: &[u8; 32]) -> std::cmp::Ordering {
    let head = |k: &[u8; 32]| u64::from_be_bytes([k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]]);
    head(a).cmp(&head(b)).then_with(|| a[8..].cmp(&b[8..]))
}

/// [`key_order`] of pairs of keys: the first, then the second.
pub fn pair_order(a: &([u8; 32], [u8; 32]), b: &([u8; 32], [u8; 32])) -> std::cmp::Ordering {
    key_order(&a.0, &b.0).then_with(|| key_order(&a.1, &b.1))
}

/// Keeps the items whose mark is true, in order.
pub fn retain_marked<T>(items: &mut Vec<T>, marks: &[bool]) {
    let mut index = 0;
    items.retain(|_| {
        index += 1;
        marks[index - 1]
    });
}

/// The verdict on one report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Judged {
    pub id: [u8; 32],
    pub device: [u8; 32],
    pub kind: ReportKind,
    pub signed_at_ms: i64,
    /// Why it was refused; `None` when valid.
    pub reason: Option<Reason>,
}

impl Judged {
    fn of(report: &InputReport, reason: Option<Reason>) -> Self {
        Self { id: report.id, device: report.device(), kind: report.body.kind(), signed_at_ms: report.signed_at_ms(), reason }
    }
}

/// Counts each verdict once per epoch judged, for the operator's dashboards: tallied here, then
/// one counter update per reason (a registry lookup per report costs seconds in a large epoch).
fn count(verdicts: &[Judged]) {
    let mut tally: BTreeMap<Option<Reason>, u64> = BTreeMap::new();
    for v in verdicts {
        *tally.entry(v.reason).or_default() += 1;
    }
    for (reason, n) in tally {
        metrics::counter!("fieldproof_verified_total", "reason" => reason.map_or("valid", Reason::code)).increment(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldproof_reports::{HeartbeatReport, ReportHeader};

    fn heartbeat(device: u8, nonce: u8, uptime_s: u64) -> InputReport {
        let header = ReportHeader { device_key: [device; 32], timestamp_ms: 1_000 + uptime_s, nonce: [nonce; 16] };
        let body = ReportBody::Heartbeat(HeartbeatReport { header, location_h3: 0, uptime_s, firmware_version: 1 });
        InputReport { id: body.report_id().0, body }
    }

    #[test]
    fn the_canonical_set_holds_each_report_once_and_the_lowest_id_of_a_replay() {
        let (a, b, c) = (heartbeat(1, 1, 10), heartbeat(1, 1, 20), heartbeat(1, 1, 30));
        let other = heartbeat(2, 1, 10);
        let input = vec![c.clone(), a.clone(), other.clone(), b.clone(), a.clone(), other.clone(), c.clone()];
        let (kept, replays) = canonical(input);
        let lowest = [&a, &b, &c].into_iter().min_by_key(|r| r.id).unwrap();
        let mut kept_ids: Vec<[u8; 32]> = kept.iter().map(|r| r.id).collect();
        kept_ids.sort_unstable();
        let mut expected = vec![lowest.id, other.id];
        expected.sort_unstable();
        assert_eq!(kept_ids, expected, "each report once; of device 1's three reports with nonce 1 only the lowest id");
        let mut replay_ids: Vec<[u8; 32]> = replays.iter().map(|r| r.id).collect();
        replay_ids.sort_unstable();
        let mut refused: Vec<[u8; 32]> = [&a, &b, &c].into_iter().map(|r| r.id).filter(|id| *id != lowest.id).collect();
        refused.sort_unstable();
        assert_eq!(replay_ids, refused, "the other two, once each, to be refused");
    }

    #[test]
    fn key_order_is_the_byte_order() {
        let mut keys: Vec<[u8; 32]> = (0..64u8).map(|i| std::array::from_fn(|j| if j < 8 { i % 3 } else { i.wrapping_mul(37).wrapping_add(j as u8) })).collect();
        keys.push([255; 32]);
        keys.push([0; 32]);
        for a in &keys {
            for b in &keys {
                assert_eq!(key_order(a, b), a.cmp(b));
                assert_eq!(pair_order(&(*a, *b), &(*b, *a)), (a, b).cmp(&(b, a)));
            }
        }
    }

    #[test]
    fn first_of_each_tells_groups_apart_whatever_their_prefixes() {
        // Groups by value / 10, ranked by value; the same prefix for all, or a prefix per group.
        let items = [34u32, 12, 31, 17, 40, 15, 33];
        for prefix in [|_: usize| 0u64, |i: usize| u64::from([34u32, 12, 31, 17, 40, 15, 33][i] / 10)] {
            let first = first_of_each(items.len(), prefix, |i| (items[i] / 10, items[i]));
            assert_eq!(first, vec![false, true, true, false, true, false, false]);
        }
    }
}
