//! What one epoch's computation reads: the reports of its span from the log's segments (or,
//! for the owner endpoints, from the database's index), decoded once, and the digest that names
//! them.
use std::collections::BTreeSet;

use fieldproof_reports::{ReportBody, ReportKind, SignedReport};
use h3o::Resolution;
use rayon::prelude::*;

use super::EpochError;
use crate::storage::Store;
use crate::verify::ValidSegment;
use crate::verify::{InputReport, Window};

/// Domain of an epoch's input digest.
const INPUT_DOMAIN: &[u8] = b"fieldproof:epoch-input:v1";

/// The reports of an epoch's input: the log segments it is computed from.
pub struct ReportSet<'a> {
    pub objects: &'a crate::objects::Objects,
    /// In hash order.
    pub segments: &'a [[u8; 32]],
}

/// Every report of `kinds` signed in `span` among the segments of `set`, decoded.
pub async fn log_reports(set: &ReportSet<'_>, kinds: &[ReportKind], span: Window) -> Result<Vec<InputReport>, EpochError> {
    crate::log::scan_segments(
        set.objects,
        set.segments,
        |kind, header| kinds.contains(&kind) && span.contains(i64::try_from(header.timestamp_ms).unwrap_or(i64::MAX)),
        |report, id| InputReport { id: id.0, body: report.body },
    )
    .await
    .map_err(|e| EpochError::Log(e.to_string()))
}

/// Every report of `kinds` signed in `span` in the database's index, decoded.
pub async fn read_reports(store: &Store, kinds: &[ReportKind], span: Window) -> Result<Vec<InputReport>, EpochError> {
    let mut rows = Vec::new();
    for kind in kinds {
        rows.extend(store.reports_signed_in(*kind, span).await?);
    }
    decode(rows)
}

/// Decodes stored reports on every core; a stored report that does not decode is a corrupt store.
fn decode(rows: Vec<([u8; 32], Vec<u8>)>) -> Result<Vec<InputReport>, EpochError> {
    rows.into_par_iter()
        .map(|(id, bytes)| match SignedReport::from_bytes(&bytes) {
            Ok(report) => Ok(InputReport { id, body: report.body }),
            Err(e) => Err(EpochError::CorruptStore(format!("report {} does not decode: {e}", hex::encode(id)))),
        })
        .collect()
}

/// sha256 over the domain and every report id of the input, in id order: two oracles with the
/// same digest judged the same reports.
pub fn input_digest(reports: &[InputReport]) -> [u8; 32] {
    digest_of(report_ids(reports))
}

/// The ids of `reports`, gathered on every core.
pub(crate) fn report_ids(reports: &[InputReport]) -> Vec<[u8; 32]> {
    reports.par_iter().map(|r| r.id).collect()
}

/// [`input_digest`] of the reports with these ids, in any order.
pub(crate) fn digest_of(mut ids: Vec<[u8; 32]>) -> [u8; 32] {
    // The ids side by side (not references to them): sorting compares neighbours in memory.
    ids.par_sort_unstable_by(crate::verify::key_order);
    ids.dedup();
    let mut hasher = solana_sha256_hasher::Hasher::default();
    hasher.hash(INPUT_DOMAIN);
    hasher.hash(ids.as_flattened());
    hasher.result().to_bytes()
}

/// The slots of every block the reports name as entropy.
pub fn entropy_slots(reports: &[InputReport]) -> BTreeSet<u64> {
    reports
        .par_iter()
        .filter_map(|r| match &r.body {
            ReportBody::Beacon(b) => Some(b.entropy.slot),
            ReportBody::MappingSegment(s) => Some(s.entropy.slot),
            _ => None,
        })
        .collect()
}

/// The cells `device`'s valid segments signed in `window` covered, at `resolution`: what the
/// wallet's map draws for a dashcam (a few rows, found through the device's index).
pub async fn device_cells(store: &Store, device: &[u8; 32], window: Window, resolution: Resolution) -> Result<BTreeSet<u64>, EpochError> {
    let rows = store.valid_reports_of(device, ReportKind::MappingSegment, window).await?;
    let mut cells = BTreeSet::new();
    for report in decode(rows)? {
        if let ReportBody::MappingSegment(s) = &report.body {
            let segment = ValidSegment {
                id: report.id,
                device: *device,
                started_ms: 0,
                points: s.points.iter().map(|p| (p.latitude_e7, p.longitude_e7)).collect(),
            };
            cells.extend(super::mapping::segment_cells(&segment, resolution));
        }
    }
    Ok(cells)
}
