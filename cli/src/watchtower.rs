//! The guardian's watchtower: for a pool's pending root, the reward file its content hash names is
//! fetched from the oracles and checked against the root (root, total, leaf count, pool, epoch)
//! and against configured bounds (how much the total and one leaf may grow per epoch since the
//! active root); a root found wrong, or whose file no oracle serves before its window is nearly
//! over, is vetoed, or only reported. It keeps nothing on disk: each pass reads the pool again,
//! so a restarted watchtower takes up where the chain stands.
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use fieldproof_sdk::reward_pool::{self, Pool, RootState};
use fieldproof_sdk::{content_hash, Chain, Client, OracleClient, Pubkey, RewardFile, SdkError};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::output::hex;

/// What the watchtower holds a root to, besides its own file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bounds {
    /// Most the pool's cumulative total may grow per epoch since the active root.
    pub max_total_growth: Option<u64>,
    /// Most one asset's cumulative amount may grow per epoch since the active root's file.
    pub max_leaf_growth: Option<u64>,
}

/// How the watchtower acts.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Only report what is wrong; never veto.
    pub alert_only: bool,
    /// A root whose file could not be fetched and checked this long before it activates is
    /// vetoed as unverifiable.
    pub verify_within: Duration,
}

/// Something wrong with a pending root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// The file is another pool's.
    WrongPool { file: Pubkey },
    /// The file is another epoch's.
    WrongEpoch { file: u64, root: u64 },
    /// The file's merkle root is not the posted root.
    RootMismatch { file: [u8; 32], posted: [u8; 32] },
    /// The file's leaves do not sum to the posted cumulative total.
    TotalMismatch { file: u128, posted: u64 },
    /// The file has another number of leaves than the root says.
    LeafCountMismatch { file: u64, posted: u64 },
    /// The total grew by more than the bound allows over the epochs since the active root.
    TotalGrowthAboveBound { growth: u64, epochs: u64, allowed: u64 },
    /// An asset's amount grew by more than the bound allows over the epochs since the active root.
    LeafGrowthAboveBound { asset: Pubkey, growth: u64, epochs: u64, allowed: u64 },
    /// No oracle served the file the root names (or the active root's, which the leaf bound
    /// needs) in time: nobody can check the root, nor prove a claim against it.
    Unverifiable { reasons: Vec<String> },
}

impl Finding {
    /// A short snake_case name, for logs and scripts.
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::WrongPool { .. } => "wrong_pool",
            Finding::WrongEpoch { .. } => "wrong_epoch",
            Finding::RootMismatch { .. } => "root_mismatch",
            Finding::TotalMismatch { .. } => "total_mismatch",
            Finding::LeafCountMismatch { .. } => "leaf_count_mismatch",
            Finding::TotalGrowthAboveBound { .. } => "total_growth_above_bound",
            Finding::LeafGrowthAboveBound { .. } => "leaf_growth_above_bound",
            Finding::Unverifiable { .. } => "unverifiable",
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::WrongPool { file } => write!(f, "the file is pool {file}'s"),
            Finding::WrongEpoch { file, root } => write!(f, "the file is epoch {file}'s, the root epoch {root}'s"),
            Finding::RootMismatch { file, posted } => write!(f, "the file's root is {}, the posted root {}", hex(file), hex(posted)),
            Finding::TotalMismatch { file, posted } => write!(f, "the file's leaves sum to {file}, the posted total is {posted}"),
            Finding::LeafCountMismatch { file, posted } => write!(f, "the file has {file} leaves, the root says {posted}"),
            Finding::TotalGrowthAboveBound { growth, epochs, allowed } => {
                write!(f, "the total grew by {growth} in {epochs} epoch(s), more than the {allowed} allowed")
            }
            Finding::LeafGrowthAboveBound { asset, growth, epochs, allowed } => {
                write!(f, "asset {asset} grew by {growth} in {epochs} epoch(s), more than the {allowed} allowed")
            }
            Finding::Unverifiable { reasons } => write!(f, "no oracle served the file the root names: {}", reasons.join("; ")),
        }
    }
}

/// What a pass decided about a pending root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The root is its file's and within the bounds.
    Passed { epoch: u64, root: [u8; 32] },
    /// The root was vetoed for `findings`.
    Vetoed { epoch: u64, root: [u8; 32], findings: Vec<Finding>, transaction: String },
    /// The root is wrong, and only reported (`--alert-only`).
    Alerted { epoch: u64, root: [u8; 32], findings: Vec<Finding> },
}

