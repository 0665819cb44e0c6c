//! The epoch pipeline of one oracle: for each pool, epoch after epoch (none is skipped: an epoch
//! short of its quorum is retried until it has it), once the epoch has ended and the log
//! buckets its reports span are sealed, gather the union of every oracle's segments of them,
//! compute and publish its reward file as a candidate, sign the root, gather the peers'
//! signatures until the pool's threshold, post the root, and activate it after the dispute
//! window. A peer that signed another root makes this oracle gather again: if it fetches
//! segments it lacked, it computes the epoch again; if its input already holds the peer's, the
//! peer converges the same way.
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

use super::emission::{emission_for, emission_since, EmissionError};
use super::record::{EpochRecord, EpochStatus};
use crate::chain_blocks::BlockCache;
use crate::devices::DeviceDirectory;
use crate::epoch::{
    compute, content_hash, first_difference, previous_cells, stream_input, BlockFacts, EpochError, EpochFiles, EpochInputs, EpochSpec, Previous, ReportSet, RewardConfig,
    RewardStream,
};
use crate::log::{buckets_of, gather, PeerLog};
use crate::objects::Objects;
use crate::storage::{Store, StoreError};
use crate::verify::{Denylist, VerificationConfig, Window};

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
    #[error("the report log: {0}")]
    Log(#[from] crate::log::LogError),
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
    /// This oracle's log store, and its peers' logs.
    pub log: Objects,
    pub peer_logs: Vec<PeerLog>,
    /// This oracle's identity in the log: its instances' watermarks say what it sealed.
    pub oracle_id: String,
    pub bucket_ms: i64,
    pub root_validity_secs: i64,
    /// How long after its end an epoch is computed: the witnesses of its last beacons are signed
    /// a little after it, and the log bucket that holds them is sealed after the clock-skew
    /// window.
    pub settle_ms: i64,
    /// How long past settling an epoch waits for a peer that answers but has not sealed it.
    pub peer_wait_ms: i64,
}

/// Most epochs of one pool one pass advances.
const EPOCHS_PER_PASS: u64 = 16;

impl<C: Chain> EpochDriver<C> {
    /// The newest epoch that ended at least `settle_ms` before `now_ms`.
    pub fn settled_epoch(&self, now_ms: i64) -> Option<u64> {
        self.rewards.epoch_at(now_ms.saturating_sub(self.settle_ms))?.checked_sub(1)
    }

    /// One pass over every pool: advances its epochs in order, from the first one after the
    /// pool's newest root (posted or active) up to the newest settled one, as far as each goes
    /// now; a later epoch waits until the one before it is active (or has nothing to post).
    pub async fn step(&self, now_ms: i64) -> Vec<(Pubkey, u64, Result<EpochStatus, QuorumError>)> {
        let Some(settled) = self.settled_epoch(now_ms) else { return Vec::new() };
        let mut out = Vec::new();
        for (pool, stream) in &self.pools {
            let first = match self.client.pool(pool).await {
                Ok(state) => state.latest_root().epoch.saturating_add(1).max(state.active.epoch.saturating_add(1)),
                Err(e) => {
                    tracing::warn!(%pool, error = %e, "cannot read the pool; retrying next pass");
                    continue;
                }
            };
            // The pool's newest root itself, when this oracle has not seen it through.
            let start = first.saturating_sub(1).max(1);
            for epoch in start..=settled.min(start.saturating_add(EPOCHS_PER_PASS)) {
                let outcome = self.advance(pool, *stream, epoch, now_ms).await;
                let go_on = match &outcome {
                    Ok(EpochStatus::Active) => true,
                    Ok(status) => {
                        tracing::debug!(%pool, epoch, status = status.as_str(), "epoch pipeline");
                        false
                    }
                    Err(QuorumError::Superseded { .. } | QuorumError::NothingEarned(_) | QuorumError::BeforeFirstRoot { .. }) => true,
                    Err(e) => {
                        tracing::warn!(%pool, epoch, error = %e, "epoch pipeline stopped; retrying next pass");
                        false
                    }
                };
                out.push((*pool, epoch, outcome));
                if !go_on {
                    break;
                }
            }
        }
        out
    }

