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

/// A path or query parameter that must be an address; the refusal names which (boxed: a
/// response is large next to an address).
pub fn parse_address(what: &str, text: &str) -> Result<Pubkey, Box<Response>> {
    text.parse().map_err(|_| Box::new(refuse(StatusCode::BAD_REQUEST, "malformed_encoding", format!("{text} is not a base58 {what} address"))))
}
