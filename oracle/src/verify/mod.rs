//! The verifier: judges an epoch's reports as a pure function of its canonical input — the
//! reports (each signature already checked once, by ingest or when fetched from a peer), the
//! chain facts the epoch recorded (the device directory, the blocks the reports' entropy names,
//! the denylist) and this configuration. Reports are taken in a canonical order (signed time,
//! then report id), never in arrival order, and no rule reads a clock: two oracles with the same
//! input reach the same verdicts, byte for byte.
//!
//! Every rule uses only facts the device cannot choose: where it is asserted on chain, the
//! region plan of that place, public entropy and the chain's time for it, and the device's own
//! earlier reports.
pub mod config;
mod coverage;
mod denylist;
mod facts;
mod mapping;
pub(crate) mod physics;
mod reason;
pub mod region;

pub use config::VerificationConfig;
pub use coverage::{coverage_span, judge_coverage, Beacon, CoverageJudgement, Witness};
pub use denylist::Denylist;
pub use facts::{Block, Blocks, ChainFacts};
pub use mapping::{judge_mapping, mapping_span, MappingJudgement, ValidSegment};
pub use reason::Reason;
pub use region::Region;

use std::collections::HashMap;

use fieldproof_reports::{ReportBody, ReportKind};

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

/// Sorts reports into the canonical order and drops repeated ids (the same report from two
/// oracles). Of two reports of one device with one nonce (a replay that two oracles each
/// accepted once), the lowest id stands: the others are returned apart, to be refused.
pub fn canonical(mut reports: Vec<InputReport>) -> (Vec<InputReport>, Vec<InputReport>) {
    reports.sort_unstable_by_key(InputReport::order_key);
    reports.dedup_by(|a, b| a.id == b.id);
    let mut first: HashMap<([u8; 32], [u8; 16]), [u8; 32]> = HashMap::new();
    for r in &reports {
        let slot = first.entry((r.device(), r.body.header().nonce)).or_insert(r.id);
        *slot = (*slot).min(r.id);
    }
    reports.into_iter().partition(|r| first.get(&(r.device(), r.body.header().nonce)) == Some(&r.id))
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

/// Counts each verdict once per epoch judged, for the operator's dashboards.
fn count(verdicts: &[Judged]) {
    for v in verdicts {
        metrics::counter!("fieldproof_verified_total", "reason" => v.reason.map_or("valid", Reason::code)).increment(1);
    }
}
