//! The owner endpoints of the oracle API, served when the device directory is synced from the
//! chain (`[registry]`): what a wallet needs to claim without any other indexer.
//!
//! - `GET /v1/ownership/{asset}`: the device cNFT's owner, delegate and leaf path against the
//!   device tree's current root, from the oracle's own index of the network's device trees
//!   (rebuilt from each tree's transaction history on the node, no DAS provider involved).
//! - `GET /v1/claims/{pool}/{owner}[?asset=<base58>]`: ready-to-sign transactions that claim,
//!   from the pool's active root, what this oracle's published epochs grant the devices `owner`
//!   holds now (or only `asset`); the owner pays their fees and is their only signer.
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use fieldproof_sdk::{ClaimTransactions, Client, OwnershipSourceError, Pubkey, RpcChain, SdkError, TreeHistory};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use crate::devices::DeviceDirectory;
use crate::refusal::{failure, parse_address, refuse};
use crate::quorum::ActiveFiles;

/// Ready-to-sign claims: `[claims]` of the configuration.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ClaimsConfig {
    /// Address lookup tables the claim transactions go through (base58), e.g. the one
    /// `fieldproof create-lookup-table` made for the pool: a claim in a tree of 2^20 devices fits
    /// a transaction only through one.
    pub lookup_tables: Vec<String>,
}

pub struct OwnerApiState {
    index: TreeHistory,
    /// The device directory knows the network's trees (the registry sync notes them).
    devices: Arc<DeviceDirectory>,
    active: Arc<ActiveFiles>,
    /// Makes the chain claims are planned on; called once.
    chain: Box<dyn Fn() -> RpcChain + Send + Sync>,
    lookup_table_addresses: Vec<Pubkey>,
    /// Made on the first claim, once the lookup tables are read from the chain, so that the node
    /// may be down when the oracle starts.
    client: OnceCell<Client<RpcChain>>,
}

impl OwnerApiState {
    /// Fails on a lookup table that is not a base58 address.
    pub fn new(
        chain: impl Fn() -> RpcChain + Send + Sync + 'static,
        devices: Arc<DeviceDirectory>,
        active: Arc<ActiveFiles>,
        config: &ClaimsConfig,
    ) -> anyhow::Result<Self> {
        let lookup_table_addresses = config
            .lookup_tables
            .iter()
            .map(|t| t.parse().map_err(|_| anyhow::anyhow!("claims.lookup_tables: {t:?} is not a base58 address")))
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { index: TreeHistory::new(chain()), devices, active, chain: Box::new(chain), lookup_table_addresses, client: OnceCell::new() })
    }

    /// The client claims and other wallet transactions are planned with.
    pub(crate) async fn client(&self) -> Result<&Client<RpcChain>, SdkError> {
        self.client
            .get_or_try_init(|| async {
                let client = Client::new((self.chain)());
                let mut tables = Vec::with_capacity(self.lookup_table_addresses.len());
                for address in &self.lookup_table_addresses {
                    tables.push(client.lookup_table(address).await?);
                }
                Ok(client.with_lookup_tables(tables))
            })
            .await
    }

    /// The index of the device trees: who holds which device cNFT now.
    pub(crate) fn index(&self) -> &TreeHistory {
        &self.index
    }

    pub(crate) fn devices(&self) -> &DeviceDirectory {
        &self.devices
    }

    pub(crate) fn active(&self) -> &ActiveFiles {
        &self.active
    }

    /// The assets `owner` holds now, over every device tree of the network.
    pub(crate) async fn assets_of(&self, owner: &Pubkey) -> Result<Vec<Pubkey>, OwnershipSourceError> {
        let mut assets = Vec::new();
        for tree in self.trees() {
            assets.extend(self.index.assets_of(&tree, owner).await?);
        }
        Ok(assets)
    }

    fn trees(&self) -> Vec<Pubkey> {
        self.devices.trees().into_iter().map(Pubkey::new_from_array).collect()
    }
}

/// Keeps the index of every device tree current, every `every`, so that a request replays only
/// what landed since the last pass (a tree's first replay reads its whole history).
pub async fn keep_index_current(state: Arc<OwnerApiState>, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        for tree in state.trees() {
            if let Err(e) = state.index.refresh(&tree).await {
                tracing::warn!(%tree, error = %e, "device tree index not brought up to date; retrying next tick");
            }
        }
    }
}

pub fn router(state: Arc<OwnerApiState>) -> Router {
    Router::new()
        .route("/v1/ownership/{asset}", get(ownership))
        .route("/v1/claims/{pool}/{owner}", get(claims))
        .with_state(state)
}

pub(crate) fn index_failure(error: &OwnershipSourceError) -> Response {
    if !matches!(error, OwnershipSourceError::UnknownAsset { .. }) {
        tracing::warn!(error = %error, "the device trees' index could not answer");
    }
    match error {
        OwnershipSourceError::UnknownAsset { .. } => refuse(StatusCode::NOT_FOUND, "unknown_asset", error.to_string()),
        OwnershipSourceError::Unavailable(_) => failure(StatusCode::SERVICE_UNAVAILABLE, "chain_unavailable", &error),
        OwnershipSourceError::Unexpected(_) => failure(StatusCode::SERVICE_UNAVAILABLE, "index_unavailable", &error),
    }
}

