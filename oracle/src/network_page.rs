//! The network as a whole, for the wallet app's network page: what an owner checks before buying
//! a hotspot and what an operator watches. Every answer is an aggregate: counts per kind and
//! status, hotspots and dashcams per cell, never one device's place or track.
//!
//! - `GET /v1/network/devices`: devices by kind and status; located hotspots per density cell;
//!   the cells dashcams mapped in the last day, coarsened, each with how many dashcams mapped it,
//!   and only where at least [`MIN_DASHCAMS_PER_CELL`] did.
//! - `GET /v1/network/pools[?epochs=N]`: each pool's newest epochs in this oracle's pipeline
//!   (status, root, totals, signatures, post transaction), the pool's active epoch on chain and
//!   the root in its dispute window with the time it becomes claimable.
//! - `GET /v1/network/emissions[?epochs=N]`: per treasury epoch, the scheduled emission, whether
//!   it was emitted, its split among the recipients (the pools' vaults named), and the DC burned.
//! - `GET /v1/network/oracle`: this oracle's health and newest signed epoch per pool (the SDK's
//!   `OracleHealth`), which peers read from each other.
//! - `GET /v1/network/oracles`: the same of this oracle and each of its `[quorum] peers`.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use fieldproof_sdk::data_credits::{epoch_burns_address, EpochBurns};
use fieldproof_sdk::treasury::{split, Treasury};
use fieldproof_sdk::{Chain, Client, LastSignedEpoch, OracleClient, OracleHealth, Pubkey, RpcChain, SdkError};
use h3o::{CellIndex, Resolution};
use serde::{Deserialize, Serialize};
use solana_commitment_config::CommitmentConfig;

use crate::config::OracleConfig;
use crate::devices::{DeviceDirectory, DeviceKind};
use crate::epoch::{device_cells, RewardStream};
use crate::log::Sealer;
use crate::owners::json;
use crate::quorum::{EpochRecord, EpochStatus};
use crate::refusal::refuse;
use crate::storage::Store;
use crate::verify::Window;

/// The network map's mapped cells are this coarse (~5 km² each): an aggregate of the roads
/// driven, not a trace of anyone's drive.
pub const NETWORK_MAPPED_RESOLUTION: u8 = 7;
/// A cell is shown once this many distinct dashcams mapped it: one dashcam's cells alone would
/// be its drive.
pub const MIN_DASHCAMS_PER_CELL: usize = 2;
/// How far back the mapped cells go.
pub const MAPPED_WINDOW_MS: i64 = 24 * 60 * 60 * 1_000;
/// The devices' aggregate reads every dashcam's segments: computed at most this often.
const DEVICES_CACHE: Duration = Duration::from_secs(15);
/// Epochs listed when the request does not say, and at most.
const DEFAULT_EPOCHS: u64 = 12;
const MAX_EPOCHS: u64 = 100;
/// A peer that does not answer within this is said to be unreachable; the page does not wait.
const PEER_TIMEOUT: Duration = Duration::from_secs(3);

pub struct NetworkPeer {
    pub url: String,
    pub key: String,
    pub client: OracleClient,
}

pub struct NetworkPageState<C> {
    pub devices: Arc<DeviceDirectory>,
    pub store: Store,
    /// The pools this oracle computes (`[quorum] pools`).
    pub pools: Vec<(Pubkey, RewardStream)>,
    /// The node the pools, the treasury and the burns are read from; none configured: none.
    pub client: Option<Client<C>>,
    pub treasury: Option<Pubkey>,
    /// This oracle's key (base58), or `local`.
    pub oracle: String,
    /// Probes the write path, as `GET /health` does.
    pub sealer: Arc<Sealer>,
    pub peers: Vec<NetworkPeer>,
    /// `[epochs] density_resolution`: hotspots are counted per cell of it.
    pub density_resolution: Resolution,
    /// `[epochs] mapping_resolution`: the cells a segment covers, before coarsening.
    pub mapping_resolution: Resolution,
    devices_cache: Mutex<Option<(Instant, Arc<String>)>>,
}

