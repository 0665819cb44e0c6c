//! The blocks whose hashes devices put in their reports as entropy, and the chain's time of each:
//! read from a JSON-RPC node (`getBlock` at finalized commitment: a finalized block never
//! changes, so every oracle reads the same facts) or, where no chain is configured, from a
//! simulated chain. Each block is read once and kept in the store.
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
use solana_rpc_client_api::config::RpcBlockConfig;
use solana_rpc_client_api::custom_error;
use solana_rpc_client_api::request::RpcError;
use solana_transaction_status_client_types::TransactionDetails;

use crate::storage::{Store, StoreError};
use crate::verify::{Block, Blocks};

#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the node cannot tell the block at slot {slot} now: {reason}")]
    Unavailable { slot: u64, reason: String },
    #[error("the node's block at slot {slot} is malformed: {reason}")]
    Malformed { slot: u64, reason: String },
}

/// `[entropy]`: where blocks are read. Without `rpc_url` the oracle runs on a simulated chain,
/// which anyone who knows its parameters can predict: for development and tests only.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct EntropyConfig {
    /// A Solana JSON-RPC node; `[registry] rpc_url` when absent.
    pub rpc_url: Option<String>,
    /// Timeout of one request; failed requests are retried with backoff.
    pub rpc_timeout_ms: u64,
    /// How often the newest finalized block is read for `GET /v1/entropy`.
    pub refresh_secs: u64,
    pub simulated: SimulatedChain,
}

impl Default for EntropyConfig {
    fn default() -> Self {
        Self { rpc_url: None, rpc_timeout_ms: 10_000, refresh_secs: 10, simulated: SimulatedChain::default() }
    }
}

/// A stand-in chain for running without one: slot `n` starts at `genesis_ms + n · slot_ms` and
/// its hash is sha256("fieldproof:simulated-chain" ‖ seed ‖ n).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SimulatedChain {
    pub seed: String,
    pub genesis_ms: i64,
    pub slot_ms: i64,
}

impl Default for SimulatedChain {
    fn default() -> Self {
        Self { seed: "fieldproof".into(), genesis_ms: 1_700_000_000_000, slot_ms: 400 }
    }
}

impl SimulatedChain {
    pub fn block(&self, slot: u64) -> Option<Block> {
        let offset = i64::try_from(slot).ok()?.checked_mul(self.slot_ms.max(1))?;
        let hash = solana_sha256_hasher::hashv(&[b"fieldproof:simulated-chain", self.seed.as_bytes(), &slot.to_le_bytes()]).to_bytes();
        Some(Block { hash, time_ms: self.genesis_ms.checked_add(offset)? })
    }

    /// What a device fetching entropy at `at_ms` gets: the block of two seconds before.
    pub fn entropy_at(&self, at_ms: u64) -> fieldproof_reports::Entropy {
        let slot = self.slot_at(i64::try_from(at_ms).unwrap_or(i64::MAX).saturating_sub(2_000));
        fieldproof_reports::Entropy { slot, blockhash: self.block(slot).map(|b| b.hash).unwrap_or_default() }
    }

    /// The newest slot that has started by `now_ms`.
    pub fn slot_at(&self, now_ms: i64) -> u64 {
        u64::try_from(now_ms.saturating_sub(self.genesis_ms).max(0) / self.slot_ms.max(1)).unwrap_or(0)
    }
}

/// Where blocks come from.
#[derive(Clone)]
pub enum BlockSource {
    Rpc(Arc<RpcClient>),
    Simulated(SimulatedChain),
}

impl BlockSource {
    /// The chain `config` names (`fallback_rpc`, `[registry] rpc_url`, when it names none).
    pub fn from_config(config: &EntropyConfig, fallback_rpc: Option<&str>) -> Self {
        match config.rpc_url.as_deref().or(fallback_rpc) {
            Some(url) => Self::Rpc(Arc::new(RpcClient::new_with_timeout_and_commitment(
                url.to_string(),
                Duration::from_millis(config.rpc_timeout_ms),
                CommitmentConfig::finalized(),
            ))),
            None => Self::Simulated(config.simulated.clone()),
        }
    }

