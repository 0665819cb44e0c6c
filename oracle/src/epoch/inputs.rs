//! What one epoch's computation reads from the store: the valid reports of its window, read in
//! one pass and reduced to the few fields the reward rules need.
use futures_util::TryStreamExt;
use h3o::Resolution;
use rayon::prelude::*;
use sqlx::any::AnyRow;
use sqlx::{Column, Row};

use super::coverage::{Beacon, Witness};
use super::mapping::Segment;
use super::EpochError;
use crate::storage::{sqlite_reads, Store};
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

/// Every row of `sql`, which binds the report kind and the signed-time window in that order:
/// through [`sqlite_reads`] on SQLite, through sqlx on PostgreSQL, each row taken apart by the
/// decoder of its back end.
async fn rows<T: Send + 'static>(
    store: &Store,
    sql: &'static str,
    (kind, start_ms, end_ms): (ReportKind, i64, i64),
    from_sqlite: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    from_any: fn(&AnyRow) -> Result<T, EpochError>,
) -> Result<Vec<T>, EpochError> {
    if let Some(file) = store.sqlite_file() {
        return Ok(sqlite_reads::rows(file, sql, [kind as i64, start_ms, end_ms], from_sqlite).await?);
    }
    let mut rows = sqlx::query(sql).bind(kind as i16).bind(start_ms).bind(end_ms).fetch(store.pool());
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(from_any(&row)?);
    }
    Ok(out)
}

fn bytes32(row: &AnyRow, index: usize) -> Result<[u8; 32], EpochError> {
    let bytes: &[u8] = row.try_get(index)?;
    bytes.try_into().map_err(|_| EpochError::CorruptStore(format!("{} is not 32 bytes", row.columns().get(index).map_or("a column", |c| c.name()))))
}

/// Two 32-byte columns: a beacon's id and sender, or a witness's beacon id and device.
type Pair = [[u8; 32]; 2];

fn pair_from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Pair> {
    Ok([row.get(0)?, row.get(1)?])
}

fn pair_from_any(row: &AnyRow) -> Result<Pair, EpochError> {
    Ok([bytes32(row, 0)?, bytes32(row, 1)?])
}

/// The valid beacons signed in `[start_ms, end_ms)`.
pub async fn beacons(store: &Store, start_ms: i64, end_ms: i64) -> Result<Vec<Beacon>, EpochError> {
    let rows = rows(
        store,
        "SELECT r.id, r.device FROM verdicts v JOIN reports r ON r.seq = v.seq \
         WHERE v.kind = $1 AND v.status = 0 AND v.signed_at_ms >= $2 AND v.signed_at_ms < $3",
        (ReportKind::Beacon, start_ms, end_ms),
        pair_from_sqlite,
        pair_from_any,
    )
    .await?;
    Ok(rows.into_iter().map(|[id, device]| Beacon { id, device }).collect())
}

/// The valid witnesses signed in `[start_ms, end_ms)`; the caller widens the end by the
/// largest witness lag, so that a beacon at the end of the epoch keeps its witnesses.
pub async fn witnesses(store: &Store, start_ms: i64, end_ms: i64) -> Result<Vec<Witness>, EpochError> {
    let rows = rows(
        store,
        "SELECT beacon_id, device FROM verdicts WHERE kind = $1 AND status = 0 AND signed_at_ms >= $2 AND signed_at_ms < $3",
        (ReportKind::Witness, start_ms, end_ms),
        pair_from_sqlite,
        pair_from_any,
    )
    .await?;
    Ok(rows.into_iter().map(|[beacon_id, device]| Witness { beacon_id, device }).collect())
}

/// A segment before its body is decoded: id, device, signed time, body.
type SegmentRow = ([u8; 32], [u8; 32], i64, Vec<u8>);

fn segment_from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<SegmentRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn segment_from_any(row: &AnyRow) -> Result<SegmentRow, EpochError> {
    Ok((bytes32(row, 0)?, bytes32(row, 1)?, row.try_get(2)?, row.try_get(3)?))
}

/// The valid mapping segments signed in `[start_ms, end_ms)`, with the cells they cover; the
/// bodies decoded on every core.
pub async fn segments(store: &Store, start_ms: i64, end_ms: i64, resolution: Resolution) -> Result<Vec<Segment>, EpochError> {
    let rows = rows(store, VALID_SEGMENTS, (ReportKind::MappingSegment, start_ms, end_ms), segment_from_sqlite, segment_from_any).await?;
    decode_segments(rows, resolution)
}

/// The valid mapping segments of one device signed in `[start_ms, end_ms)`: what the wallet's
/// map draws as the cells a dashcam covered. A few rows, found through the verdicts' (device,
/// seq) index, so sqlx reads them on either back end.
pub async fn device_segments(store: &Store, device: &[u8; 32], start_ms: i64, end_ms: i64, resolution: Resolution) -> Result<Vec<Segment>, EpochError> {
    let sql = format!("{VALID_SEGMENTS} AND v.device = $4");
    let mut found = sqlx::query(&sql)
        .bind(ReportKind::MappingSegment as i16)
        .bind(start_ms)
        .bind(end_ms)
        .bind(device.as_slice())
        .fetch(store.pool());
    let mut rows = Vec::new();
    while let Some(row) = found.try_next().await? {
        rows.push(segment_from_any(&row)?);
    }
    decode_segments(rows, resolution)
}

const VALID_SEGMENTS: &str = "SELECT r.id, r.device, r.signed_at_ms, r.body FROM verdicts v JOIN reports r ON r.seq = v.seq \
     WHERE v.kind = $1 AND v.status = 0 AND v.signed_at_ms >= $2 AND v.signed_at_ms < $3";

fn decode_segments(rows: Vec<SegmentRow>, resolution: Resolution) -> Result<Vec<Segment>, EpochError> {
    rows.into_par_iter()
        .map(|(id, device, at, body)| match SignedReport::from_bytes(&body).map(|r| r.body) {
            Ok(ReportBody::MappingSegment(segment)) => Ok(Segment::new(id, device, at, &segment, resolution)),
            _ => Err(EpochError::CorruptStore(format!("valid mapping segment {} does not decode", hex::encode(id)))),
        })
        .collect()
}
