//! The epoch pipeline of one oracle: for each pool, once an epoch has ended and its reports are
//! verified, compute and publish its reward file, sign the root, gather the peers' signatures
//! until the pool's threshold, post the root, and activate it after the dispute window.
//!
//! Every step reads the chain before it writes to it and stores its outcome before the next step
//! acts on it, so a crash anywhere resumes without a double post: a root already on chain is
//! recognised by its epoch and root, and the program refuses an epoch that does not increase.
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use fieldproof_sdk::reward_pool::{self, Pool, PostRootArgs, RootState};
use fieldproof_sdk::treasury::{self, Treasury};
use fieldproof_sdk::{Chain, Client, OracleClient, Pubkey, RewardFile, SdkError, SignedRoot};
use solana_keypair::Keypair;

use super::emission::{emission_for, EmissionError};
use super::record::{EpochRecord, EpochStatus};
use crate::chain_blocks::BlockCache;
use crate::devices::DeviceDirectory;
use crate::epoch::{compute, content_hash, first_difference, previous_cells, publish_computed, BlockFacts, EpochError, EpochFiles, EpochInputs, EpochSpec, Previous, RewardConfig, RewardStream};
use crate::storage::{Store, StoreError};
use crate::verify::{Denylist, VerificationConfig};

/// Another oracle, and the key its signatures must carry.
pub struct Peer {
    pub client: OracleClient,
    pub key: Pubkey,
}