impl Decision {
    /// The decision as a structured log line's fields.
    pub fn to_json(&self) -> Value {
        let findings = |findings: &[Finding]| findings.iter().map(|f| json!({"kind": f.kind(), "detail": f.to_string()})).collect::<Vec<_>>();
        match self {
            Decision::Passed { epoch, root } => json!({"decision": "passed", "epoch": epoch, "root": hex(root)}),
            Decision::Vetoed { epoch, root, findings: f, transaction } => {
                json!({"decision": "vetoed", "epoch": epoch, "root": hex(root), "findings": findings(f), "transaction": transaction})
            }
            Decision::Alerted { epoch, root, findings: f } => json!({"decision": "alerted", "epoch": epoch, "root": hex(root), "findings": findings(f)}),
        }
    }
}

/// Checks the file of `root` (`file`) against the root, and its growth since `active` (whose file,
/// when the leaf bound is set and `active` is a root, is `previous`) against `bounds`.
pub fn judge(pool: &Pubkey, root: &RootState, active: &RootState, file: &RewardFile, previous: Option<&RewardFile>, bounds: &Bounds) -> Vec<Finding> {
    let mut findings = Vec::new();
    if file.pool != *pool {
        findings.push(Finding::WrongPool { file: file.pool });
    }
    if file.epoch != root.epoch {
        findings.push(Finding::WrongEpoch { file: file.epoch, root: root.epoch });
    }
    if file.root() != root.root {
        findings.push(Finding::RootMismatch { file: file.root(), posted: root.root });
    }
    if file.cumulative_total() != u128::from(root.cumulative_total) {
        findings.push(Finding::TotalMismatch { file: file.cumulative_total(), posted: root.cumulative_total });
    }
    let leaves = file.leaves().len() as u64;
    if leaves != root.leaf_count {
        findings.push(Finding::LeafCountMismatch { file: leaves, posted: root.leaf_count });
    }
    // post_root refuses an epoch that does not increase, so at least one epoch passed.
    let epochs = root.epoch.saturating_sub(active.epoch).max(1);
    if let Some(bound) = bounds.max_total_growth {
        let (growth, allowed) = (root.cumulative_total.saturating_sub(active.cumulative_total), bound.saturating_mul(epochs));
        if growth > allowed {
            findings.push(Finding::TotalGrowthAboveBound { growth, epochs, allowed });
        }
    }
    if let Some(bound) = bounds.max_leaf_growth {
        let allowed = bound.saturating_mul(epochs);
        let before = |asset: &Pubkey| previous.and_then(|p| p.leaf(asset)).map_or(0, |leaf| leaf.cumulative_amount);
        for (asset, amount) in file.leaves() {
            let growth = amount.saturating_sub(before(asset));
            if growth > allowed {
                findings.push(Finding::LeafGrowthAboveBound { asset: *asset, growth, epochs, allowed });
            }
        }
    }
    findings
}

/// Whether `root` is a posted root (a pool starts with a zeroed one).
fn is_posted(root: &RootState) -> bool {
    root.epoch != 0 || root.root != [0; 32]
}

/// The file `hash` names of `pool`'s `epoch`, from the first oracle that serves exactly those
/// bytes; otherwise what each oracle answered.
pub async fn fetch_file(oracles: &[OracleClient], pool: &Pubkey, epoch: u64, hash: &[u8; 32]) -> Result<RewardFile, Vec<String>> {
    let mut reasons = Vec::new();
    for oracle in oracles {
        match oracle.reward_file_bytes(pool, epoch).await {
            Ok(Some(bytes)) if content_hash(&bytes) == *hash => match std::str::from_utf8(&bytes).map_err(|e| e.to_string()).and_then(|t| RewardFile::from_json(t).map_err(|e| e.to_string())) {
                Ok(file) => return Ok(file),
                Err(e) => reasons.push(format!("{}: the named file does not parse: {e}", oracle.base_url())),
            },
            Ok(Some(bytes)) => reasons.push(format!("{}: serves other bytes for epoch {epoch} (sha256 {})", oracle.base_url(), hex(&content_hash(&bytes)))),
            Ok(None) => reasons.push(format!("{}: has no file of epoch {epoch}", oracle.base_url())),
            Err(e) => reasons.push(format!("{}: {e}", oracle.base_url())),
        }
    }
    Err(reasons)
}

