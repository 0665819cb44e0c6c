//! The verifier: walks the stored reports in acceptance order, re-checks every signature in
//! parallel batches, judges each report's physical plausibility and stores a verdict with its
//! reason. A batch's verdicts and the cursor move in one transaction, so a restart resumes exactly
//! after the last verified report and never judges a report twice.
pub mod config;
mod context;
mod coverage;
mod denylist;
mod mapping;
pub(crate) mod physics;
mod reason;

pub use config::VerificationConfig;
pub use coverage::WitnessSite;
pub use denylist::Denylist;
pub use reason::Reason;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ed25519_dalek::{Signature, VerifyingKey};
use fieldproof_reports::{ReportBody, SignedReport};
use rayon::prelude::*;
use sqlx::{Any, Row, Transaction};

use context::{BatchContext, Wants};

use crate::devices::{DeviceDirectory, DeviceKind};
use crate::storage::{value_rows, Store, StoreError, StoredReport, MAX_BINDS};

const CURSOR: &str = "verifier";
/// The columns of a verdict row, in the order they are stored.
pub(crate) const VERDICT_COLUMNS: &str = "seq, device, kind, status, reason, beacon_id, signed_at_ms";
/// Signatures verified together; a failing batch is re-checked one by one to find the culprit.
pub(crate) const SIGNATURE_BATCH: usize = 256;

pub struct Verifier {
    store: Store,
    devices: Arc<DeviceDirectory>,
    denylist: Denylist,
    config: VerificationConfig,
}

/// A verdict as stored, for the API.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    pub seq: i64,
    pub kind: i16,
    pub reason: String,
    /// The reason in plain words, for an owner.
    pub explanation: &'static str,
    pub signed_at_ms: i64,
}

impl Verifier {
    pub fn new(store: Store, devices: Arc<DeviceDirectory>, denylist: Denylist, config: VerificationConfig) -> Self {
        Self { store, devices, denylist, config }
    }

    /// Verifies every report that has settled by `now_ms`; returns how many were judged.
    ///
    /// Batches go through two stages: reading a batch and checking its signatures (on every core)
    /// needs nothing from the verdicts, so the next batch goes through it while this one is
    /// judged and stored; judging needs the verdicts of every batch before it, so batches are
    /// judged one after another, in sequence order.
    pub async fn verify_settled(&self, now_ms: i64) -> Result<usize, StoreError> {
        let mut next = self.check_after(self.cursor().await?, now_ms);
        let mut total = 0;
        loop {
            let checked = next.await.map_err(|e| StoreError::ReadStopped(e.to_string()))??;
            let Some(last) = checked.last_seq() else {
                return Ok(total);
            };
            next = self.check_after(last, now_ms);
            let judged = self.judge_and_store(checked).await;
            if judged.is_err() {
                next.abort();
            }
            total += judged?;
        }
    }

    /// Reads the settled reports after `cursor`, one batch, and checks their signatures, in a
    /// task of its own.
    fn check_after(&self, cursor: i64, now_ms: i64) -> tokio::task::JoinHandle<Result<CheckedBatch, StoreError>> {
        let store = self.store.clone();
        let batch_size = i64::try_from(self.config.batch_size).unwrap_or(i64::MAX);
        let settled_by_ms = now_ms.saturating_sub(i64::try_from(self.config.settle_secs.saturating_mul(1_000)).unwrap_or(i64::MAX));
        tokio::spawn(async move {
            let reports: Vec<StoredReport> =
                store.reports_after(cursor, batch_size).await?.into_iter().take_while(|r| r.report.received_at_ms <= settled_by_ms).collect();
            tokio::task::spawn_blocking(move || {
                let decoded = decode_and_verify_signatures(&reports);
                CheckedBatch { reports, decoded }
            })
            .await
            .map_err(|e| StoreError::ReadStopped(e.to_string()))
        })
    }

