//! Per-source rate limits of the read endpoints (ingest limits its own: per source and per
//! device). Two budgets: every read, and a tighter one for the endpoints that fan out into RPC
//! calls to the chain node (ownership, claims, owners' devices, destinations), so that no client
//! can spend the oracle's node quota.
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// One budget of requests per source address and minute.
pub struct SourceLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl SourceLimit {
    /// At most `n` requests a minute from one address (bursts up to `n`).
    pub fn per_minute(n: u32) -> Arc<Self> {
        Arc::new(Self { limiter: RateLimiter::keyed(Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))) })
    }

    /// Forgets the addresses that have been quiet, so memory stays bounded.
    pub fn prune(&self) {
        self.limiter.retain_recent();
    }
}

/// The middleware: `429 rate_limited` beyond the budget, the request otherwise.
pub async fn limit(State(limit): State<Arc<SourceLimit>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, request: Request, next: Next) -> Response {
    if limit.limiter.check_key(&peer.ip()).is_err() {
        return crate::refusal::refuse(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests from this address; slow down and retry later");
    }
    next.run(request).await
}