/// The watchtower of one pool.
pub struct Watchtower<C> {
    client: Client<C>,
    guardian: Keypair,
    oracles: Vec<OracleClient>,
    pool: Pubkey,
    bounds: Bounds,
    policy: Policy,
    /// Roots decided in this run, by (config version, epoch, root): checked once, acted on once.
    decided: HashMap<(u64, u64, [u8; 32]), Decision>,
}

impl<C: Chain> Watchtower<C> {
    /// A watchtower of `pool` that fetches files from `oracles` and vetoes as `guardian`.
    pub fn new(client: Client<C>, guardian: Keypair, oracles: Vec<OracleClient>, pool: Pubkey, bounds: Bounds, policy: Policy) -> Self {
        Self { client, guardian, oracles, pool, bounds, policy, decided: HashMap::new() }
    }

    /// One look at the pool: a pending root not decided yet is checked, and vetoed or reported
    /// when wrong. `None` when there is nothing to decide now (no pending root, one decided
    /// before, or one whose file is not served yet while there is still time).
    pub async fn pass(&mut self) -> Result<Option<Decision>, Failure> {
        let pool: Pool = self.client.pool(&self.pool).await?;
        let Some(pending) = pool.pending else { return Ok(None) };
        let key = (pool.config_version, pending.root.epoch, pending.root.root);
        if self.decided.contains_key(&key) {
            return Ok(None);
        }
        let root = pending.root;
        let findings = match fetch_file(&self.oracles, &self.pool, root.epoch, &root.content_hash).await {
            Ok(file) => {
                let previous = match (self.bounds.max_leaf_growth, is_posted(&pool.active)) {
                    (Some(_), true) => Some(fetch_file(&self.oracles, &self.pool, pool.active.epoch, &pool.active.content_hash).await),
                    _ => None,
                };
                match previous {
                    Some(Err(reasons)) => self.unverifiable_if_late(pending.activates_at, reasons, "the active root's file").await?,
                    Some(Ok(previous)) => Some(judge(&self.pool, &root, &pool.active, &file, Some(&previous), &self.bounds)),
                    None => Some(judge(&self.pool, &root, &pool.active, &file, None, &self.bounds)),
                }
            }
            Err(reasons) => self.unverifiable_if_late(pending.activates_at, reasons, "the pending root's file").await?,
        };
        let Some(findings) = findings else { return Ok(None) };
        let decision = if findings.is_empty() {
            Decision::Passed { epoch: root.epoch, root: root.root }
        } else if self.policy.alert_only {
            Decision::Alerted { epoch: root.epoch, root: root.root, findings }
        } else {
            let ix = reward_pool::veto_root(&self.pool, &self.guardian.pubkey());
            let transaction = self.client.send(&[ix], &self.guardian, &[]).await?;
            Decision::Vetoed { epoch: root.epoch, root: root.root, findings, transaction: transaction.to_string() }
        };
        self.decided.insert(key, decision.clone());
        Ok(Some(decision))
    }

    /// `Some([Unverifiable])` once the root activates within the policy's margin (by the cluster's
    /// clock); `None` (try again) before.
    async fn unverifiable_if_late(&self, activates_at: i64, reasons: Vec<String>, what: &str) -> Result<Option<Vec<Finding>>, Failure> {
        let now = self.client.chain().clock().await.map_err(SdkError::from)?.unix_timestamp;
        let margin = i64::try_from(self.policy.verify_within.as_secs()).unwrap_or(i64::MAX);
        if now < activates_at.saturating_sub(margin) {
            tracing::warn!(pool = %self.pool, activates_at, now, reasons = ?reasons, "{what} is not served yet; trying again");
            return Ok(None);
        }
        Ok(Some(vec![Finding::Unverifiable { reasons: reasons.into_iter().map(|r| format!("{what}: {r}")).collect() }]))
    }