    /// Judges a checked batch against the verdicts stored so far, and stores its verdicts and the
    /// cursor in one transaction; returns how many reports were judged.
    async fn judge_and_store(&self, checked: CheckedBatch) -> Result<usize, StoreError> {
        let CheckedBatch { reports: batch, decoded } = checked;
        let Some(last) = batch.last().map(|r| r.seq) else {
            return Ok(0);
        };
        let mut wants = Wants::default();
        for (stored, report) in batch.iter().zip(&decoded) {
            if let Ok(report) = report {
                wants.note(report, stored.report.signed_at_ms);
            }
        }

        let mut tx = self.store.pool().begin().await?;
        let mut cx = BatchContext::load(&mut tx, &wants, self.beacon_interval_ms()).await?;
        let verdicts: Vec<(&StoredReport, Verdict)> = batch
            .iter()
            .zip(decoded)
            .map(|(stored, report)| {
                let judged = match report {
                    Ok(report) => self.judge(&mut cx, stored, &report),
                    Err(reason) => Verdict::invalid(reason),
                };
                metrics::counter!("fieldproof_verified_total", "reason" => judged.reason.map_or("valid", Reason::code)).increment(1);
                (stored, judged)
            })
            .collect();
        insert_verdicts(&mut tx, &verdicts).await?;
        insert_frames(&mut tx, &cx.claimed).await?;
        let moved = sqlx::query("UPDATE cursors SET seq = $1 WHERE name = $2").bind(last).bind(CURSOR).execute(&mut *tx).await?;
        if moved.rows_affected() == 0 {
            sqlx::query("INSERT INTO cursors (name, seq) VALUES ($1, $2)").bind(CURSOR).bind(last).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(batch.len())
    }

    fn beacon_interval_ms(&self) -> i64 {
        i64::try_from(self.config.min_beacon_interval_secs.saturating_mul(1_000)).unwrap_or(i64::MAX)
    }

    async fn cursor(&self) -> Result<i64, StoreError> {
        Self::verified_through(&self.store).await
    }

    /// Every report up to this sequence number has its verdict (verification goes in sequence
    /// order and moves this cursor in the same transaction as the verdicts); none after it has.
    pub async fn verified_through(store: &Store) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT seq FROM cursors WHERE name = $1").bind(CURSOR).fetch_optional(store.pool()).await?;
        Ok(match row {
            Some(row) => row.try_get("seq")?,
            None => 0,
        })
    }

    /// The verdict on one decoded, correctly signed report; a valid one is noted in `cx`, where
    /// the reports after it in the batch see it.
    fn judge(&self, cx: &mut BatchContext, stored: &StoredReport, report: &SignedReport) -> Verdict {
        let device = stored.report.device;
        let Some(entry) = self.devices.lookup(&device) else {
            return Verdict::invalid(Reason::UnknownDevice);
        };
        if !entry.active {
            return Verdict::invalid(Reason::InactiveDevice);
        }
        if self.denylist.contains(&device) {
            return Verdict::invalid(Reason::Denylisted);
        }
        let expected_kind = match &report.body {
            ReportBody::MappingSegment(_) => DeviceKind::Mapper,
            ReportBody::Beacon(_) | ReportBody::Witness(_) | ReportBody::DataTransfer(_) => DeviceKind::Hotspot,
            ReportBody::Heartbeat(_) => entry.kind,
        };
        if entry.kind != expected_kind {
            return Verdict::invalid(Reason::WrongDeviceKind);
        }
        let at_ms = stored.report.signed_at_ms;
        match &report.body {
            ReportBody::Beacon(beacon) => {
                if physics::cell_center(beacon.location_h3).is_none() {
                    Verdict::invalid(Reason::InvalidLocation)
                } else if cx.beacon_too_soon(&device, at_ms, self.beacon_interval_ms()) {
                    Verdict::invalid(Reason::BeaconTooFrequent)
                } else {
                    cx.valid_beacon(device, at_ms);
                    Verdict::valid()
                }
            }
            ReportBody::Witness(witness) => {
                let verdict = self.judge_witness(cx, &device, witness, WitnessSite { location_h3: entry.location_h3, gain_ddbi: entry.gain_ddbi });
                if verdict.reason.is_none() {
                    cx.valid_witness(witness.beacon_id, device);
                }
                Verdict { beacon_id: Some(witness.beacon_id), ..verdict }
            }
            ReportBody::Heartbeat(heartbeat) => match physics::cell_center(heartbeat.location_h3) {
                Some(_) => Verdict::valid(),
                None => Verdict::invalid(Reason::InvalidLocation),
            },
            ReportBody::MappingSegment(segment) => match mapping::check_track(segment, &self.config) {
                Err(reason) => Verdict::invalid(reason),
                Ok(()) => Self::claim_frames(cx, stored.seq, segment),
            },
            ReportBody::DataTransfer(session) => {
                if session.ended_at_ms < session.started_at_ms || session.dc_amount == 0 {
                    Verdict::invalid(Reason::InvalidSession)
                } else {
                    Verdict::valid()
                }
            }
        }
    }

