//! The wallet endpoints of the oracle API, served beside the owner endpoints (`[registry]`): what
//! the wallet app shows an owner, from this oracle's own index, store and reward files and the
//! pools' and claim records' accounts on chain — no other indexer.
//!
//! - `GET /v1/owners/{owner}/devices`: the devices whose cNFT `owner` holds now, each with its
//!   kind, location, status, last valid report and, per pool, what it earned, what was paid and
//!   what is claimable; the pools' active and pending roots; the H3 cells of the hotspots. Where
//!   the dashcams drove is the owner's alone (`owner_challenge.rs`).
//! - `GET /v1/destinations/{pool}/{owner}/{asset}?to=<token account>`: a ready-to-sign
//!   transaction that makes the device's future claims from `pool` pay `to`
//!   (`11111111111111111111111111111111`, the zero key, undoes it); the owner pays its fee and is its only signer.
use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use fieldproof_sdk::{reward_pool, wire_base64, Pubkey};
use serde::{Deserialize, Serialize};

use crate::devices::DeviceKind;
use crate::epoch::RewardStream;
use crate::owners::{claim_failure, index_failure, json, OwnerApiState};
use crate::refusal::{failure, parse_address, refuse};
use crate::storage::Store;

pub struct WalletApiState {
    pub owners: Arc<OwnerApiState>,
    pub store: Store,
    /// The pools this oracle computes (`[quorum] pools`): the rewards a device is shown.
    pub pools: Vec<(Pubkey, RewardStream)>,
}

pub fn router(state: Arc<WalletApiState>) -> Router {
    Router::new()
        .route("/v1/owners/{owner}/devices", get(owner_devices))
        .route("/v1/destinations/{pool}/{owner}/{asset}", get(destination))
        .with_state(state)
}

#[derive(Serialize)]
struct OwnerDevices {
    owner: String,
    /// Unix milliseconds of the chain's view the answer was read at (the node's clock is the
    /// dispute window's).
    now_ms: i64,
    pools: Vec<PoolView>,
    devices: Vec<DeviceView>,
    /// H3 cells (hex) where the owner's hotspots stand.
    hotspot_cells: Vec<String>,
}

#[derive(Serialize)]
struct PoolView {
    pool: String,
    stream: RewardStream,
    mint: String,
    /// The epoch of the pool's active root on chain (0: none yet).
    active_epoch: u64,
    /// The epoch whose reward file this oracle serves claims from; none before the first root.
    claimable_epoch: Option<u64>,
    /// A posted root still in its dispute window, and when anyone may activate it.
    pending_epoch: Option<u64>,
    pending_activates_at: Option<i64>,
}

#[derive(Serialize)]
struct DeviceView {
    asset: String,
    /// The device's hardware key, hex: what its reports and rejections are keyed by.
    device_key: String,
    kind: &'static str,
    /// The asserted location, an H3 cell in hex; none before one is asserted.
    location_h3: Option<String>,
    status: &'static str,
    last_valid_report_ms: Option<i64>,
    rewards: Vec<DeviceReward>,
}

#[derive(Serialize)]
struct DeviceReward {
    pool: String,
    /// Lifetime rewards in the claimable epoch's file.
    cumulative: u64,
    /// Paid so far (the device's claim record on chain).
    claimed: u64,
    /// What a claim pays now: cumulative − claimed.
    claimable: u64,
    /// The token account claims pay, when the owner set one.
    destination: Option<String>,
}

fn kind_name(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Hotspot => "hotspot",
        DeviceKind::Mapper => "mapper",
    }
}

fn cell_hex(cell: u64) -> String {
    format!("{cell:x}")
}

async fn owner_devices(State(state): State<Arc<WalletApiState>>, Path(owner): Path<String>) -> Response {
    let owner = match parse_address("owner", &owner) {
        Ok(owner) => owner,
        Err(refusal) => return *refusal,
    };
    match read_owner_devices(&state, &owner).await {
        Ok(answer) => json(serde_json::to_string(&answer).unwrap_or_default()),
        Err(refusal) => *refusal,
    }
}