pub(crate) fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn ownership(State(state): State<Arc<OwnerApiState>>, Path(asset): Path<String>) -> Response {
    let asset = match parse_address("asset", &asset) {
        Ok(asset) => asset,
        Err(refusal) => return *refusal,
    };
    for tree in state.trees() {
        match state.index.find(&tree, &asset).await {
            Ok(Some(proof)) => return json(proof.to_json(&asset)),
            Ok(None) => {}
            Err(e) => return index_failure(&e),
        }
    }
    refuse(StatusCode::NOT_FOUND, "unknown_asset", format!("asset {asset} is in none of the network's device trees"))
}

#[derive(Deserialize)]
struct ClaimsQuery {
    asset: Option<String>,
}

async fn claims(State(state): State<Arc<OwnerApiState>>, Path((pool, owner)): Path<(String, String)>, Query(query): Query<ClaimsQuery>) -> Response {
    let parsed = (parse_address("pool", &pool), parse_address("owner", &owner), query.asset.as_deref().map(|a| parse_address("asset", a)).transpose());
    let (pool, owner, asset) = match parsed {
        (Ok(pool), Ok(owner), Ok(asset)) => (pool, owner, asset),
        (Err(refusal), _, _) | (_, Err(refusal), _) | (_, _, Err(refusal)) => return *refusal,
    };
    let file = match state.active.file(&pool).await {
        Ok(Some(file)) => file,
        Ok(None) => return refuse(StatusCode::NOT_FOUND, "no_active_root", format!("this oracle has seen no root of pool {pool} activated")),
        Err(e) => return failure(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", &e),
    };
    let assets = match asset {
        // One asset: whether `owner` holds it is the claim planning's to say, by name.
        Some(asset) => vec![asset],
        None => match state.assets_of(&owner).await {
            Ok(owned) => owned,
            Err(e) => return index_failure(&e),
        },
    };
    let mut leaves = Vec::with_capacity(assets.len());
    for asset in &assets {
        match file.leaf(asset) {
            Some(leaf) => leaves.push(leaf),
            // Asked for by name: say why there is nothing. Among all of an owner's devices, one
            // that earned nothing yet is simply not claimed.
            None if query.asset.is_some() => {
                return refuse(StatusCode::NOT_FOUND, "unknown_asset", format!("asset {asset} has no leaf in epoch {} of pool {pool}", file.epoch))
            }
            None => {}
        }
    }
    let client = match state.client().await {
        Ok(client) => client,
        Err(e) => return claim_failure(e),
    };
    let plan = match client.plan_claims(&owner, &owner, &pool, &leaves, &state.index).await {
        Ok(plan) => plan,
        Err(e) => return claim_failure(e),
    };
    let mut transactions = Vec::with_capacity(plan.transactions.len());
    for instructions in &plan.transactions {
        match client.unsigned_transaction(instructions, &owner).await {
            Ok(transaction) => transactions.push(transaction),
            Err(e) => return claim_failure(e),
        }
    }
    let answer = ClaimTransactions {
        pool,
        owner,
        epoch: file.epoch,
        paid: plan.paid,
        claimed: plan.claimed,
        nothing_to_claim: plan.nothing_to_claim,
        transactions,
    };
    json(answer.to_json())
}

pub(crate) fn claim_failure(error: SdkError) -> Response {
    if matches!(error, SdkError::Chain(_) | SdkError::AssetIndex(_) | SdkError::InvalidProof { .. } | SdkError::TransactionTooLarge { .. }) {
        tracing::warn!(error = %error, "claim transactions could not be prepared");
    }
    match error {
        SdkError::NotDeviceOwner { .. } => refuse(StatusCode::FORBIDDEN, "not_device_owner", error.to_string()),
        SdkError::UnknownDevice(_) => refuse(StatusCode::NOT_FOUND, "unknown_asset", error.to_string()),
        SdkError::AssetIndex(e) => index_failure(&e),
        // The pool's active root on chain is not the one of this oracle's newest active file: a
        // newer root was activated moments ago (this oracle follows within seconds), or this
        // oracle's epochs are not the pool's.
        SdkError::InvalidProof { .. } => refuse(StatusCode::SERVICE_UNAVAILABLE, "root_not_active", error.to_string()),
        SdkError::TransactionTooLarge { .. } => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "claim_too_large",
            format!("{error}; the oracle's [claims] lookup_tables must hold the pool's lookup table"),
        ),
        SdkError::Chain(_) => failure(StatusCode::SERVICE_UNAVAILABLE, "chain_unavailable", &error),
        other => failure(StatusCode::INTERNAL_SERVER_ERROR, "internal", &other),
    }
}
