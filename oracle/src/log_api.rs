//! The log endpoints, what peers fetch to form an epoch's input:
//!
//! - `GET /v1/log/buckets?from=&to=`: for each time bucket of the range (at most
//!   [`MAX_BUCKETS`]), whether this oracle has sealed it and the segments it holds of it
//!   (the SDK's `LogBucket`);
//! - `GET /v1/log/segments/{hash}`: a segment's bytes.
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use fieldproof_sdk::{LogBucket, LogSegment};
use serde::Deserialize;

use crate::log::segment_path;
use crate::objects::Objects;
use crate::refusal::{failure, refuse};
use crate::storage::Store;

/// Most buckets one request lists: a day of one-minute buckets, a week of ten-minute ones.
pub const MAX_BUCKETS: u64 = 10_080;

pub struct LogApiState {
    pub store: Store,
    pub objects: Objects,
    /// This oracle's identity: the instances whose watermarks say what it sealed.
    pub oracle: String,
}

pub fn router(state: Arc<LogApiState>) -> Router {
    Router::new().route("/v1/log/buckets", get(buckets)).route("/v1/log/segments/{hash}", get(segment)).with_state(state)
}

#[derive(Deserialize)]
struct Range {
    from: u64,
    to: u64,
}

async fn buckets(State(state): State<Arc<LogApiState>>, Query(range): Query<Range>) -> Response {
    if range.to < range.from || range.to - range.from >= MAX_BUCKETS {
        return refuse(StatusCode::BAD_REQUEST, "malformed_encoding", format!("from..=to must be ascending and at most {MAX_BUCKETS} buckets"));
    }
    match list(&state, range).await {
        Ok(buckets) => Json(buckets).into_response(),
        Err(e) => failure(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", &e),
    }
}

async fn list(state: &LogApiState, range: Range) -> Result<Vec<LogBucket>, crate::storage::StoreError> {
    // Sealed by this oracle when every one of its instances has sealed it.
    let watermark = state.store.sealed_below_by_all(&state.oracle).await?;
    let mut segments: BTreeMap<u64, Vec<LogSegment>> = BTreeMap::new();
    for row in state.store.segments_of(&(range.from..=range.to)).await? {
        segments.entry(row.bucket).or_default().push(LogSegment { hash: hex::encode(row.hash), oracle: row.oracle, instance: row.instance, reports: row.reports });
    }
    Ok((range.from..=range.to)
        .map(|bucket| LogBucket { bucket, sealed: watermark.is_some_and(|w| bucket < w), segments: segments.remove(&bucket).unwrap_or_default() })
        .collect())
}

async fn segment(State(state): State<Arc<LogApiState>>, Path(hash): Path<String>) -> Response {
    let Some(hash) = hex::decode(&hash).ok().and_then(|h| <[u8; 32]>::try_from(h).ok()) else {
        return refuse(StatusCode::BAD_REQUEST, "malformed_encoding", "a segment hash is 64 hex digits");
    };
    match state.objects.get(&segment_path(&hash)).await {
        Ok(Some(bytes)) => ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response(),
        Ok(None) => refuse(StatusCode::NOT_FOUND, "unknown_segment", format!("this oracle holds no segment {}", hex::encode(hash))),
        Err(e) => failure(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", &e),
    }
}