#[derive(Debug, thiserror::Error)]
pub enum QuorumError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Epoch(#[from] EpochError),
    #[error(transparent)]
    Emission(#[from] EmissionError),
    #[error(transparent)]
    Chain(#[from] SdkError),
    #[error("the pool already has a root for epoch {posted}; epoch {epoch} is not posted by this oracle")]
    Superseded { epoch: u64, posted: u64 },
    #[error("nothing was ever earned in the pool by epoch {0}: no root to post")]
    NothingEarned(u64),
    #[error("epoch {epoch} is not after the pool's initial epoch {initial}: its emission comes with the first root after it")]
    BeforeFirstRoot { epoch: u64, initial: u64 },
    #[error("the pool's root of epoch {epoch} is posted, but neither this oracle nor any peer has its reward file")]
    PostedFileMissing { epoch: u64 },
    #[error("the pool's root of epoch {epoch} differs from this oracle's file of that epoch")]
    PostedFileDiffers { epoch: u64 },
    #[error("the root's signatures expired at {expires_at}; raise quorum.root_validity_secs")]
    Expired { expires_at: i64 },
    #[error("the root of epoch {0} was vetoed or replaced while pending")]
    Vetoed(u64),
    #[error("the epochs record of this pool is inconsistent: {0}")]
    Inconsistent(&'static str),
}

pub struct EpochDriver<C: Chain> {
    pub store: Store,
    pub files: EpochFiles,
    pub devices: Arc<DeviceDirectory>,
    pub client: Client<C>,
    pub key: SigningKey,
    pub payer: Keypair,
    pub peers: Vec<Peer>,
    pub pools: Vec<(Pubkey, RewardStream)>,
    pub treasury: Pubkey,
    pub rewards: RewardConfig,
    pub verification: VerificationConfig,
    pub denylist: Denylist,
    /// The blocks the reports' entropy names.
    pub blocks: BlockCache,
    pub root_validity_secs: i64,
    /// How long after its end an epoch is computed: its reports may still arrive within the
    /// clock-skew window, and witnesses of its last beacons a little after that.
    pub settle_ms: i64,
}

impl<C: Chain> EpochDriver<C> {
    /// The newest epoch that ended at least `settle_ms` before `now_ms`.
    pub fn settled_epoch(&self, now_ms: i64) -> Option<u64> {
        self.rewards.epoch_at(now_ms.saturating_sub(self.settle_ms))?.checked_sub(1)
    }

    /// One pass over every pool: advances its newest settled epoch as far as it goes now.
    pub async fn step(&self, now_ms: i64) -> Vec<(Pubkey, u64, Result<EpochStatus, QuorumError>)> {
        let Some(epoch) = self.settled_epoch(now_ms) else { return Vec::new() };
        let mut out = Vec::new();
        for (pool, stream) in &self.pools {
            let outcome = self.advance(pool, *stream, epoch, now_ms).await;
            match &outcome {
                Ok(status) => tracing::debug!(%pool, epoch, status = status.as_str(), "epoch pipeline"),
                Err(QuorumError::Superseded { .. } | QuorumError::NothingEarned(_) | QuorumError::BeforeFirstRoot { .. }) => {}
                Err(e) => tracing::warn!(%pool, epoch, error = %e, "epoch pipeline stopped; retrying next pass"),
            }
            out.push((*pool, epoch, outcome));
        }
        out
    }

    /// Moves `pool`'s `epoch` through its states until one has to wait.
    pub async fn advance(&self, pool: &Pubkey, stream: RewardStream, epoch: u64, now_ms: i64) -> Result<EpochStatus, QuorumError> {
        let mut record = EpochRecord::load(&self.store, pool, epoch).await?.unwrap_or_else(|| EpochRecord::new(*pool, epoch));
        loop {
            let moved = match record.status {
                EpochStatus::Computing => self.compute_and_sign(&mut record, stream).await?,
                EpochStatus::Signed => self.gather(&mut record).await?,
                EpochStatus::Posted => self.post(&mut record).await?,
                EpochStatus::Pending => self.activate(&mut record).await?,
                EpochStatus::Active => return Ok(EpochStatus::Active),
            };
            if !moved {
                return Ok(record.status);
            }
            record.save(&self.store, now_ms).await?;
            tracing::info!(%pool, epoch, status = record.status.as_str(), "epoch advanced");
        }
    }

    async fn compute_and_sign(&self, record: &mut EpochRecord, stream: RewardStream) -> Result<bool, QuorumError> {
        let (pool_address, epoch) = (record.pool, record.epoch);
        let pool: Pool = self.client.pool(&pool_address).await?;
        let latest = *pool.latest_root();
        let has_root = latest.posted_at != 0;
        if has_root && latest.epoch >= epoch {
            if pool.active.posted_at != 0 && pool.active.epoch == epoch {
                // The others' root of this epoch is active: this oracle serves its proofs too.
                self.take_active_file(&pool_address, &pool.active).await?;
                record.status = EpochStatus::Active;
                return Ok(true);
            }
            return Err(QuorumError::Superseded { epoch, posted: latest.epoch });
        }
        // A new pool's root state is its initial epoch (0), never posted: the program takes only
        // later epochs, and the emission of the initial one is allocated by the first of them.
        if !has_root && epoch <= pool.active.epoch {
            return Err(QuorumError::BeforeFirstRoot { epoch, initial: pool.active.epoch });
        }
        // Add to the file of the root on chain, not merely the newest file: an epoch computed
        // but never posted is not what owners can claim against.
        let previous = if has_root {
            let file = match self.files.reward_file(&pool_address, latest.epoch).await.map_err(EpochError::from)? {
                Some(file) => file,
                None => self.fetch_posted_file(&pool_address, &latest).await?,
            };
            if file.root() != latest.root {
                return Err(QuorumError::PostedFileDiffers { epoch: latest.epoch });
            }
            Some(file)
        } else {
            None
        };
        let emission = match emission_for(&self.client, &self.treasury, &pool, epoch).await {
            Err(EmissionError::NotEmitted { .. }) => {
                self.crank_treasury(epoch).await?;
                emission_for(&self.client, &self.treasury, &pool, epoch).await?
            }
            other => other?,
        };
        let spec = EpochSpec { pool: pool_address, stream, epoch, emission };
        let directory = self.devices.snapshot();
        let inputs = EpochInputs { directory: &directory, denylist: &self.denylist, verification: &self.verification, blocks: BlockFacts::Chain(&self.blocks) };
        let previous = Previous { file: previous, cells: previous_cells(&self.files, &spec).await? };
        let computed = compute(&self.store, &inputs, &previous, &spec, &self.rewards).await?;
        publish_computed(&self.store, &self.files, &inputs, &spec, &computed).await?;
        let (Some(file), Some(content_hash)) = (&computed.file, computed.content_hash()) else {
            return Err(QuorumError::NothingEarned(epoch));
        };
        let (_, window_end_ms) = self.rewards.window_ms(epoch).ok_or(EpochError::OutOfRange(epoch))?;
        let args = PostRootArgs {
            config_version: pool.config_version,
            epoch,
            root: file.root(),
            cumulative_total: computed.manifest.cumulative_total,
            leaf_count: computed.manifest.leaf_count,
            content_hash,
            expires_at: (window_end_ms / 1_000).saturating_add(self.root_validity_secs),
        };
        record.own = Some(SignedRoot::sign(&self.key, &pool_address, args));
        record.status = EpochStatus::Signed;
        Ok(true)
    }

    /// Makes sure this oracle holds the file of the active root of `pool`, posted without it:
    /// its own when it computed the same, a peer's otherwise (see `fetch_posted_file`).
    async fn take_active_file(&self, pool: &Pubkey, active: &RootState) -> Result<(), QuorumError> {
        match self.files.reward_file(pool, active.epoch).await.map_err(EpochError::from)? {
            Some(file) if file.root() == active.root => Ok(()),
            Some(_) => Err(QuorumError::PostedFileDiffers { epoch: active.epoch }),
            None => self.fetch_posted_file(pool, active).await.map(|_| ()),
        }
    }

    /// Emits the treasury's ended epochs up to `epoch` (a permissionless crank: without it no
    /// pool is funded for the epoch). Another oracle cranking the same epoch first is no error.
    async fn crank_treasury(&self, epoch: u64) -> Result<(), QuorumError> {
        loop {
            let t: Treasury = self.client.account(&self.treasury).await?;
            if t.next_epoch > epoch {
                return Ok(());
            }
            let now = self.client.chain().clock().await.map_err(SdkError::from)?.unix_timestamp;
            match t.params.schedule.epoch_end(t.next_epoch) {
                Ok(end) if now >= end => {}
                // Not ended on chain yet (the cluster's clock lags this oracle's): next pass.
                _ => return Ok(()),
            }
            match self.client.send(&[treasury::emit_epoch(&t, t.next_epoch)], &self.payer, &[]).await {
                Ok(sent) => tracing::info!(epoch = t.next_epoch, transaction = %sent, "emitted the treasury's epoch"),
                Err(SdkError::Program { error, .. }) if error.name == "EpochAlreadyEmitted" => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The reward file of the root on chain, which this oracle does not hold (it joined the
    /// quorum later, or lost its epoch store), from the first peer that serves exactly the file
    /// posted: its root and content hash are the ones on chain, so no peer has to be trusted. It
    /// is published here, write-once, as this oracle's own files are.
    async fn fetch_posted_file(&self, pool: &Pubkey, posted: &RootState) -> Result<RewardFile, QuorumError> {
        for peer in &self.peers {
            match peer.client.reward_file(pool, posted.epoch).await {
                Ok(Some(file)) => {
                    let bytes = file.to_json().into_bytes();
                    let posted_one = file.pool == *pool && file.epoch == posted.epoch && file.root() == posted.root && content_hash(&bytes) == posted.content_hash;
                    if posted_one {
                        self.files.adopt(pool, posted.epoch, bytes).await.map_err(EpochError::from)?;
                        tracing::info!(peer = %peer.key, %pool, epoch = posted.epoch, "fetched the posted epoch's reward file from a peer");
                        return Ok(file);
                    }
                    tracing::warn!(peer = %peer.key, %pool, epoch = posted.epoch, "peer serves a file that is not the posted one; ignored");
                }
                Ok(None) => tracing::debug!(peer = %peer.key, %pool, epoch = posted.epoch, "peer has no file of the posted epoch"),
                Err(e) => tracing::warn!(peer = %peer.key, %pool, epoch = posted.epoch, error = %e, "peer unreachable"),
            }
        }
        Err(QuorumError::PostedFileMissing { epoch: posted.epoch })
    }

    /// Collects matching signatures from the peers; true once the pool's threshold is reached.
    async fn gather(&self, record: &mut EpochRecord) -> Result<bool, QuorumError> {
        let (pool_address, epoch) = (record.pool, record.epoch);
        let own = record.own.clone().ok_or(QuorumError::Inconsistent("signed without a signature"))?;
        let pool: Pool = self.client.pool(&pool_address).await?;
        let members = pool.oracles.keys();
        let mut gathered = vec![own.clone()];
        for peer in &self.peers {
            if gathered.len() >= usize::from(pool.oracles.threshold) {
                break;
            }
            let answer = match peer.client.epoch_signature(&pool_address, epoch).await {
                Ok(Some(answer)) => answer,
                Ok(None) => {
                    tracing::debug!(peer = %peer.key, epoch, "peer has not signed the epoch yet");
                    continue;
                }
                Err(e) => {
                    tracing::warn!(peer = %peer.key, epoch, error = %e, "peer unreachable");
                    continue;
                }
            };
            if answer.oracle != peer.key || !answer.verify(&pool_address) || !members.contains(&answer.oracle) {
                tracing::warn!(peer = %peer.key, epoch, "peer answered a signature that is not its own valid one; ignored");
            } else if !answer.same_message(&own.args, &pool_address) {
                self.log_difference(peer, &pool_address, epoch, &own, &answer).await;
            } else if !gathered.iter().any(|s| s.oracle == answer.oracle) {
                gathered.push(answer);
            }
        }
        if gathered.len() < usize::from(pool.oracles.threshold) {
            return Ok(false);
        }
        record.signatures = gathered;
        record.status = EpochStatus::Posted;
        Ok(true)
    }

    /// A peer computed another root: its signature is not used, and the operator learns where
    /// the two computations part.
    async fn log_difference(&self, peer: &Peer, pool: &Pubkey, epoch: u64, own: &SignedRoot, theirs: &SignedRoot) {
        let ours = self.files.reward_file(pool, epoch).await.ok().flatten().map(|f| f.leaves().to_vec()).unwrap_or_default();
        let first = match peer.client.reward_file(pool, epoch).await {
            Ok(Some(file)) => first_difference(&ours, file.leaves()).map_or_else(|| "same leaves, other message".to_string(), |d| d.to_string()),
            Ok(None) => "the peer publishes no file".to_string(),
            Err(e) => format!("the peer's file is unavailable: {e}"),
        };
        tracing::warn!(
            peer = %peer.key,
            %pool,
            epoch,
            ours = %hex::encode(own.args.root),
            theirs = %hex::encode(theirs.args.root),
            first_difference = %first,
            "peer computed a different root; its signature is not used"
        );
    }

    async fn post(&self, record: &mut EpochRecord) -> Result<bool, QuorumError> {
        let (pool_address, epoch) = (record.pool, record.epoch);
        let own = record.own.clone().ok_or(QuorumError::Inconsistent("posted without a signature"))?;
        let pool: Pool = self.client.pool(&pool_address).await?;
        let latest = pool.latest_root();
        if latest.posted_at != 0 && latest.epoch >= epoch {
            // Posted already: by this oracle before a crash, or by a peer with the same quorum.
            if latest.epoch == epoch && latest.root == own.args.root {
                record.status = EpochStatus::Pending;
                return Ok(true);
            }
            return Err(QuorumError::Superseded { epoch, posted: latest.epoch });
        }
        let now = self.client.chain().clock().await.map_err(SdkError::from)?.unix_timestamp;
        if now > own.args.expires_at {
            return Err(QuorumError::Expired { expires_at: own.args.expires_at });
        }
        let signatures: Vec<_> = record.signatures.iter().map(SignedRoot::oracle_signature).collect();
        let sent = self.client.post_root(&self.payer, &pool_address, own.args.clone(), &signatures).await?;
        tracing::info!(pool = %pool_address, epoch, transaction = %sent, signers = signatures.len(), "root posted");
        record.post_tx = Some(sent.to_string());
        record.status = EpochStatus::Pending;
        Ok(true)
    }

    /// True once the root is the pool's active root; sends activate_root when its dispute
    /// window has passed (anyone may).
    async fn activate(&self, record: &mut EpochRecord) -> Result<bool, QuorumError> {
        let (pool_address, epoch) = (record.pool, record.epoch);
        let root = record.own.as_ref().map(|s| s.args.root).ok_or(QuorumError::Inconsistent("pending without a signature"))?;
        let pool: Pool = self.client.pool(&pool_address).await?;
        if pool.active.epoch == epoch && pool.active.root == root {
            record.status = EpochStatus::Active;
            return Ok(true);
        }
        let Some(pending) = pool.pending.filter(|p| p.root.epoch == epoch && p.root.root == root) else {
            return Err(QuorumError::Vetoed(epoch));
        };
        let now = self.client.chain().clock().await.map_err(SdkError::from)?.unix_timestamp;
        if now < pending.activates_at {
            return Ok(false);
        }
        self.client.send(&[reward_pool::activate_root(&pool_address)], &self.payer, &[]).await?;
        record.status = EpochStatus::Active;
        Ok(true)
    }
}
