//! Report submission against a tiny local stand-in for the oracle's ingest API.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use fieldproof_sdk::reports::ed25519_dalek::SigningKey;
use fieldproof_sdk::reports::{HeartbeatReport, ReportBody, ReportHeader, SignedReport};
use fieldproof_sdk::{OracleApiError, OracleClient};
use serde_json::{json, Value};

/// What the stand-in answers to the n-th request (the last answer repeats).
type Script = Vec<(StatusCode, Value)>;

struct Oracle {
    script: Script,
    requests: AtomicUsize,
    /// Whether every body decoded as a signed report with a valid signature.
    bodies_valid: std::sync::Mutex<Vec<bool>>,
}

async fn ingest(State(oracle): State<Arc<Oracle>>, headers: axum::http::HeaderMap, body: Bytes) -> (StatusCode, Json<Value>) {
    let n = oracle.requests.fetch_add(1, Ordering::SeqCst);
    let octets = headers.get("content-type").map(|v| v == "application/octet-stream").unwrap_or(false);
    let valid = octets && SignedReport::from_bytes(&body).map(|r| r.verify().is_ok()).unwrap_or(false);
    oracle.bodies_valid.lock().unwrap().push(valid);
    let (status, answer) = oracle.script.get(n).or(oracle.script.last()).cloned().unwrap();
    (status, Json(answer))
}

async fn serve(script: Script) -> (String, Arc<Oracle>) {
    let oracle = Arc::new(Oracle { script, requests: AtomicUsize::new(0), bodies_valid: Default::default() });
    let app = Router::new().route("/v1/reports", post(ingest)).with_state(oracle.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, oracle)
}

fn report() -> SignedReport {
    let device = SigningKey::from_bytes(&[3; 32]);
    let header = ReportHeader { device_key: device.verifying_key().to_bytes(), timestamp_ms: 1_700_000_000_000, nonce: [1; 16] };
    ReportBody::from(HeartbeatReport { header, location_h3: 0x8a2a1072b59ffff, uptime_s: 5, firmware_version: 1 }).sign(&device).unwrap()
}

fn client(url: &str) -> OracleClient {
    OracleClient::new(url, Duration::from_secs(2)).unwrap().with_retries(3, Duration::from_millis(10))
}

#[tokio::test]
async fn an_accepted_report_returns_its_id() {
    let report = report();
    let (url, oracle) = serve(vec![(StatusCode::ACCEPTED, json!({ "id": report.report_id().to_hex() }))]).await;
    assert_eq!(client(&url).submit_report(&report).await.unwrap(), report.report_id());
    assert_eq!(*oracle.bodies_valid.lock().unwrap(), vec![true], "one octet-stream body holding the signed report");
}

#[tokio::test]
async fn a_refusal_is_typed_and_not_retried() {
    let (url, oracle) = serve(vec![(StatusCode::UNAUTHORIZED, json!({ "code": "bad_signature", "message": "no" }))]).await;
    match client(&url).submit_report(&report()).await {
        Err(OracleApiError::Rejected { status: 401, code, .. }) => assert_eq!(code, "bad_signature"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(oracle.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn overload_is_retried_until_accepted() {
    let report = report();
    let busy = (StatusCode::SERVICE_UNAVAILABLE, json!({ "code": "overloaded", "message": "later" }));
    let (url, oracle) = serve(vec![busy.clone(), busy, (StatusCode::ACCEPTED, json!({ "id": report.report_id().to_hex() }))]).await;
    assert_eq!(client(&url).submit_report(&report).await.unwrap(), report.report_id());
    assert_eq!(oracle.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn retries_run_out() {
    let (url, oracle) = serve(vec![(StatusCode::TOO_MANY_REQUESTS, json!({ "code": "rate_limited", "message": "slow down" }))]).await;
    assert!(matches!(client(&url).submit_report(&report()).await, Err(OracleApiError::Unavailable(_))));
    assert_eq!(oracle.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_duplicate_after_a_lost_answer_counts_as_stored() {
    let report = report();
    let lost = (StatusCode::GATEWAY_TIMEOUT, json!({ "code": "timeout", "message": "" }));
    let duplicate = (StatusCode::CONFLICT, json!({ "code": "duplicate_report", "message": "already stored" }));
    let (url, _) = serve(vec![lost, duplicate.clone()]).await;
    assert_eq!(client(&url).submit_report(&report).await.unwrap(), report.report_id());

    // On a first attempt a duplicate is the device's mistake, and says so.
    let (url, _) = serve(vec![duplicate]).await;
    assert!(matches!(client(&url).submit_report(&report).await, Err(OracleApiError::Rejected { status: 409, .. })));
}

#[tokio::test]
async fn an_unreachable_oracle_is_unavailable() {
    // Bind then drop a listener: nothing listens on that port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let result = client(&format!("http://127.0.0.1:{port}")).submit_report(&report()).await;
    assert!(matches!(result, Err(OracleApiError::Unavailable(_))), "{result:?}");
}

#[tokio::test]
async fn a_wrong_id_in_the_answer_is_caught() {
    let (url, _) = serve(vec![(StatusCode::ACCEPTED, json!({ "id": "00".repeat(32) }))]).await;
    assert!(matches!(client(&url).submit_report(&report()).await, Err(OracleApiError::IdMismatch { .. })));
}
