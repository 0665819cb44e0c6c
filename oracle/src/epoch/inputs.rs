//! What one epoch's computation reads from the store: the valid reports of its window, streamed
//! row by row and reduced to the few fields the reward rules need.
use futures_util::TryStreamExt;
use h3o::Resolution;
use rayon::prelude::*;
use sqlx::Row;

use super::coverage::{Beacon, Witness};
use super::mapping::Segment;
use super::EpochError;
use crate::storage::Store;
use fieldproof_reports::{ReportBody, ReportKind, SignedReport};

/// The verdicts of every report signed in `[start_ms, end_ms)` must be in: an epoch computed
/// over a half-verified window would differ from the same epoch computed a minute later.
pub async fn ensure_verified(store: &Store, start_ms: i64, end_ms: i64) -> Result<(), EpochError> {
    // Only reports after the verifier's cursor can lack a verdict: a range of the primary key.
    let verified_through = crate::verify::Verifier::verified_through(store).await?;
    let row = sqlx::query("SELECT COUNT(*) AS n FROM reports WHERE seq > $1 AND signed_at_ms >= $2 AND signed_at_ms < $3")
    .bind(verified_through)
    .bind(start_ms)
    .bind(end_ms)
    .fetch_one(store.pool())
    .await?;
    let unverified: i64 = row.try_get("n")?;
    if unverified > 0 {
        return Err(EpochError::NotVerified { unverified });
    }
    Ok(())
}

fn bytes32(row: &sqlx::any::AnyRow, name: &str) -> Result<[u8; 32], EpochError> {
    let v: Vec<u8> = row.try_get(name)?;
    v.try_into().map_err(|_| EpochError::CorruptStore(format!("{name} is not 32 bytes")))
}

/// The valid beacons signed in `[start_ms, end_ms)`.
pub async fn beacons(store: &Store, start_ms: i64, end_ms: i64) -> Result<Vec<Beacon>, EpochError> {
    let mut rows = sqlx::query(
        "SELECT r.id, r.device FROM verdicts v JOIN reports r ON r.seq = v.seq \
         WHERE v.kind = $1 AND v.status = 0 AND v.signed_at_ms >= $2 AND v.signed_at_ms < $3",
    )
    .bind(ReportKind::Beacon as i16)
    .bind(start_ms)
    .bind(end_ms)
    .fetch(store.pool());
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(Beacon { id: bytes32(&row, "id")?, device: bytes32(&row, "device")? });
    }
    Ok(out)
}

/// The valid witnesses signed in `[start_ms, end_ms)`; the caller widens the end by the
/// largest witness lag, so that a beacon at the end of the epoch keeps its witnesses.
pub async fn witnesses(store: &Store, start_ms: i64, end_ms: i64) -> Result<Vec<Witness>, EpochError> {
    let mut rows = sqlx::query(
        "SELECT beacon_id, device FROM verdicts WHERE kind = $1 AND status = 0 AND signed_at_ms >= $2 AND signed_at_ms < $3",
    )
    .bind(ReportKind::Witness as i16)
    .bind(start_ms)
    .bind(end_ms)
    .fetch(store.pool());
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(Witness { beacon_id: bytes32(&row, "beacon_id")?, device: bytes32(&row, "device")? });
    }
    Ok(out)
}

/// A segment row before its body is decoded: id, device, signed time, body.
type SegmentRow = ([u8; 32], [u8; 32], i64, Vec<u8>);

/// The valid mapping segments signed in `[start_ms, end_ms)`, with the cells they cover. Bodies
/// are decoded in parallel chunks as they stream in.
pub async fn segments(store: &Store, start_ms: i64, end_ms: i64, resolution: Resolution) -> Result<Vec<Segment>, EpochError> {
    segments_where(store, None, start_ms, end_ms, resolution).await
}

/// The valid mapping segments of one device signed in `[start_ms, end_ms)`: what the wallet's
/// map draws as the cells a dashcam covered.
pub async fn device_segments(store: &Store, device: &[u8; 32], start_ms: i64, end_ms: i64, resolution: Resolution) -> Result<Vec<Segment>, EpochError> {
    segments_where(store, Some(device), start_ms, end_ms, resolution).await
}

async fn segments_where(store: &Store, device: Option<&[u8; 32]>, start_ms: i64, end_ms: i64, resolution: Resolution) -> Result<Vec<Segment>, EpochError> {
    const CHUNK: usize = 4_096;
    const VALID_SEGMENTS: &str = "SELECT r.id, r.device, r.signed_at_ms, r.body FROM verdicts v JOIN reports r ON r.seq = v.seq \
         WHERE v.kind = $1 AND v.status = 0 AND v.signed_at_ms >= $2 AND v.signed_at_ms < $3";
    // The device's own rows through the verdicts' (device, seq) index, not a scan of the window.
    let text = match device {
        Some(_) => format!("{VALID_SEGMENTS} AND v.device = $4"),
        None => VALID_SEGMENTS.to_string(),
    };
    let mut query = sqlx::query(&text).bind(ReportKind::MappingSegment as i16).bind(start_ms).bind(end_ms);
    if let Some(device) = device {
        query = query.bind(device.as_slice());
    }
    let mut rows = query.fetch(store.pool());
    let mut out = Vec::new();
    let mut chunk: Vec<SegmentRow> = Vec::with_capacity(CHUNK);
    loop {
        let row = rows.try_next().await?;
        if let Some(row) = &row {
            chunk.push((bytes32(row, "id")?, bytes32(row, "device")?, row.try_get("signed_at_ms")?, row.try_get("body")?));
        }
        if chunk.len() == CHUNK || (row.is_none() && !chunk.is_empty()) {
            let decoded: Result<Vec<Segment>, EpochError> = chunk
                .par_drain(..)
                .map(|(id, device, at, body)| match SignedReport::from_bytes(&body).map(|r| r.body) {
                    Ok(ReportBody::MappingSegment(segment)) => Ok(Segment::new(id, device, at, &segment, resolution)),
                    _ => Err(EpochError::CorruptStore(format!("valid mapping segment {} does not decode", hex::encode(id)))),
                })
                .collect();
            out.extend(decoded?);
        }
        if row.is_none() {
            return Ok(out);
        }
    }
}