    /// Looks at the pool every `poll`, for ever: each decision is logged and handed to
    /// `observe`; a pass that fails (the node or every oracle away, a veto not landed) is logged
    /// and tried again at the next.
    pub async fn run(&mut self, poll: Duration, mut observe: impl FnMut(&Decision)) {
        tracing::info!(pool = %self.pool, guardian = %self.guardian.pubkey(), oracles = self.oracles.len(), alert_only = self.policy.alert_only, "watching");
        loop {
            match self.pass().await {
                Ok(Some(decision)) => {
                    let fields = decision.to_json();
                    match &decision {
                        Decision::Passed { .. } => tracing::info!(pool = %self.pool, decision = %fields, "root checked"),
                        Decision::Vetoed { .. } => tracing::warn!(pool = %self.pool, decision = %fields, "root vetoed"),
                        Decision::Alerted { .. } => tracing::error!(pool = %self.pool, decision = %fields, "root is wrong (alert only: not vetoed)"),
                    }
                    observe(&decision);
                }
                Ok(None) => {}
                Err(failure) => tracing::warn!(pool = %self.pool, error = %failure, "pass failed; trying again"),
            }
            tokio::time::sleep(poll).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(pool: Pubkey, epoch: u64, leaves: &[(Pubkey, u64)]) -> RewardFile {
        RewardFile::new(pool, epoch, leaves.to_vec()).unwrap()
    }

    fn root_of(file: &RewardFile) -> RootState {
        RootState {
            epoch: file.epoch,
            root: file.root(),
            cumulative_total: u64::try_from(file.cumulative_total()).unwrap(),
            leaf_count: file.leaves().len() as u64,
            content_hash: content_hash(file.to_json().as_bytes()),
            posted_at: 0,
        }
    }

    const NONE: Bounds = Bounds { max_total_growth: None, max_leaf_growth: None };

    #[test]
    fn a_root_is_its_files_or_says_how_it_is_not() {
        let (pool, a, b) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let genesis = RootState::default();
        let honest = file(pool, 3, &[(a, 30), (b, 20)]);
        assert_eq!(judge(&pool, &root_of(&honest), &genesis, &honest, None, &NONE), vec![]);

        let inflated = file(pool, 3, &[(a, 30), (b, 21)]);
        let mut posted = root_of(&honest);
        posted.root = inflated.root();
        assert_eq!(judge(&pool, &posted, &genesis, &honest, None, &NONE), vec![Finding::RootMismatch { file: honest.root(), posted: inflated.root() }]);

        let mut posted = root_of(&honest);
        (posted.cumulative_total, posted.leaf_count) = (60, 3);
        let found = judge(&pool, &posted, &genesis, &honest, None, &NONE);
        assert_eq!(found, vec![Finding::TotalMismatch { file: 50, posted: 60 }, Finding::LeafCountMismatch { file: 2, posted: 3 }]);

        let elsewhere = file(Pubkey::new_unique(), 4, &[(a, 30), (b, 20)]);
        let found: Vec<&str> = judge(&pool, &root_of(&honest), &genesis, &elsewhere, None, &NONE).iter().map(Finding::kind).collect();
        assert_eq!(found, ["wrong_pool", "wrong_epoch"]);
    }

    #[test]
    fn growth_is_bounded_per_epoch_since_the_active_root() {
        let (pool, a, b) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let bounds = Bounds { max_total_growth: Some(100), max_leaf_growth: Some(60) };
        let active_file = file(pool, 2, &[(a, 100), (b, 50)]);
        let active = root_of(&active_file);

        // Two epochs later: 200 of total and 120 per leaf allowed.
        let within = file(pool, 4, &[(a, 220), (b, 120)]);
        assert_eq!(judge(&pool, &root_of(&within), &active, &within, Some(&active_file), &bounds), vec![]);
        // Measured from nothing, a's 220 would be too much: the active root's file counts.
        let found = judge(&pool, &root_of(&within), &active, &within, None, &bounds);
        assert_eq!(found, vec![Finding::LeafGrowthAboveBound { asset: a, growth: 220, epochs: 2, allowed: 120 }]);

        let too_much = file(pool, 4, &[(a, 220), (b, 170), (Pubkey::new_unique(), 0)]);
        let found = judge(&pool, &root_of(&too_much), &active, &too_much, Some(&active_file), &bounds);
        assert_eq!(found, vec![Finding::TotalGrowthAboveBound { growth: 240, epochs: 2, allowed: 200 }]);

        let one_leaf = file(pool, 3, &[(a, 161), (b, 50)]);
        let found = judge(&pool, &root_of(&one_leaf), &active, &one_leaf, Some(&active_file), &bounds);
        assert_eq!(found, vec![Finding::LeafGrowthAboveBound { asset: a, growth: 61, epochs: 1, allowed: 60 }]);
        assert_eq!(judge(&pool, &root_of(&one_leaf), &active, &one_leaf, Some(&active_file), &NONE), vec![], "no bounds, no limit");
    }
}