    /// Moves `pool`'s `epoch` through its states until one has to wait.
    pub async fn advance(&self, pool: &Pubkey, stream: RewardStream, epoch: u64, now_ms: i64) -> Result<EpochStatus, QuorumError> {
        let mut record = EpochRecord::load(&self.store, pool, epoch).await?.unwrap_or_else(|| EpochRecord::new(*pool, epoch));
        loop {
            let moved = match record.status {
                EpochStatus::Computing => self.compute_and_sign(&mut record, stream, now_ms).await?,
                EpochStatus::Signed => self.gather_signatures(&mut record, stream).await?,
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

    async fn compute_and_sign(&self, record: &mut EpochRecord, stream: RewardStream, now_ms: i64) -> Result<bool, QuorumError> {
        let (pool_address, epoch) = (record.pool, record.epoch);
        let pool: Pool = self.client.pool(&pool_address).await?;
        let latest = *pool.latest_root();
        let has_root = latest.posted_at != 0;
        if has_root && latest.epoch >= epoch {
            if pool.active.posted_at != 0 && pool.active.epoch == epoch {
                // The others' root of this epoch is active. This oracle judges the epoch all the
                // same (its owners' refusals and the usage its burns pay are its own judgement's,
                // never a peer's word), then serves the active file's proofs.
                // The reward files this oracle holds are those of posted roots: the newest before
                // this epoch is the root the active one added to.
                let previous = self.files.latest_file_before(&pool_address, epoch).await.map_err(EpochError::from)?;
                let since = previous.as_ref().map(|f| (f.epoch, u64::try_from(f.cumulative_total()).unwrap_or(u64::MAX)));
                let emission = emission_since(&self.client, &self.treasury, &pool, since, epoch).await?;
                let spec = EpochSpec { pool: pool_address, stream, epoch, emission };
                match self.judge(&spec, previous, now_ms).await? {
                    Some(computed) if computed.file.as_ref().map(RewardFile::root) != Some(pool.active.root) => {
                        tracing::warn!(pool = %pool_address, epoch, "this oracle's judgement gives another root than the active one, which a quorum posted");
                    }
                    // Its judgement agrees: it signs the root as it would have, had it been in
                    // time, so that its record, its epoch API and the network page name the root
                    // it stands behind, and the signature it serves counts for the same root.
                    Some(computed) => record.own = Some(SignedRoot::sign(&self.key, &pool_address, self.root_args(&pool, epoch, &computed)?)),
                    None => tracing::warn!(pool = %pool_address, epoch, "the epoch's input is not complete here: serving the active file without this oracle's own judgement"),
                }
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
        let Some(computed) = self.judge(&spec, previous, now_ms).await? else { return Ok(false) };
        let candidate = self.files.publish_candidate(&pool_address, &computed).await.map_err(EpochError::from)?;
        let args = self.root_args(&pool, epoch, &computed)?;
        record.own = Some(SignedRoot::sign(&self.key, &pool_address, args));
        record.candidate = Some(candidate);
        record.status = EpochStatus::Signed;
        Ok(true)
    }

    /// The `post_root` arguments of `computed`'s root: what this oracle signs for `epoch`.
    fn root_args(&self, pool: &Pool, epoch: u64, computed: &crate::epoch::ComputedEpoch) -> Result<PostRootArgs, QuorumError> {
        let (Some(file), Some(content_hash)) = (&computed.file, computed.content_hash()) else {
            return Err(QuorumError::NothingEarned(epoch));
        };
        let (_, window_end_ms) = self.rewards.window_ms(epoch).ok_or(EpochError::OutOfRange(epoch))?;
        Ok(PostRootArgs {
            config_version: pool.config_version,
            epoch,
            root: file.root(),
            cumulative_total: computed.manifest.cumulative_total,
            leaf_count: computed.manifest.leaf_count,
            content_hash,
            expires_at: (window_end_ms / 1_000).saturating_add(self.root_validity_secs),
        })
    }

    /// The log segments `epoch`'s reports of `stream` are read from: the union of this oracle's
    /// and its peers'. `None` while this oracle has not sealed every bucket of the epoch, or a
    /// peer that answers has not either (for at most `peer_wait_ms` past settling).
    async fn input(&self, stream: RewardStream, epoch: u64, now_ms: i64) -> Result<Option<Vec<[u8; 32]>>, QuorumError> {
        let (start_ms, end_ms) = self.rewards.window_ms(epoch).ok_or(EpochError::OutOfRange(epoch))?;
        let (_, span) = stream_input(stream, Window { start_ms, end_ms }, &self.verification);
        let buckets = buckets_of(span, self.bucket_ms);
        if !self.sealed_through(*buckets.end()).await? {
            tracing::debug!(epoch, "waiting for this oracle's log to seal the epoch");
            return Ok(None);
        }
        let gathered = gather(&self.store, &self.log, &self.peer_logs, buckets, self.bucket_ms).await?;
        let waited_enough = now_ms >= end_ms.saturating_add(self.settle_ms).saturating_add(self.peer_wait_ms);
        if !gathered.unsealed.is_empty() && !waited_enough {
            tracing::debug!(epoch, peers = ?gathered.unsealed, "waiting for peers to seal the epoch's log");
            return Ok(None);
        }
        if gathered.fetched > 0 || !gathered.unreachable.is_empty() {
            tracing::info!(epoch, fetched = gathered.fetched, unreachable = ?gathered.unreachable, segments = gathered.segments.len(), "gathered the epoch's input");
        }
        Ok(Some(gathered.segments))
    }

    /// True once every instance of this oracle has sealed the buckets up to `bucket`.
    async fn sealed_through(&self, bucket: u64) -> Result<bool, QuorumError> {
        Ok(self.store.sealed_below_by_all(&self.oracle_id).await?.is_some_and(|w| bucket < w))
    }

    /// Computes the epoch of `spec` over the canonical input (the union of the oracles' sealed
    /// segments, the device directory as of the epoch's end) and records its judgement; `None`
    /// while the input is not complete yet.
    async fn judge(&self, spec: &EpochSpec, previous: Option<RewardFile>, now_ms: i64) -> Result<Option<crate::epoch::ComputedEpoch>, QuorumError> {
        let (stream, epoch) = (spec.stream, spec.epoch);
        let Some(segments) = self.input(stream, epoch, now_ms).await? else { return Ok(None) };
        let (_, end_ms) = self.rewards.window_ms(epoch).ok_or(EpochError::OutOfRange(epoch))?;
        let Some(directory) = self.devices.snapshot_at(end_ms) else {
            tracing::debug!(epoch, "waiting for the device directory to read the chain past the epoch's end");
            return Ok(None);
        };
        let inputs = EpochInputs {
            reports: ReportSet { objects: &self.log, segments: &segments },
            directory: &directory,
            denylist: &self.denylist,
            verification: &self.verification,
            blocks: BlockFacts::Chain(&self.blocks),
        };
        let previous = Previous { file: previous, cells: previous_cells(&self.files, spec).await? };
        let computed = compute(&inputs, &previous, spec, &self.rewards).await?;
        let window = Window { start_ms: computed.manifest.window_start_ms, end_ms: computed.manifest.window_end_ms };
        let (kinds, _) = stream_input(stream, window, &self.verification);
        let digest: [u8; 32] = hex::decode(&computed.manifest.input.digest).ok().and_then(|d| d.try_into().ok()).unwrap_or_default();
        self.store.save_judgement(stream.as_str(), epoch, window, &digest, kinds, &computed.verdicts).await?;
        Ok(Some(computed))
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

    /// Collects matching signatures from the peers; true once the pool's threshold is reached,
    /// or once a peer's other root led this oracle to segments it lacked (it computes again).
    async fn gather_signatures(&self, record: &mut EpochRecord, stream: RewardStream) -> Result<bool, QuorumError> {
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
                if self.input_grew(stream, epoch).await? {
                    tracing::info!(peer = %peer.key, %pool_address, epoch, "the epoch's input grew: computing it again");
                    *record = EpochRecord::new(pool_address, epoch);
                    return Ok(true);
                }
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

    /// Gathers the epoch's input again; true when it fetched segments it lacked.
    async fn input_grew(&self, stream: RewardStream, epoch: u64) -> Result<bool, QuorumError> {
        let (start_ms, end_ms) = self.rewards.window_ms(epoch).ok_or(EpochError::OutOfRange(epoch))?;
        let (_, span) = stream_input(stream, Window { start_ms, end_ms }, &self.verification);
        Ok(gather(&self.store, &self.log, &self.peer_logs, buckets_of(span, self.bucket_ms), self.bucket_ms).await?.fetched > 0)
    }

    /// Makes the candidate this oracle signed the epoch's files: its root is on chain.
    async fn finalize(&self, record: &EpochRecord) -> Result<(), QuorumError> {
        if let Some(candidate) = &record.candidate {
            self.files.finalize(&record.pool, record.epoch, candidate).await.map_err(EpochError::from)?;
        }
        Ok(())
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
                self.finalize(record).await?;
                record.status = EpochStatus::Pending;
                return Ok(true);
            }
            return Err(QuorumError::Superseded { epoch, posted: latest.epoch });
        }
        // The pool's configuration changed since the quorum signed (a veto bumps its version):
        // those signatures are void. The epoch is computed and signed again.
        if pool.config_version != own.args.config_version {
            tracing::warn!(pool = %pool_address, epoch, signed = own.args.config_version, now = pool.config_version, "the pool's config version changed: signing the epoch again");
            *record = EpochRecord::new(pool_address, epoch);
            return Ok(true);
        }
        let now = self.client.chain().clock().await.map_err(SdkError::from)?.unix_timestamp;
        if now > own.args.expires_at {
            return Err(QuorumError::Expired { expires_at: own.args.expires_at });
        }
        // An earlier root still in its dispute window waits its turn: posting would replace it
        // before it could ever become active (claims would freeze when every window outlasts an
        // epoch). A matured one is activated first; the new root includes its amounts anyway.
        if let Some(pending) = pool.pending {
            if now < pending.activates_at {
                return Ok(false);
            }
            self.client.send(&[reward_pool::activate_root(&pool_address)], &self.payer, &[]).await?;
        }
        let signatures: Vec<_> = record.signatures.iter().map(SignedRoot::oracle_signature).collect();
        let sent = self.client.post_root(&self.payer, &pool_address, own.args.clone(), &signatures).await?;
        tracing::info!(pool = %pool_address, epoch, transaction = %sent, signers = signatures.len(), "root posted");
        self.finalize(record).await?;
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
            self.finalize(record).await?;
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
