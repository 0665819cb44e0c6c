//! The epoch endpoints of the oracle API: what peers fetch to form a quorum, and what anyone
//! reads to follow or recheck an epoch.
//!
//! - `GET /v1/epochs/{pool}/{epoch}`: where the epoch stands (`status`: computing, signed,
//!   posted, pending, active), its root and totals.
//! - `GET /v1/epochs/{pool}/{epoch}/signature`: this oracle's signature over its root (the SDK's
//!   `SignedRoot`), from `signed` on.
//! - `GET /v1/epochs/{pool}/{epoch}/file`: the epoch's reward file, byte for byte: the one of the
//!   root posted, or before that the one this oracle signed.
//! - `GET /v1/rewards/{pool}/{asset}`: the asset's leaf and proof against the newest root of the
//!   pool this oracle saw activated (the SDK's `RewardProof`).
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use fieldproof_sdk::{Pubkey, RewardProof};
use serde::Serialize;

use super::active_files::ActiveFiles;
use super::record::{EpochRecord, EpochStatus};
use crate::epoch::EpochFiles;
use crate::refusal::{failure, parse_address, refuse};
use crate::storage::Store;

pub struct EpochApiState {
    pub store: Store,
    pub files: EpochFiles,
    pub active: Arc<ActiveFiles>,
}

impl EpochApiState {
    pub fn new(store: Store, files: EpochFiles) -> Self {
        Self { active: Arc::new(ActiveFiles::new(store.clone(), files.clone())), store, files }
    }
}

pub fn router(state: Arc<EpochApiState>) -> Router {
    Router::new()
        .route("/v1/epochs/{pool}/{epoch}", get(status))
        .route("/v1/epochs/{pool}/{epoch}/signature", get(signature))
        .route("/v1/epochs/{pool}/{epoch}/file", get(file))
        .route("/v1/rewards/{pool}/{asset}", get(reward_proof))
        .with_state(state)
}

fn parse_pool(text: &str) -> Result<Pubkey, Box<Response>> {
    parse_address("pool", text)
}

#[derive(Serialize)]
struct EpochView {
    pool: String,
    epoch: u64,
    status: EpochStatus,
    root: Option<String>,
    cumulative_total: Option<u64>,
    leaf_count: Option<u64>,
    signatures: usize,
    post_tx: Option<String>,
}

async fn load(state: &EpochApiState, pool: &Pubkey, epoch: u64) -> Result<EpochRecord, Response> {
    match EpochRecord::load(&state.store, pool, epoch).await {
        Ok(Some(record)) => Ok(record),
        Ok(None) => Err(refuse(StatusCode::NOT_FOUND, "unknown_epoch", format!("this oracle has no epoch {epoch} of pool {pool}"))),
        Err(e) => Err(failure(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", &e)),
    }
}

async fn status(State(state): State<Arc<EpochApiState>>, Path((pool, epoch)): Path<(String, u64)>) -> Response {
    let pool = match parse_pool(&pool) {
        Ok(pool) => pool,
        Err(refusal) => return *refusal,
    };
    match load(&state, &pool, epoch).await {
        Ok(record) => {
            let args = record.own.as_ref().map(|s| &s.args);
            Json(EpochView {
                pool: pool.to_string(),
                epoch,
                status: record.status,
                root: args.map(|a| hex::encode(a.root)),
                cumulative_total: args.map(|a| a.cumulative_total),
                leaf_count: args.map(|a| a.leaf_count),
                signatures: record.signatures.len(),
                post_tx: record.post_tx,
            })
            .into_response()
        }
        Err(refusal) => refusal,
    }
}

async fn signature(State(state): State<Arc<EpochApiState>>, Path((pool, epoch)): Path<(String, u64)>) -> Response {
    let pool = match parse_pool(&pool) {
        Ok(pool) => pool,
        Err(refusal) => return *refusal,
    };
    match load(&state, &pool, epoch).await {
        Ok(EpochRecord { own: Some(own), .. }) => ([(header::CONTENT_TYPE, "application/json")], own.to_json()).into_response(),
        Ok(_) => refuse(StatusCode::NOT_FOUND, "not_signed", format!("epoch {epoch} of pool {pool} is not signed yet")),
        Err(refusal) => refusal,
    }
}

async fn file(State(state): State<Arc<EpochApiState>>, Path((pool, epoch)): Path<(String, u64)>) -> Response {
    let pool = match parse_pool(&pool) {
        Ok(pool) => pool,
        Err(refusal) => return *refusal,
    };
    let signed = match EpochRecord::load(&state.store, &pool, epoch).await {
        Ok(record) => record.and_then(|r| r.candidate),
        Err(e) => return failure(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", &e),
    };
    let found = match state.files.reward_file_bytes(&pool, epoch).await {
        Ok(None) => match &signed {
            Some(candidate) => state.files.candidate_file_bytes(&pool, epoch, candidate).await,
            None => Ok(None),
        },
        other => other,
    };
    match found {
        Ok(Some(bytes)) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Ok(None) => refuse(StatusCode::NOT_FOUND, "unknown_epoch", format!("no reward file of epoch {epoch} of pool {pool}")),
        Err(e) => failure(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", &e),
    }
}

async fn reward_proof(State(state): State<Arc<EpochApiState>>, Path((pool, asset)): Path<(String, String)>) -> Response {
    let (pool, asset) = match (parse_pool(&pool), parse_address("asset", &asset)) {
        (Ok(pool), Ok(asset)) => (pool, asset),
        (Err(refusal), _) | (_, Err(refusal)) => return *refusal,
    };
    let file = match state.active.file(&pool).await {
        Ok(Some(file)) => file,
        Ok(None) => return refuse(StatusCode::NOT_FOUND, "no_active_root", format!("this oracle has seen no root of pool {pool} activated")),
        Err(e) => return failure(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", &e),
    };
    match file.leaf(&asset) {
        Some(leaf) => {
            let proof = RewardProof { pool, epoch: file.epoch, root: file.root(), leaf };
            ([(header::CONTENT_TYPE, "application/json")], proof.to_json()).into_response()
        }
        None => refuse(StatusCode::NOT_FOUND, "unknown_asset", format!("asset {asset} has no leaf in epoch {} of pool {pool}", file.epoch)),
    }
}