    /// The block at `slot`, or `None` when the chain has none there (the slot was skipped, or it
    /// lies beyond the newest finalized block: no honest report can name such a slot).
    pub async fn block(&self, slot: u64) -> Result<Option<Block>, BlockError> {
        let client = match self {
            Self::Simulated(chain) => return Ok(chain.block(slot)),
            Self::Rpc(client) => client,
        };
        let config = RpcBlockConfig {
            transaction_details: Some(TransactionDetails::None),
            rewards: Some(false),
            commitment: Some(CommitmentConfig::finalized()),
            max_supported_transaction_version: Some(0),
            ..RpcBlockConfig::default()
        };
        let answer = retried(slot, || client.get_block_with_config(slot, config)).await;
        match answer {
            Ok(block) => {
                let hash = block.blockhash.parse::<solana_hash::Hash>().map_err(|e| BlockError::Malformed { slot, reason: e.to_string() })?;
                let seconds = block.block_time.ok_or_else(|| BlockError::Malformed { slot, reason: "no block time".into() })?;
                Ok(Some(Block { hash: hash.to_bytes(), time_ms: seconds.saturating_mul(1_000) }))
            }
            Err(error) => match rpc_code(&error) {
                Some(custom_error::JSON_RPC_SERVER_ERROR_SLOT_SKIPPED | custom_error::JSON_RPC_SERVER_ERROR_LONG_TERM_STORAGE_SLOT_SKIPPED) => Ok(None),
                Some(custom_error::JSON_RPC_SERVER_ERROR_BLOCK_NOT_AVAILABLE) => {
                    let finalized = retried(slot, || client.get_slot_with_commitment(CommitmentConfig::finalized())).await.map_err(|e| unavailable(slot, &e))?;
                    if slot > finalized {
                        Ok(None)
                    } else {
                        Err(unavailable(slot, &error))
                    }
                }
                _ => Err(unavailable(slot, &error)),
            },
        }
    }

    /// The newest finalized block: the entropy devices are handed.
    pub async fn latest(&self, now_ms: i64) -> Result<(u64, Block), BlockError> {
        match self {
            Self::Simulated(chain) => {
                let slot = chain.slot_at(now_ms);
                chain.block(slot).map(|b| (slot, b)).ok_or(BlockError::Unavailable { slot, reason: "beyond the simulated chain".into() })
            }
            Self::Rpc(client) => {
                let mut slot = retried(0, || client.get_slot_with_commitment(CommitmentConfig::finalized())).await.map_err(|e| unavailable(0, &e))?;
                // A finalized slot may have been skipped: walk back to the block before it.
                for _ in 0..64 {
                    if let Some(block) = self.block(slot).await? {
                        return Ok((slot, block));
                    }
                    slot = slot.saturating_sub(1);
                }
                Err(BlockError::Unavailable { slot, reason: "64 skipped slots in a row".into() })
            }
        }
    }
}

fn rpc_code(error: &ClientError) -> Option<i64> {
    match error.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError { code, .. }) => Some(*code),
        _ => None,
    }
}

fn unavailable(slot: u64, error: &ClientError) -> BlockError {
    BlockError::Unavailable { slot, reason: error.to_string() }
}

/// Retries transport failures four times, backing off from 250 ms; an answer of the node (even
/// an error) is returned as it is.
async fn retried<T, F, Fut>(slot: u64, mut request: F) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let mut backoff = Duration::from_millis(250);
    for attempt in 1.. {
        match request().await {
            Err(error) if matches!(error.kind(), ErrorKind::Io(_) | ErrorKind::Reqwest(_)) && attempt < 4 => {
                tracing::debug!(slot, attempt, error = %error, "block request failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            answer => return answer,
        }
    }
    unreachable!("the loop returns by its fourth attempt")
}

/// Blocks read from the chain at once, at most, when an epoch's input names blocks the store lacks.
const CONCURRENT_READS: usize = 16;

/// Blocks read once and kept in the store (`chain_blocks`).
#[derive(Clone)]
pub struct BlockCache {
    pub store: Store,
    pub source: BlockSource,
}

impl BlockCache {
    /// The blocks at `slots`, from the store, the rest from the chain (then stored). An epoch's
    /// beacons name tens of thousands of blocks the store may lack: they are read
    /// [`CONCURRENT_READS`] at a time and stored in transactions of many rows, not one round trip
    /// and one durable write each (which took most of a million-device epoch's time).
    pub async fn blocks(&self, slots: &BTreeSet<u64>) -> Result<Blocks, BlockError> {
        let mut found = self.stored(slots).await?;
        let missing: Vec<u64> = slots.iter().copied().filter(|s| !found.contains_key(s)).collect();
        let read: Vec<(u64, Option<Block>)> = futures_util::stream::iter(missing)
            .map(|slot| async move { self.source.block(slot).await.map(|block| (slot, block)) })
            .buffered(CONCURRENT_READS)
            .try_collect()
            .await?;
        self.keep_all(&read).await?;
        found.extend(read);
        Ok(found)
    }

    /// The newest finalized block, kept like the others.
    pub async fn latest(&self, now_ms: i64) -> Result<(u64, Block), BlockError> {
        let (slot, block) = self.source.latest(now_ms).await?;
        self.keep(slot, Some(block)).await?;
        Ok((slot, block))
    }

    async fn stored(&self, slots: &BTreeSet<u64>) -> Result<Blocks, BlockError> {
        Ok(self.store.cached_blocks(slots).await?)
    }

    async fn keep(&self, slot: u64, block: Option<Block>) -> Result<(), BlockError> {
        self.keep_all(&[(slot, block)]).await
    }

    async fn keep_all(&self, blocks: &[(u64, Option<Block>)]) -> Result<(), BlockError> {
        Ok(self.store.cache_blocks(blocks).await?)
    }
}
