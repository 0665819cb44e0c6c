//! What judging a batch of reports needs from the store, read in a few queries per batch
//! instead of one to three per report, and kept up to date as the batch is judged in order, so
//! that a report sees the verdicts of the reports before it in the same batch exactly as it sees
//! those of earlier batches.
use std::collections::{HashMap, HashSet};

use fieldproof_reports::{BeaconReport, ReportBody, ReportKind, SignedReport};
use sqlx::{Any, Row, Transaction};

use crate::storage::{bytes_n, placeholders, StoreError, MAX_BINDS};


#[derive(Default)]
pub(super) struct BatchContext {
    /// The stored beacons the batch's witnesses name, by report id.
    beacons: HashMap<[u8; 32], BeaconReport>,
    /// (beacon id, witnessing device) of every valid witness.
    witnessed: HashSet<([u8; 32], [u8; 32])>,
    /// When each of the batch's beaconing devices sent its valid beacons, around the batch's.
    beacon_times: HashMap<[u8; 32], Vec<i64>>,
    /// Frame content hashes claimed by a valid segment.
    frames: HashSet<[u8; 32]>,
    /// The frames this batch's valid segments claim, with the segment's seq: to be stored.
    pub claimed: Vec<([u8; 32], i64)>,
}

/// What the batch's reports refer to.
#[derive(Default)]
pub(super) struct Wants {
    pub beacon_ids: HashSet<[u8; 32]>,
    /// Devices that beacon in the batch, and the span of their beacons' times.
    pub beaconers: HashSet<[u8; 32]>,
    pub beacon_span: Option<(i64, i64)>,
    pub frames: HashSet<[u8; 32]>,
}

impl Wants {
    pub fn note(&mut self, report: &SignedReport, signed_at_ms: i64) {
        match &report.body {
            ReportBody::Witness(w) => {
                self.beacon_ids.insert(w.beacon_id);
            }
            ReportBody::Beacon(b) => {
                self.beaconers.insert(b.header.device_key);
                let (low, high) = self.beacon_span.unwrap_or((signed_at_ms, signed_at_ms));
                self.beacon_span = Some((low.min(signed_at_ms), high.max(signed_at_ms)));
            }
            ReportBody::MappingSegment(s) => self.frames.extend(s.frames.iter().map(|f| f.content_hash)),
            ReportBody::Heartbeat(_) | ReportBody::DataTransfer(_) => {}
        }
    }
}

impl BatchContext {
    /// Reads what `wants` names; valid beacons within `interval_ms` of the batch's beacons.
    pub async fn load(tx: &mut Transaction<'static, Any>, wants: &Wants, interval_ms: i64) -> Result<Self, StoreError> {
        let mut cx = Self::default();
        for ids in chunks(&wants.beacon_ids, MAX_BINDS) {
            let sql = format!("SELECT id, body FROM reports WHERE id IN ({})", placeholders(1, ids.len()));
            for row in bind_all(sqlx::query(&sql), &ids).fetch_all(&mut **tx).await? {
                let body: Vec<u8> = row.try_get("body")?;
                // Anything stored under that id that is not a beacon is no beacon to witness.
                if let Ok(SignedReport { body: ReportBody::Beacon(beacon), .. }) = SignedReport::from_bytes(&body) {
                    cx.beacons.insert(bytes_n::<32>(&row, "id")?, beacon);
                }
            }
            let sql = format!("SELECT beacon_id, device FROM verdicts WHERE status = 0 AND beacon_id IN ({})", placeholders(1, ids.len()));
            for row in bind_all(sqlx::query(&sql), &ids).fetch_all(&mut **tx).await? {
                cx.witnessed.insert((bytes_n::<32>(&row, "beacon_id")?, bytes_n::<32>(&row, "device")?));
            }
        }
        if let Some((low, high)) = wants.beacon_span {
            for devices in chunks(&wants.beaconers, MAX_BINDS) {
                let sql = format!(
                    "SELECT device, signed_at_ms FROM verdicts WHERE kind = $1 AND status = 0 AND signed_at_ms > $2 AND signed_at_ms < $3 AND device IN ({})",
                    placeholders(4, devices.len())
                );
                let query = sqlx::query(&sql)
                    .bind(ReportKind::Beacon as i16)
                    .bind(low.saturating_sub(interval_ms))
                    .bind(high.saturating_add(interval_ms));
                for row in bind_all(query, &devices).fetch_all(&mut **tx).await? {
                    cx.beacon_times.entry(bytes_n::<32>(&row, "device")?).or_default().push(row.try_get("signed_at_ms")?);
                }
            }
        }
        for hashes in chunks(&wants.frames, MAX_BINDS) {
            let sql = format!("SELECT hash FROM frames WHERE hash IN ({})", placeholders(1, hashes.len()));
            for row in bind_all(sqlx::query(&sql), &hashes).fetch_all(&mut **tx).await? {
                cx.frames.insert(bytes_n::<32>(&row, "hash")?);
            }
        }
        Ok(cx)
    }

    pub fn beacon(&self, id: &[u8; 32]) -> Option<&BeaconReport> {
        self.beacons.get(id)
    }

    /// True when `device` has a valid beacon strictly within `interval_ms` of `at_ms`.
    pub fn beacon_too_soon(&self, device: &[u8; 32], at_ms: i64, interval_ms: i64) -> bool {
        let (low, high) = (at_ms.saturating_sub(interval_ms), at_ms.saturating_add(interval_ms));
        self.beacon_times.get(device).is_some_and(|times| times.iter().any(|t| *t > low && *t < high))
    }

    pub fn witnessed(&self, beacon_id: &[u8; 32], device: &[u8; 32]) -> bool {
        self.witnessed.contains(&(*beacon_id, *device))
    }

    pub fn frame_claimed(&self, hash: &[u8; 32]) -> bool {
        self.frames.contains(hash)
    }

    pub fn valid_beacon(&mut self, device: [u8; 32], at_ms: i64) {
        self.beacon_times.entry(device).or_default().push(at_ms);
    }

    pub fn valid_witness(&mut self, beacon_id: [u8; 32], device: [u8; 32]) {
        self.witnessed.insert((beacon_id, device));
    }

    pub fn claim_frames(&mut self, seq: i64, hashes: impl IntoIterator<Item = [u8; 32]>) {
        for hash in hashes {
            self.frames.insert(hash);
            self.claimed.push((hash, seq));
        }
    }
}


fn chunks(set: &HashSet<[u8; 32]>, size: usize) -> Vec<Vec<[u8; 32]>> {
    let all: Vec<[u8; 32]> = set.iter().copied().collect();
    all.chunks(size).map(<[_]>::to_vec).collect()
}

fn bind_all<'q>(mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>, values: &'q [[u8; 32]]) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for v in values {
        query = query.bind(v.as_slice());
    }
    query
}