impl<C> NetworkPageState<C> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        devices: Arc<DeviceDirectory>,
        store: Store,
        pools: Vec<(Pubkey, RewardStream)>,
        client: Option<Client<C>>,
        treasury: Option<Pubkey>,
        oracle: String,
        sealer: Arc<Sealer>,
        peers: Vec<NetworkPeer>,
        density_resolution: Resolution,
        mapping_resolution: Resolution,
    ) -> Self {
        Self { devices, store, pools, client, treasury, oracle, sealer, peers, density_resolution, mapping_resolution, devices_cache: Mutex::new(None) }
    }
}

impl NetworkPageState<RpcChain> {
    /// The page of the oracle `config` describes: its pools, treasury and peers of `[quorum]`, the
    /// node of `[quorum]` or else `[registry]`.
    pub fn from_config(config: &OracleConfig, store: Store, devices: Arc<DeviceDirectory>, sealer: Arc<Sealer>) -> anyhow::Result<Self> {
        let q = &config.quorum;
        let address = |field: &str, text: &str| text.parse::<Pubkey>().map_err(|_| anyhow::anyhow!("quorum.{field} is not a base58 address: {text}"));
        let pools = q.pools.iter().map(|p| Ok((address("pools.address", &p.address)?, p.stream))).collect::<anyhow::Result<Vec<_>>>()?;
        let treasury = q.treasury.as_deref().map(|t| address("treasury", t)).transpose()?;
        let timeout = Duration::from_millis(q.request_timeout_ms);
        let client = q.rpc_url.as_ref().or(config.registry.rpc_url.as_ref()).map(|url| Client::new(RpcChain::new(url.clone(), timeout, CommitmentConfig::confirmed())));
        let peers = q
            .peers
            .iter()
            .map(|p| {
                let client = OracleClient::new(p.url.clone(), PEER_TIMEOUT).map_err(|e| anyhow::anyhow!("quorum.peers: {e}"))?.with_retries(1, Duration::ZERO);
                Ok(NetworkPeer { url: p.url.clone(), key: p.key.clone(), client })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let resolution = |name: &str, value: u8| Resolution::try_from(value).map_err(|e| anyhow::anyhow!("epochs.{name}: {e}"));
        Ok(Self::new(
            devices,
            store,
            pools,
            client,
            treasury,
            config.oracle_id()?,
            sealer,
            peers,
            resolution("density_resolution", config.epochs.density_resolution)?,
            resolution("mapping_resolution", config.epochs.mapping_resolution)?,
        ))
    }
}

pub fn router<C: Chain + Send + Sync + 'static>(state: Arc<NetworkPageState<C>>) -> Router {
    Router::new()
        .route("/v1/network/devices", get(devices::<C>))
        .route("/v1/network/pools", get(pools::<C>))
        .route("/v1/network/emissions", get(emissions::<C>))
        .route("/v1/network/oracle", get(this_oracle::<C>))
        .route("/v1/network/oracles", get(oracles::<C>))
        .with_state(state)
}

fn storage_failure(e: impl std::fmt::Display) -> Response {
    refuse(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", e.to_string())
}

fn chain_failure(e: SdkError) -> Response {
    tracing::warn!(error = %e, "the network page could not read the chain");
    refuse(StatusCode::SERVICE_UNAVAILABLE, "chain_unavailable", e.to_string())
}

fn answer(body: &impl Serialize) -> Response {
    json(serde_json::to_string(body).unwrap_or_default())
}

#[derive(Deserialize)]
struct EpochsQuery {
    epochs: Option<String>,
}

/// `?epochs=N`: how many of the newest epochs to list.
fn epochs_asked(query: &EpochsQuery) -> Result<u64, Box<Response>> {
    let Some(text) = &query.epochs else { return Ok(DEFAULT_EPOCHS) };
    match text.parse::<u64>() {
        Ok(n) if (1..=MAX_EPOCHS).contains(&n) => Ok(n),
        _ => Err(Box::new(refuse(StatusCode::BAD_REQUEST, "malformed_encoding", format!("epochs={text:?}: a whole number of epochs from 1 to {MAX_EPOCHS}")))),
    }
}

// ---- devices ------------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeviceCount {
    pub kind: String,
    pub status: String,
    pub count: u64,
    /// Of them, those with an asserted location.
    pub located: u64,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CellCount {
    /// H3 cell, hex.
    pub cell: String,
    pub devices: u64,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct HotspotCells {
    pub resolution: u8,
    /// Active located hotspots per cell: where more than `[epochs] density_target` stand, they
    /// share what that many would earn.
    pub cells: Vec<CellCount>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MappedCells {
    pub resolution: u8,
    pub since_ms: i64,
    /// Segments count once an epoch judged them: up to the newest judged mapping window.
    pub judged_through_ms: Option<i64>,
    pub min_dashcams: usize,
    /// Distinct dashcams per cell, for cells at least `min_dashcams` mapped.
    pub cells: Vec<CellCount>,
    /// Cells fewer dashcams mapped: counted, not shown.
    pub withheld_cells: u64,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct NetworkDevices {
    pub now_ms: i64,
    pub devices: Vec<DeviceCount>,
    pub hotspot_cells: HotspotCells,
    pub mapped_cells: MappedCells,
}

fn kind_name(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Hotspot => "hotspot",
        DeviceKind::Mapper => "mapper",
    }
}

fn parent(cell: u64, resolution: Resolution) -> Option<u64> {
    let cell = CellIndex::try_from(cell).ok()?;
    (cell.resolution() >= resolution).then(|| cell.parent(resolution)).flatten().map(u64::from)
}

fn cell_counts(per_cell: BTreeMap<u64, u64>) -> Vec<CellCount> {
    per_cell.into_iter().map(|(cell, devices)| CellCount { cell: format!("{cell:x}"), devices }).collect()
}

/// The mapped cells of `dashcams` (each a device's own cells), coarsened to `resolution`,
/// keeping the cells at least `min_dashcams` distinct dashcams mapped.
pub fn aggregate_mapped_cells(dashcams: &[BTreeSet<u64>], resolution: Resolution, min_dashcams: usize) -> (Vec<CellCount>, u64) {
    let mut per_cell: BTreeMap<u64, u64> = BTreeMap::new();
    for cells in dashcams {
        let coarse: BTreeSet<u64> = cells.iter().filter_map(|c| parent(*c, resolution)).collect();
        for cell in coarse {
            *per_cell.entry(cell).or_default() += 1;
        }
    }
    let shown_at_least = u64::try_from(min_dashcams).unwrap_or(u64::MAX);
    let (shown, withheld): (BTreeMap<u64, u64>, BTreeMap<u64, u64>) = per_cell.into_iter().partition(|(_, n)| *n >= shown_at_least);
    (cell_counts(shown), withheld.len() as u64)
}

async fn read_devices<C>(state: &NetworkPageState<C>) -> Result<NetworkDevices, Response> {
    let directory = state.devices.snapshot().entries;
    let mut counts: BTreeMap<(&'static str, &'static str), (u64, u64)> = BTreeMap::new();
    for kind in ["hotspot", "mapper"] {
        for status in ["active", "inactive"] {
            counts.insert((kind, status), (0, 0));
        }
    }
    let mut hotspots_per_cell: BTreeMap<u64, u64> = BTreeMap::new();
    let mut dashcams = Vec::new();
    for entry in directory.values() {
        let status = if entry.active { "active" } else { "inactive" };
        let count = counts.entry((kind_name(entry.kind), status)).or_default();
        count.0 += 1;
        count.1 += u64::from(entry.location_h3.is_some());
        if entry.kind == DeviceKind::Hotspot && entry.active {
            if let Some(cell) = entry.location_h3.and_then(|c| parent(c, state.density_resolution)) {
                *hotspots_per_cell.entry(cell).or_default() += 1;
            }
        }
    }
    let now_ms = crate::ingest::unix_ms();
    let since_ms = now_ms.saturating_sub(MAPPED_WINDOW_MS);
    let judged = state.store.judged_through_ms(RewardStream::Mapping.as_str()).await.map_err(storage_failure)?;
    if let Some(judged_ms) = judged {
        let window = Window { start_ms: since_ms, end_ms: judged_ms };
        for (key, _) in directory.iter().filter(|(_, e)| e.kind == DeviceKind::Mapper) {
            let cells = device_cells(&state.store, key, window, state.mapping_resolution).await.map_err(storage_failure)?;
            if !cells.is_empty() {
                dashcams.push(cells);
            }
        }
    }
    let resolution = Resolution::try_from(NETWORK_MAPPED_RESOLUTION).unwrap_or(Resolution::Seven);
    let (cells, withheld_cells) = aggregate_mapped_cells(&dashcams, resolution, MIN_DASHCAMS_PER_CELL);
    Ok(NetworkDevices {
        now_ms,
        devices: counts.into_iter().map(|((kind, status), (count, located))| DeviceCount { kind: kind.into(), status: status.into(), count, located }).collect(),
        hotspot_cells: HotspotCells { resolution: state.density_resolution.into(), cells: cell_counts(hotspots_per_cell) },
        mapped_cells: MappedCells { resolution: NETWORK_MAPPED_RESOLUTION, since_ms, judged_through_ms: judged, min_dashcams: MIN_DASHCAMS_PER_CELL, cells, withheld_cells },
    })
}

async fn devices<C: Chain + Send + Sync + 'static>(State(state): State<Arc<NetworkPageState<C>>>) -> Response {
    let cached = state.devices_cache.lock().unwrap_or_else(|p| p.into_inner()).as_ref().filter(|(at, _)| at.elapsed() < DEVICES_CACHE).map(|(_, body)| body.clone());
    if let Some(body) = cached {
        return json(body.as_ref().clone());
    }
    match read_devices(&state).await {
        Ok(answer) => {
            let body = Arc::new(serde_json::to_string(&answer).unwrap_or_default());
            *state.devices_cache.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), body.clone()));
            json(body.as_ref().clone())
        }
        Err(refusal) => refusal,
    }
}

