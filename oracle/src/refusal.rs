//! The body of every refusal of the read endpoints (epochs, rewards, ownership, claims), the
//! same shape as ingest's: `{"code": "<snake_case>", "message": "<words>"}`.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use fieldproof_sdk::Pubkey;
use serde::Serialize;

#[derive(Serialize)]
struct Refusal {
    code: &'static str,
    message: String,
}

/// A refusal with `status`, its code and its explanation.
pub fn refuse(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    (status, Json(Refusal { code, message: message.into() })).into_response()
}

/// A refusal for the oracle's own failure (its store, the chain node, its index): what failed is
/// logged with an id, and the client gets the code and the id to quote, never the error itself
/// (it can name files, hosts and queries).
pub fn failure(status: StatusCode, code: &'static str, error: &dyn std::fmt::Display) -> Response {
    let id = error_id();
    tracing::error!(error_id = %id, code, error = %error, "a request failed on the oracle's side");
    refuse(status, code, format!("the oracle could not answer ({code}); retry later, or quote error id {id} to its operator"))
}

/// A short, unguessable id for one logged failure: 16 hex digits.
pub fn error_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// A path or query parameter that must be an address; the refusal names which (boxed: a
/// response is large next to an address).
pub fn parse_address(what: &str, text: &str) -> Result<Pubkey, Box<Response>> {
    text.parse().map_err(|_| Box::new(refuse(StatusCode::BAD_REQUEST, "malformed_encoding", format!("{text} is not a base58 {what} address"))))
}
