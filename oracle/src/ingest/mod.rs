//! The ingest API: devices POST signed reports, one per request or many in a batch; each is
//! checked and durably stored before the answer. Checks run cheapest first, and a report is
//! stored only after all of them passed: source rate limit, size, decoding, registered and active
//! device, clock skew, signature (a batch's in one `verify_batch`), device rate limit, then the
//! report writer's duplicate and replayed-nonce checks against the reports of the clock-skew window.
mod batch;
mod rejection;
mod signatures;

pub use rejection::Rejection;

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::error_handling::HandleErrorLayer;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{BoxError, Json, Router};
use fieldproof_reports::SignedReport;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;
use tower::ServiceBuilder;

use crate::config::IngestConfig;
use crate::devices::DeviceDirectory;
use crate::log::{InsertOutcome, ReportWriter};
use crate::storage::{NewReport, Store};

pub struct IngestState {
    /// The newest finalized block, handed to devices as entropy (`GET /v1/entropy`).
    pub entropy: std::sync::RwLock<Option<(u64, crate::verify::Block)>>,
    pub config: IngestConfig,
    pub store: Store,
    pub writer: ReportWriter,
    /// The log's sealer: what the health check probes the write path with.
    pub sealer: Arc<crate::log::Sealer>,
    pub devices: Arc<DeviceDirectory>,
    pub metrics: Option<PrometheusHandle>,
    /// Gathers single-report requests' signature checks into micro-batches.
    signatures: signatures::SignatureBatcher,
    per_device: DefaultKeyedRateLimiter<[u8; 32]>,
    per_source: DefaultKeyedRateLimiter<IpAddr>,
}

impl IngestState {
    pub fn new(
        config: IngestConfig,
        store: Store,
        writer: ReportWriter,
        sealer: Arc<crate::log::Sealer>,
        devices: Arc<DeviceDirectory>,
        metrics: Option<PrometheusHandle>,
    ) -> Self {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            signatures: signatures::SignatureBatcher::start(config.signature_batch, Duration::from_micros(config.signature_wait_us)),
            per_device: RateLimiter::keyed(per_minute(config.per_device_per_minute)),
            per_source: RateLimiter::keyed(per_minute(config.per_source_per_minute)),
            entropy: std::sync::RwLock::new(None),
            config,
            store,
            writer,
            sealer,
            devices,
            metrics,
        }
    }

    /// Forgets rate-limit state of keys that have been quiet, so memory stays bounded.
    pub fn prune_rate_limits(&self) {
        self.per_device.retain_recent();
        self.per_source.retain_recent();
    }
}

/// The HTTP API with its limits: body size, a bound on requests in flight (refused beyond it,
/// not queued) and a timeout on every request. `more` are further routes (the epoch API) served
/// under the same limits.
pub fn router(state: Arc<IngestState>, more: Router) -> Router {
    let limits = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(overload_or_timeout))
        .load_shed()
        .concurrency_limit(state.config.max_in_flight)
        .timeout(Duration::from_millis(state.config.request_timeout_ms));
    Router::new()
        .route("/v1/reports", post(submit_report))
        .route("/v1/reports/batch", post(batch::submit_batch).layer(DefaultBodyLimit::max(state.config.max_batch_bytes)))
        .route("/v1/devices/{key}/rejections", get(device_rejections))
        .route("/v1/entropy", get(entropy))
        .route("/health", get(health))
        .with_state(state.clone())
        .merge(more)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(limits)
}

/// The operator endpoints, served on their own address (`admin_listen`): `/metrics` and the
/// health check.
pub fn admin_router(state: Arc<IngestState>) -> Router {
    Router::new().route("/metrics", get(render_metrics)).route("/health", get(health)).with_state(state)
}

async fn overload_or_timeout(error: BoxError) -> Rejection {
    if error.is::<tower::timeout::error::Elapsed>() {
        Rejection::Timeout
    } else {
        Rejection::Overloaded
    }
}

#[derive(Serialize)]
struct Accepted {
    id: String,
}

async fn submit_report(
    State(state): State<Arc<IngestState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Accepted>), Rejection> {
    if state.per_source.check_key(&peer.ip()).is_err() {
        return Err(Rejection::RateLimited("source address"));
    }
    let body = body.map_err(|e| body_refused(e, state.config.max_body_bytes))?;
    let now_ms = unix_ms();
    let report = state.signatures.check(admit(&state, &body, now_ms)?).await?;
    let id = store(&state, report, body.to_vec(), now_ms, peer.ip()).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { id: id.to_hex() })))
}

/// What a body that could not be read is refused with.
fn body_refused(e: BytesRejection, max: usize) -> Rejection {
    match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Rejection::OversizeBody { max },
        _ => Rejection::MalformedEncoding(e.body_text()),
    }
}

