//! Every reason ingest refuses a request, each with its own stable code and HTTP status.
//! The body is always JSON: `{"code": "<code>", "message": "<what to do about it>"}`.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the body is not a signed report: {0}")]
    MalformedEncoding(String),
    #[error("the body is larger than {max} bytes")]
    OversizeBody { max: usize },
    #[error("the batch holds {count} reports, more than the {max} allowed: send it in parts")]
    BatchTooLarge { count: usize, max: usize },
    #[error("the signature does not verify under the report's device key")]
    BadSignature,
    #[error("the device key is not registered")]
    UnknownDevice,
    #[error("the device is deactivated")]
    InactiveDevice,
    #[error("the report's timestamp is {skew_ms} ms away from the oracle's clock (at most {max_ms} ms allowed)")]
    ClockSkew { skew_ms: i64, max_ms: i64 },
    #[error("this report is already stored")]
    DuplicateReport,
    #[error("the device already used this nonce for another report")]
    ReplayedNonce,
    #[error("too many reports from this {0}; slow down and retry later")]
    RateLimited(&'static str),
    #[error("the oracle is at capacity; retry later")]
    Overloaded,
    #[error("the report could not be stored; retry later")]
    StorageUnavailable,
    #[error("the request took too long")]
    Timeout,
    #[error("this oracle has not read a block from the chain yet; retry shortly")]
    EntropyUnavailable,
    #[error("the report's time is already sealed in this oracle's log: it came too late")]
    LateReport,
    #[error("the oracle cannot store reports now (error id {error_id}, for its operator)")]
    Unhealthy { error_id: String },
}

#[derive(Serialize)]
struct RejectionBody {
    code: &'static str,
    message: String,
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::MalformedEncoding(_) => "malformed_encoding",
            Rejection::OversizeBody { .. } => "oversize_body",
            Rejection::BatchTooLarge { .. } => "batch_too_large",
            Rejection::BadSignature => "bad_signature",
            Rejection::UnknownDevice => "unknown_device",
            Rejection::InactiveDevice => "inactive_device",
            Rejection::ClockSkew { .. } => "clock_skew",
            Rejection::DuplicateReport => "duplicate_report",
            Rejection::ReplayedNonce => "replayed_nonce",
            Rejection::RateLimited(_) => "rate_limited",
            Rejection::Overloaded => "overloaded",
            Rejection::StorageUnavailable => "storage_unavailable",
            Rejection::Timeout => "timeout",
            Rejection::EntropyUnavailable => "entropy_unavailable",
            Rejection::LateReport => "late_report",
            Rejection::Unhealthy { .. } => "storage_unavailable",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::MalformedEncoding(_) => StatusCode::BAD_REQUEST,
            Rejection::OversizeBody { .. } | Rejection::BatchTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::BadSignature => StatusCode::UNAUTHORIZED,
            Rejection::UnknownDevice | Rejection::InactiveDevice => StatusCode::FORBIDDEN,
            Rejection::ClockSkew { .. } | Rejection::LateReport => StatusCode::UNPROCESSABLE_ENTITY,
            Rejection::DuplicateReport | Rejection::ReplayedNonce => StatusCode::CONFLICT,
            Rejection::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Rejection::Overloaded | Rejection::StorageUnavailable | Rejection::EntropyUnavailable | Rejection::Unhealthy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Rejection::Timeout => StatusCode::REQUEST_TIMEOUT,
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        metrics::counter!("fieldproof_ingest_rejected_total", "code" => self.code()).increment(1);
        (self.status(), Json(RejectionBody { code: self.code(), message: self.to_string() })).into_response()
    }
}
