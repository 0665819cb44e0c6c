//! `POST /v1/reports/batch`: many signed reports in one body ([`fieldproof_reports::encode_batch`]),
//! each answered on its own with the codes of the single endpoint, so that one bad report never
//! refuses the others. The signatures of the reports that pass the cheap checks are verified in
//! one `verify_batch`; when it fails, each is checked alone, so exactly the bad ones are refused.
//! The reports are handed to the log's writer together and stored in its group commits.
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Json;
use fieldproof_reports::{BatchError, SignedReport};
use serde::Serialize;

use super::{admit, body_refused, store, unix_ms, IngestState, Rejection};

/// The answer to a batch: one entry per report, in the batch's order.
#[derive(Serialize)]
pub struct BatchAnswer {
    results: Vec<ReportAnswer>,
}

/// One report's answer: the HTTP status the single endpoint would have given it, and its id
/// (accepted) or its refusal's code and message.
#[derive(Serialize)]
struct ReportAnswer {
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl ReportAnswer {
    fn of(outcome: Result<fieldproof_reports::ReportId, Rejection>) -> Self {
        match outcome {
            Ok(id) => Self { status: StatusCode::ACCEPTED.as_u16(), id: Some(id.to_hex()), code: None, message: None },
            Err(refused) => {
                metrics::counter!("fieldproof_ingest_rejected_total", "code" => refused.code()).increment(1);
                Self { status: refused.status().as_u16(), id: None, code: Some(refused.code()), message: Some(refused.to_string()) }
            }
        }
    }
}

pub async fn submit_batch(
    State(state): State<Arc<IngestState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<BatchAnswer>, Rejection> {
    // A batch is one request to the source's limit; each report counts to its device's.
    if state.per_source.check_key(&peer.ip()).is_err() {
        return Err(Rejection::RateLimited("source address"));
    }
    let body = body.map_err(|e| body_refused(e, state.config.max_batch_bytes))?;
    let wires = fieldproof_reports::decode_batch(&body, state.config.max_batch_reports).map_err(|e| match e {
        BatchError::TooManyReports { count, max } => Rejection::BatchTooLarge { count, max },
        BatchError::Malformed(reason) => Rejection::MalformedEncoding(reason),
    })?;
    let now_ms = unix_ms();
    let mut admitted: Vec<Result<SignedReport, Rejection>> = wires.iter().map(|wire| admit(&state, wire, now_ms)).collect();
    verify_signatures(&mut admitted);
    let stores = admitted.into_iter().zip(&wires).map(|(report, wire)| {
        let state = &state;
        async move {
            match report {
                Ok(report) => store(state, report, wire.to_vec(), now_ms, peer.ip()).await,
                Err(refused) => Err(refused),
            }
        }
    });
    let results = futures_util::future::join_all(stores).await.into_iter().map(ReportAnswer::of).collect();
    Ok(Json(BatchAnswer { results }))
}

/// Checks the signatures of the reports admitted so far in one batch, refusing each bad one with
/// `bad_signature`. `verify_batch` accepts when every signature verifies; when it does not, each
/// is checked alone, strictly, as the single endpoint does. A weak (small-order) device key is
/// always checked alone and strictly, which refuses it: batch verification is cofactored and
/// would let such a key's signatures through. (No third party can alter a signature to pass
/// either way, and a report's id does not cover its signature.)
fn verify_signatures(admitted: &mut [Result<SignedReport, Rejection>]) {
    let mut batch: Vec<(usize, ed25519_dalek::VerifyingKey)> = Vec::new();
    for (i, slot) in admitted.iter_mut().enumerate() {
        let Ok(report) = slot else { continue };
        match report.device_key() {
            Ok(key) if !key.is_weak() => batch.push((i, key)),
            _ => {
                if report.verify().is_err() {
                    *slot = Err(Rejection::BadSignature);
                }
            }
        }
    }
    let reports: Vec<&SignedReport> = batch.iter().filter_map(|(i, _)| admitted[*i].as_ref().ok()).collect();
    let messages: Vec<Vec<u8>> = reports.iter().map(|r| r.signing_bytes()).collect();
    let message_refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let signatures: Vec<_> = reports.iter().map(|r| r.signature()).collect();
    let keys: Vec<_> = batch.iter().map(|(_, key)| *key).collect();
    if keys.is_empty() || ed25519_dalek::verify_batch(&message_refs, &signatures, &keys).is_ok() {
        return;
    }
    for (i, _) in &batch {
        let slot = &mut admitted[*i];
        if slot.as_ref().is_ok_and(|report| report.verify().is_err()) {
            *slot = Err(Rejection::BadSignature);
        }
    }
}