    fn judge_witness(&self, cx: &BatchContext, device: &[u8; 32], witness: &fieldproof_reports::WitnessReport, site: WitnessSite) -> Verdict {
        let Some(beacon) = cx.beacon(&witness.beacon_id) else {
            return Verdict::invalid(Reason::UnknownBeacon);
        };
        if beacon.header.device_key == *device {
            return Verdict::invalid(Reason::SelfWitness);
        }
        if cx.witnessed(&witness.beacon_id, device) {
            return Verdict::invalid(Reason::DuplicateWitness);
        }
        match coverage::check_witness(beacon, witness, site, &self.config) {
            Ok(()) => Verdict::valid(),
            Err(reason) => Verdict::invalid(reason),
        }
    }

    /// A segment's frames must be new, to this segment and to every earlier one of any device;
    /// a valid segment then claims them.
    fn claim_frames(cx: &mut BatchContext, seq: i64, segment: &fieldproof_reports::MappingSegmentReport) -> Verdict {
        let mut seen = HashSet::with_capacity(segment.frames.len());
        for frame in &segment.frames {
            if !seen.insert(frame.content_hash) || cx.frame_claimed(&frame.content_hash) {
                return Verdict::invalid(Reason::DuplicateFrame);
            }
        }
        cx.claim_frames(seq, seen);
        Verdict::valid()
    }

    /// When `device` signed the newest report the verifier accepted; `None` before any.
    pub async fn last_valid_report_ms(store: &Store, device: &[u8; 32]) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT MAX(signed_at_ms) AS last FROM verdicts WHERE device = $1 AND status = 0")
            .bind(device.as_slice())
            .fetch_one(store.pool())
            .await?;
        Ok(row.try_get::<Option<i64>, _>("last")?)
    }

    /// The reports of `device` the verifier did not accept, newest first.
    pub async fn rejections(store: &Store, device: &[u8; 32], limit: i64) -> Result<Vec<Rejection>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, kind, reason, signed_at_ms FROM verdicts WHERE device = $1 AND status = 1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(device.as_slice())
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let reason = r.try_get::<Option<String>, _>("reason")?.unwrap_or_default();
                Ok(Rejection {
                    seq: r.try_get("seq")?,
                    kind: r.try_get("kind")?,
                    explanation: Reason::from_code(&reason).map_or("", Reason::explanation),
                    reason,
                    signed_at_ms: r.try_get("signed_at_ms")?,
                })
            })
            .collect()
    }
}

/// A batch of stored reports, each decoded and its signature checked (or why not).
struct CheckedBatch {
    reports: Vec<StoredReport>,
    decoded: Vec<Result<SignedReport, Reason>>,
}

impl CheckedBatch {
    fn last_seq(&self) -> Option<i64> {
        self.reports.last().map(|r| r.seq)
    }
}

struct Verdict {
    reason: Option<Reason>,
    beacon_id: Option<[u8; 32]>,
}

