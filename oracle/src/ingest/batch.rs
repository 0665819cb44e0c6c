//! `POST /v1/reports/batch`: many signed reports in one body ([`fieldproof_reports::encode_batch`]),
//! each answered on its own with the codes of the single endpoint, so that one bad report never
//! refuses the others. The signatures of the reports that pass the cheap checks are verified
//! together ([`super::signatures::verify_reports`]), so exactly the bad ones are refused.
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
    let admitted: Vec<Result<SignedReport, Rejection>> = wires.iter().map(|wire| admit(&state, wire, now_ms)).collect();
    // Off the async workers: a full batch is several milliseconds of CPU.
    let admitted = tokio::task::spawn_blocking(move || {
        let mut admitted = admitted;
        verify_signatures(&mut admitted);
        admitted
    })
    .await
    .map_err(|_| Rejection::Overloaded)?;
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

/// Refuses with `bad_signature` each admitted report whose signature does not verify, all of
/// them checked together.
fn verify_signatures(admitted: &mut [Result<SignedReport, Rejection>]) {
    let reports: Vec<&SignedReport> = admitted.iter().filter_map(|r| r.as_ref().ok()).collect();
    let mut verdicts = super::signatures::verify_reports(&reports).into_iter();
    for slot in admitted.iter_mut().filter(|r| r.is_ok()) {
        if verdicts.next() == Some(false) {
            *slot = Err(Rejection::BadSignature);
        }
    }
}