async fn read_owner_devices(state: &WalletApiState, owner: &Pubkey) -> Result<OwnerDevices, Box<Response>> {
    let owners = &state.owners;
    let assets = owners.assets_of(owner).await.map_err(|e| Box::new(index_failure(&e)))?;
    let client = owners.client().await.map_err(|e| Box::new(claim_failure(e)))?;
    let chain_failure = |e| Box::new(claim_failure(e));
    let storage_failure = |e: &dyn std::fmt::Display| Box::new(failure(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", &e));

    let mut pools = Vec::with_capacity(state.pools.len());
    let mut files = Vec::with_capacity(state.pools.len());
    for (address, stream) in &state.pools {
        let pool = client.pool(address).await.map_err(chain_failure)?;
        let file = owners.active().file(address).await.map_err(|e| storage_failure(&e))?;
        pools.push(PoolView {
            pool: address.to_string(),
            stream: *stream,
            mint: pool.mint.to_string(),
            active_epoch: pool.active.epoch,
            claimable_epoch: file.as_ref().map(|f| f.epoch),
            pending_epoch: pool.pending.map(|p| p.root.epoch),
            pending_activates_at: pool.pending.map(|p| p.activates_at),
        });
        files.push(file);
    }

    // The directory is keyed by device key; the index knows assets. A cNFT the directory has not
    // synced yet (it follows the chain every `refresh_secs`) appears on the next request.
    let by_asset = owners.devices().of_assets(&assets.iter().map(Pubkey::to_bytes).collect());
    let now_ms = crate::ingest::unix_ms();
    let mut devices = Vec::with_capacity(assets.len());
    let mut hotspot_cells = BTreeSet::new();
    for asset in &assets {
        let Some((key, entry)) = by_asset.get(&asset.to_bytes()) else { continue };
        let mut rewards = Vec::with_capacity(state.pools.len());
        for ((pool, _), file) in state.pools.iter().zip(&files) {
            let cumulative = file.as_ref().and_then(|f| f.leaf(asset)).map_or(0, |leaf| leaf.cumulative_amount);
            let record = client.claim_record(pool, asset).await.map_err(chain_failure)?;
            let claimed = record.as_ref().map_or(0, |r| r.claimed);
            rewards.push(DeviceReward {
                pool: pool.to_string(),
                cumulative,
                claimed,
                claimable: cumulative.saturating_sub(claimed),
                destination: record.and_then(|r| r.destination_of(owner)).map(|d| d.to_string()),
            });
        }
        // Reports count as valid once an epoch judged them and did not refuse them.
        let stream = match entry.kind {
            DeviceKind::Hotspot => RewardStream::Coverage,
            DeviceKind::Mapper => RewardStream::Mapping,
        };
        let judged_ms = state.store.judged_through_ms(stream.as_str()).await.map_err(|e| storage_failure(&e))?.unwrap_or(i64::MIN);
        let last_valid_report_ms = state.store.last_valid_report_ms(key, judged_ms).await.map_err(|e| storage_failure(&e))?;
        if entry.kind == DeviceKind::Hotspot {
            hotspot_cells.extend(entry.location_h3);
        }
        devices.push(DeviceView {
            asset: asset.to_string(),
            device_key: hex::encode(key),
            kind: kind_name(entry.kind),
            location_h3: entry.location_h3.map(cell_hex),
            status: if entry.active { "active" } else { "inactive" },
            last_valid_report_ms,
            rewards,
        });
    }
    Ok(OwnerDevices {
        owner: owner.to_string(),
        now_ms,
        pools,
        devices,
        hotspot_cells: hotspot_cells.into_iter().map(cell_hex).collect(),
    })
}

#[derive(Deserialize)]
struct DestinationQuery {
    to: Option<String>,
}

#[derive(Serialize)]
struct DestinationTransaction {
    pool: String,
    owner: String,
    asset: String,
    destination: String,
    /// base64 of the unsigned transaction's wire bytes; the owner is its fee payer.
    transaction: String,
}

async fn destination(
    State(state): State<Arc<WalletApiState>>,
    Path((pool, owner, asset)): Path<(String, String, String)>,
    Query(query): Query<DestinationQuery>,
) -> Response {
    let Some(to) = query.to else {
        return refuse(StatusCode::BAD_REQUEST, "malformed_encoding", "?to=<token account> is missing: the destination of the device's claims");
    };
    let parsed = (parse_address("pool", &pool), parse_address("owner", &owner), parse_address("asset", &asset), parse_address("destination", &to));
    let (pool, owner, asset, to) = match parsed {
        (Ok(pool), Ok(owner), Ok(asset), Ok(to)) => (pool, owner, asset, to),
        (Err(refusal), ..) | (_, Err(refusal), ..) | (_, _, Err(refusal), _) | (.., Err(refusal)) => return *refusal,
    };
    if !state.pools.iter().any(|(p, _)| *p == pool) {
        return refuse(StatusCode::NOT_FOUND, "unknown_pool", format!("this oracle serves no pool {pool}"));
    }
    // `11111111111111111111111111111111` is the all-zero key, which the program reads as "pay the
    // owner directly".
    let destination = to;
    let client = match state.owners.client().await {
        Ok(client) => client,
        Err(e) => return claim_failure(e),
    };
    let ownership = match client.prove_ownership(&owner, &asset, state.owners.index()).await {
        Ok(ownership) => ownership,
        Err(e) => return claim_failure(e),
    };
    let instruction = reward_pool::set_destination(&owner, &owner, &pool, &ownership, destination);
    match client.unsigned_transaction(&[instruction], &owner).await {
        Ok(transaction) => {
            let answer = DestinationTransaction {
                pool: pool.to_string(),
                owner: owner.to_string(),
                asset: asset.to_string(),
                destination: destination.to_string(),
                transaction: wire_base64(&transaction),
            };
            json(serde_json::to_string(&answer).unwrap_or_default())
        }
        Err(e) => claim_failure(e),
    }
}