impl Verdict {
    fn valid() -> Self {
        Self { reason: None, beacon_id: None }
    }

    fn invalid(reason: Reason) -> Self {
        Self { reason: Some(reason), beacon_id: None }
    }
}

/// Stores the batch's verdicts, many rows per statement.
async fn insert_verdicts(tx: &mut Transaction<'static, Any>, verdicts: &[(&StoredReport, Verdict)]) -> Result<(), StoreError> {
    const COLUMNS: usize = 7;
    for chunk in verdicts.chunks(MAX_BINDS / COLUMNS) {
        let sql = format!("INSERT INTO verdicts ({VERDICT_COLUMNS}) VALUES {}", value_rows(chunk.len(), COLUMNS));
        let mut query = sqlx::query(&sql);
        for (stored, judged) in chunk {
            query = query
                .bind(stored.seq)
                .bind(stored.report.device.as_slice())
                .bind(stored.report.kind)
                .bind(if judged.reason.is_some() { 1i16 } else { 0i16 })
                .bind(judged.reason.map(Reason::code))
                .bind(judged.beacon_id.map(|id| id.to_vec()))
                .bind(stored.report.signed_at_ms);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Stores the frames the batch's valid segments claimed.
async fn insert_frames(tx: &mut Transaction<'static, Any>, frames: &[([u8; 32], i64)]) -> Result<(), StoreError> {
    for chunk in frames.chunks(MAX_BINDS / 2) {
        let sql = format!("INSERT INTO frames (hash, seq) VALUES {}", value_rows(chunk.len(), 2));
        let mut query = sqlx::query(&sql);
        for (hash, seq) in chunk {
            query = query.bind(hash.as_slice()).bind(*seq);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Decodes every report and checks every signature, in parallel batches across all cores.
fn decode_and_verify_signatures(batch: &[StoredReport]) -> Vec<Result<SignedReport, Reason>> {
    // Each device's key is decompressed once per batch, not once per report: a batch holds many
    // reports of few devices, and decompressing a key costs about as much as checking a
    // signature in a batch.
    let devices: HashSet<[u8; 32]> = batch.iter().map(|r| r.report.device).collect();
    let keys: HashMap<[u8; 32], VerifyingKey> =
        devices.into_par_iter().filter_map(|device| VerifyingKey::from_bytes(&device).ok().map(|key| (device, key))).collect();
    batch
        .par_chunks(SIGNATURE_BATCH)
        .flat_map_iter(|chunk| {
            let decoded: Vec<Result<SignedReport, Reason>> =
                chunk.iter().map(|r| SignedReport::from_bytes(&r.report.body).map_err(|_| Reason::Undecodable)).collect();
            verify_chunk(decoded, &keys)
        })
        .collect()
}

fn verify_chunk(decoded: Vec<Result<SignedReport, Reason>>, keys: &HashMap<[u8; 32], VerifyingKey>) -> Vec<Result<SignedReport, Reason>> {
    let mut messages = Vec::new();
    let mut signatures = Vec::new();
    let mut batch_keys = Vec::new();
    for report in decoded.iter().flatten() {
        match keys.get(&report.body.header().device_key) {
            Some(key) => {
                messages.push(report.signing_bytes());
                signatures.push(Signature::from_bytes(&report.signature));
                batch_keys.push(*key);
            }
            // A key that is not a curve point cannot sign (nor one that is not the stored
            // device's): fall back to one-by-one checks.
            None => return decoded.into_iter().map(|r| r.and_then(verify_one)).collect(),
        }
    }
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    if ed25519_dalek::verify_batch(&refs, &signatures, &batch_keys).is_ok() {
        return decoded;
    }
    decoded.into_iter().map(|r| r.and_then(verify_one)).collect()
}

fn verify_one(report: SignedReport) -> Result<SignedReport, Reason> {
    report.verify().map(|()| report).map_err(|_| Reason::BadSignature)
}