// ---- pools and their epochs ------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EpochRow {
    pub epoch: u64,
    /// In this oracle's pipeline: computing, signed, posted, pending, active.
    pub status: String,
    /// Of the root this oracle signed (hex).
    pub root: Option<String>,
    pub cumulative_total: Option<u64>,
    pub leaf_count: Option<u64>,
    /// Oracle signatures gathered (this oracle's included), from `posted` on.
    pub signatures: usize,
    pub post_tx: Option<String>,
    /// The root is in the pool's dispute window on chain until then (Unix seconds).
    pub pending_until: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PoolRow {
    pub pool: String,
    pub stream: RewardStream,
    /// The pool's active root on chain (none without a node configured).
    pub active_epoch: Option<u64>,
    pub active_root: Option<String>,
    pub active_cumulative_total: Option<u64>,
    pub total_claimed: Option<u64>,
    pub pending_epoch: Option<u64>,
    pub pending_until: Option<i64>,
    pub dispute_window_secs: Option<i64>,
    /// Newest first.
    pub epochs: Vec<EpochRow>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct NetworkPools {
    /// The chain's clock (Unix seconds), against which `pending_until` is counted.
    pub chain_time: Option<i64>,
    pub pools: Vec<PoolRow>,
}

async fn newest_epochs(store: &Store, pool: &Pubkey, limit: u64) -> Result<Vec<EpochRecord>, Response> {
    let epochs = store.newest_epochs(&pool.to_string(), limit).await.map_err(storage_failure)?;
    let mut records = Vec::with_capacity(epochs.len());
    for epoch in epochs {
        if let Some(record) = EpochRecord::load(store, pool, epoch).await.map_err(storage_failure)? {
            records.push(record);
        }
    }
    Ok(records)
}

fn epoch_row(record: &EpochRecord, pending: Option<(u64, i64)>) -> EpochRow {
    let args = record.own.as_ref().map(|s| &s.args);
    EpochRow {
        epoch: record.epoch,
        status: record.status.as_str().into(),
        root: args.map(|a| hex::encode(a.root)),
        cumulative_total: args.map(|a| a.cumulative_total),
        leaf_count: args.map(|a| a.leaf_count),
        signatures: record.signatures.len(),
        post_tx: record.post_tx.clone(),
        pending_until: pending.filter(|(epoch, _)| *epoch == record.epoch && record.status >= EpochStatus::Posted).map(|(_, until)| until),
    }
}

async fn pools<C: Chain + Send + Sync + 'static>(State(state): State<Arc<NetworkPageState<C>>>, Query(query): Query<EpochsQuery>) -> Response {
    let limit = match epochs_asked(&query) {
        Ok(limit) => limit,
        Err(refusal) => return *refusal,
    };
    let chain_time = match &state.client {
        Some(client) => match client.chain().clock().await {
            Ok(clock) => Some(clock.unix_timestamp),
            Err(e) => return chain_failure(e.into()),
        },
        None => None,
    };
    let mut rows = Vec::with_capacity(state.pools.len());
    for (address, stream) in &state.pools {
        let on_chain = match &state.client {
            Some(client) => match client.pool(address).await {
                Ok(pool) => Some(pool),
                Err(e) => return chain_failure(e),
            },
            None => None,
        };
        let pending = on_chain.as_ref().and_then(|p| p.pending).map(|p| (p.root.epoch, p.activates_at));
        let records = match newest_epochs(&state.store, address, limit).await {
            Ok(records) => records,
            Err(refusal) => return refusal,
        };
        rows.push(PoolRow {
            pool: address.to_string(),
            stream: *stream,
            active_epoch: on_chain.as_ref().map(|p| p.active.epoch),
            active_root: on_chain.as_ref().filter(|p| p.active.posted_at != 0).map(|p| hex::encode(p.active.root)),
            active_cumulative_total: on_chain.as_ref().map(|p| p.active.cumulative_total),
            total_claimed: on_chain.as_ref().map(|p| p.total_claimed),
            pending_epoch: pending.map(|(epoch, _)| epoch),
            pending_until: pending.map(|(_, until)| until),
            dispute_window_secs: on_chain.as_ref().map(|p| p.dispute_window_secs),
            epochs: records.iter().map(|r| epoch_row(r, pending)).collect(),
        });
    }
    answer(&NetworkPools { chain_time, pools: rows })
}