/// The checks before the signature's: the report decodes, its device is registered and active,
/// and its time is within the clock-skew window of `now_ms`.
fn admit(state: &IngestState, bytes: &[u8], now_ms: i64) -> Result<SignedReport, Rejection> {
    let report = SignedReport::from_bytes(bytes).map_err(|e| match e {
        fieldproof_reports::ReportError::Oversize { max, .. } => Rejection::OversizeBody { max },
        other => Rejection::MalformedEncoding(other.to_string()),
    })?;
    let header = *report.body.header();
    let device = state.devices.lookup(&header.device_key).ok_or(Rejection::UnknownDevice)?;
    if !device.active {
        return Err(Rejection::InactiveDevice);
    }
    let skew_ms = i64::try_from(header.timestamp_ms).unwrap_or(i64::MAX).saturating_sub(now_ms);
    let max_ms = i64::try_from(state.config.max_clock_skew_secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
    if skew_ms.abs() > max_ms {
        return Err(Rejection::ClockSkew { skew_ms, max_ms });
    }
    Ok(report)
}

/// The checks after the signature's, then the store: the device's rate limit, and the report
/// durable in the log (a duplicate, a replayed nonce or a sealed bucket refused there).
async fn store(state: &IngestState, report: SignedReport, wire: Vec<u8>, now_ms: i64, source: IpAddr) -> Result<fieldproof_reports::ReportId, Rejection> {
    if state.per_device.check_key(&report.body.header().device_key).is_err() {
        return Err(Rejection::RateLimited("device"));
    }
    let kind = report.body.kind();
    let row = NewReport::accepted(&report, wire, now_ms, source.to_string());
    let id = fieldproof_reports::ReportId(row.id);
    let stored = state.writer.insert(row).await.map_err(|e| {
        tracing::error!(error = %e, "storing a report failed");
        Rejection::StorageUnavailable
    })?;
    match stored {
        InsertOutcome::Stored => {
            metrics::counter!("fieldproof_ingest_accepted_total", "kind" => kind.name()).increment(1);
            Ok(id)
        }
        InsertOutcome::Duplicate => Err(Rejection::DuplicateReport),
        InsertOutcome::ReplayedNonce => Err(Rejection::ReplayedNonce),
        InsertOutcome::Sealed => Err(Rejection::LateReport),
    }
}

/// The device's reports its epochs' judgements refused, newest first, with the reason for each.
async fn device_rejections(
    State(state): State<Arc<IngestState>>,
    axum::extract::Path(key): axum::extract::Path<String>,
) -> Result<Json<Vec<crate::storage::Refusal>>, Rejection> {
    let device: [u8; 32] = hex::decode(&key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| Rejection::MalformedEncoding("the device key is 64 hex digits".into()))?;
    state.store.refusals(&device, 100).await.map(Json).map_err(|_| Rejection::StorageUnavailable)
}

/// The entropy devices put in their beacons and segments: `{"slot", "blockhash" (hex),
/// "time_ms"}` of the newest finalized block this oracle has read.
#[derive(Serialize)]
struct EntropyView {
    slot: u64,
    blockhash: String,
    time_ms: i64,
}

async fn entropy(State(state): State<Arc<IngestState>>) -> Result<Json<EntropyView>, Rejection> {
    let current = *state.entropy.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (slot, block) = current.ok_or(Rejection::EntropyUnavailable)?;
    Ok(Json(EntropyView { slot, blockhash: hex::encode(block.hash), time_ms: block.time_ms }))
}

/// Reads the newest finalized block every `every`, for `GET /v1/entropy`. A failed read keeps
/// the last block (still fresh for a while) and is retried on the next tick.
pub async fn keep_entropy_current(state: Arc<IngestState>, blocks: crate::chain_blocks::BlockCache, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match blocks.latest(unix_ms()).await {
            Ok(latest) => *state.entropy.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(latest),
            Err(e) => tracing::warn!(error = %e, "cannot read the newest block; devices keep the last entropy for now"),
        }
    }
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    devices: usize,
}

/// Healthy when the write path works: a report accepted now would be durable (see
/// `Sealer::check_write_path`), not merely when the process answers.
async fn health(State(state): State<Arc<IngestState>>) -> Result<Json<Health>, Rejection> {
    if let Err(reason) = state.sealer.check_write_path(unix_ms()).await {
        // What failed names files and hosts: logged, not answered.
        let error_id = crate::refusal::error_id();
        tracing::error!(%error_id, %reason, "health check: the write path fails");
        return Err(Rejection::Unhealthy { error_id });
    }
    Ok(Json(Health { status: "ok", devices: state.devices.len() }))
}

async fn render_metrics(State(state): State<Arc<IngestState>>) -> String {
    state.metrics.as_ref().map(PrometheusHandle::render).unwrap_or_default()
}

pub use crate::log::clock::unix_ms;