// ---- emissions and burns -----------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecipientShare {
    pub token_account: String,
    /// The pool whose vault it is, when it is one of this oracle's pools.
    pub pool: Option<String>,
    pub amount: u64,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DcBurned {
    /// Delegated usage burns (data transfer), all categories.
    pub usage: u64,
    /// Fee burns (onboarding, location asserts).
    pub fees: u64,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EmissionRow {
    pub epoch: u64,
    pub start_ts: i64,
    /// The schedule's emission (before the supply cap).
    pub scheduled: u64,
    /// Whether the treasury has emitted it.
    pub emitted: bool,
    /// The scheduled emission's split, as the treasury divides it (by weight and, for the
    /// usage share, by the epoch's usage burns).
    pub recipients: Vec<RecipientShare>,
    pub dc_burned: DcBurned,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct NetworkEmissions {
    pub treasury: String,
    pub mint: String,
    pub epoch_length_secs: i64,
    /// The epoch the chain's clock is in.
    pub current_epoch: u64,
    /// The next epoch the treasury will emit.
    pub next_epoch: u64,
    pub total_emitted: u64,
    /// Newest first.
    pub epochs: Vec<EmissionRow>,
}

async fn emissions<C: Chain + Send + Sync + 'static>(State(state): State<Arc<NetworkPageState<C>>>, Query(query): Query<EpochsQuery>) -> Response {
    let limit = match epochs_asked(&query) {
        Ok(limit) => limit,
        Err(refusal) => return *refusal,
    };
    let (Some(client), Some(treasury)) = (&state.client, &state.treasury) else {
        return refuse(StatusCode::NOT_FOUND, "not_configured", "this oracle follows no treasury: [quorum] treasury and rpc_url name it");
    };
    match read_emissions(client, treasury, &state.pools, limit).await {
        Ok(body) => answer(&body),
        Err(e) => chain_failure(e),
    }
}

async fn read_emissions<C: Chain>(client: &Client<C>, treasury: &Pubkey, pools: &[(Pubkey, RewardStream)], limit: u64) -> Result<NetworkEmissions, SdkError> {
    let t: Treasury = client.account(treasury).await?;
    let schedule = &t.params.schedule;
    let now = client.chain().clock().await?.unix_timestamp;
    let elapsed = now.saturating_sub(schedule.start_ts).max(0);
    let current_epoch = u64::try_from(elapsed.checked_div(schedule.epoch_length_secs).unwrap_or(0)).unwrap_or(0);
    let mut vaults = BTreeMap::new();
    for (pool, _) in pools {
        vaults.insert(client.pool(pool).await?.vault, *pool);
    }
    let oldest = current_epoch.saturating_sub(limit - 1);
    let mut epochs = Vec::new();
    for epoch in (oldest..=current_epoch).rev() {
        let burns: Option<EpochBurns> = client.optional_account(&epoch_burns_address(&t.params.dc_config, epoch)).await?;
        let usage = burns.as_ref().map(|b| b.usage_by_category).unwrap_or_default();
        let scheduled = schedule.scheduled_emission(epoch);
        // The treasury refuses a split it cannot make; the page shows the total then, unsplit.
        let amounts = split(scheduled, &t.params.recipients, t.params.usage_bps, &usage).map(|s| s.amounts).ok();
        let recipients = t
            .params
            .recipients
            .iter()
            .enumerate()
            .map(|(i, r)| RecipientShare {
                token_account: r.token_account.to_string(),
                pool: vaults.get(&r.token_account).map(Pubkey::to_string),
                amount: amounts.map_or(0, |a| a[i]),
            })
            .collect();
        let epoch_offset = i64::try_from(epoch).unwrap_or(i64::MAX).saturating_mul(schedule.epoch_length_secs);
        epochs.push(EmissionRow {
            epoch,
            start_ts: schedule.start_ts.saturating_add(epoch_offset),
            scheduled,
            emitted: epoch < t.next_epoch,
            recipients,
            dc_burned: DcBurned { usage: usage.iter().fold(0u64, |sum, u| sum.saturating_add(*u)), fees: burns.map_or(0, |b| b.fees) },
        });
    }
    Ok(NetworkEmissions {
        treasury: treasury.to_string(),
        mint: t.mint.to_string(),
        epoch_length_secs: schedule.epoch_length_secs,
        current_epoch,
        next_epoch: t.next_epoch,
        total_emitted: t.total_emitted,
        epochs,
    })
}

// ---- oracles -----------------------------------------------------------------------------

async fn own_health<C>(state: &NetworkPageState<C>) -> Result<OracleHealth, Response> {
    let problem = state.sealer.check_write_path(crate::ingest::unix_ms()).await.err();
    let mut last_signed = Vec::with_capacity(state.pools.len());
    for (pool, _) in &state.pools {
        let epoch = state.store.newest_signed_epoch(&pool.to_string()).await.map_err(storage_failure)?;
        last_signed.push(LastSignedEpoch { pool: pool.to_string(), epoch });
    }
    Ok(OracleHealth { oracle: state.oracle.clone(), healthy: problem.is_none(), problem, last_signed })
}

async fn this_oracle<C: Chain + Send + Sync + 'static>(State(state): State<Arc<NetworkPageState<C>>>) -> Response {
    match own_health(&state).await {
        Ok(health) => answer(&health),
        Err(refusal) => refusal,
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct OracleRow {
    /// Its key as configured (a peer's), or this oracle's own.
    pub oracle: String,
    /// None for this oracle (the one answering).
    pub url: Option<String>,
    pub reachable: bool,
    /// What it says of itself.
    pub health: Option<OracleHealth>,
    /// Why it could not be read.
    pub error: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct NetworkOracles {
    pub oracles: Vec<OracleRow>,
}

async fn oracles<C: Chain + Send + Sync + 'static>(State(state): State<Arc<NetworkPageState<C>>>) -> Response {
    let own = match own_health(&state).await {
        Ok(health) => health,
        Err(refusal) => return refusal,
    };
    let mut rows = vec![OracleRow { oracle: own.oracle.clone(), url: None, reachable: true, health: Some(own), error: None }];
    let asked = futures_util::future::join_all(state.peers.iter().map(|peer| peer.client.health())).await;
    for (peer, health) in state.peers.iter().zip(asked) {
        rows.push(match health {
            // A peer that says it is another oracle than configured is not taken at its word.
            Ok(health) if health.oracle != peer.key => OracleRow {
                oracle: peer.key.clone(),
                url: Some(peer.url.clone()),
                reachable: true,
                error: Some(format!("the oracle at {} says it is {}, not the configured {}", peer.url, health.oracle, peer.key)),
                health: None,
            },
            Ok(health) => OracleRow { oracle: peer.key.clone(), url: Some(peer.url.clone()), reachable: true, health: Some(health), error: None },
            Err(e) => OracleRow { oracle: peer.key.clone(), url: Some(peer.url.clone()), reachable: false, health: None, error: Some(e.to_string()) },
        });
    }
    answer(&NetworkOracles { oracles: rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(lat: f64, lng: f64, resolution: Resolution) -> u64 {
        u64::from(h3o::LatLng::new(lat, lng).unwrap().to_cell(resolution))
    }

    #[test]
    fn a_cell_one_dashcam_mapped_is_withheld_and_counted() {
        let ten = Resolution::Ten;
        let shared = cell(37.7749, -122.4194, ten);
        let near_shared = cell(37.7752, -122.4190, ten);
        let alone = cell(37.80, -122.27, ten);
        let first = BTreeSet::from([shared, alone]);
        let second = BTreeSet::from([near_shared]);
        let (cells, withheld) = aggregate_mapped_cells(&[first, second], Resolution::Seven, 2);
        let parent_of_shared = format!("{:x}", parent(shared, Resolution::Seven).unwrap());
        assert_eq!(cells, vec![CellCount { cell: parent_of_shared, devices: 2 }]);
        assert_eq!(withheld, 1);
        // One dashcam's many cells in one coarse cell count it once.
        let (cells, withheld) = aggregate_mapped_cells(&[BTreeSet::from([shared, near_shared])], Resolution::Seven, 1);
        assert_eq!((cells.len(), cells[0].devices, withheld), (1, 1, 0));
    }

    #[test]
    fn epochs_are_asked_as_a_bounded_number() {
        let asked = |text: Option<&str>| epochs_asked(&EpochsQuery { epochs: text.map(String::from) }).map_err(|r| r.status());
        assert_eq!(asked(None), Ok(DEFAULT_EPOCHS));
        assert_eq!(asked(Some("3")), Ok(3));
        for bad in ["0", "101", "-1", "x", ""] {
            assert_eq!(asked(Some(bad)), Err(StatusCode::BAD_REQUEST), "{bad}");
        }
    }
}
