//! [`TreeHistory`]: an index of device trees rebuilt from their transactions on an RPC node, for
//! clusters without a DAS indexer (a localnet, a devnet of one's own). Every change of a
//! concurrent merkle tree is logged through the noop program: account compression logs the new
//! path from the changed leaf to the root (`ChangeLogEvent`), Bubblegum the leaf's owner and
//! delegate (`LeafSchemaEvent`). Replaying every change in order gives every node of the tree and
//! every leaf's owner; the replay must end at the root the tree account holds now, so a history
//! that misses or invents a change is refused rather than served.
//!
//! It reads the tree's whole history once per tree and then only what is new, so it suits trees
//! of thousands of changes; a cluster-sized tree wants a DAS indexer ([`DasClient`](crate::DasClient)).
//! Each tree is replayed under its own lock: concurrent readers of one tree wait for one replay
//! instead of each reading the history again.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use anchor_lang::prelude::Pubkey;
use anchor_lang::AnchorDeserialize;
use solana_signature::Signature;
use solana_transaction_status_client_types::{option_serializer::OptionSerializer, UiInstruction};

use crate::chain::{Chain, RpcChain};
use crate::device_registry::{DeviceInfo, SPL_NOOP_ID};
use crate::ownership::{tree_current_root, tree_depths, AssetProof, OwnershipSource, OwnershipSourceError};

/// account compression's `AccountCompressionEvent`, as logged through noop.
#[derive(AnchorDeserialize)]
enum CompressionEvent {
    ChangeLog(ChangeLogEvent),
    ApplicationData(ApplicationDataEvent),
}

#[derive(AnchorDeserialize)]
enum ChangeLogEvent {
    V1 { id: Pubkey, path: Vec<PathNode>, seq: u64, _index: u32 },
}

#[derive(AnchorDeserialize)]
struct PathNode {
    node: [u8; 32],
    /// Position in the tree as a heap: the root is 1, the children of n are 2n and 2n + 1.
    index: u32,
}

#[derive(AnchorDeserialize)]
enum ApplicationDataEvent {
    V1 { data: Vec<u8> },
}

/// Bubblegum's `LeafSchemaEvent`: event type (1), version (V1), the leaf schema, the leaf hash.
#[derive(AnchorDeserialize)]
struct LeafSchemaEvent {
    event_type: u8,
    _version: u8,
    schema: LeafSchema,
    _leaf_hash: [u8; 32],
}

#[derive(AnchorDeserialize)]
enum LeafSchema {
    V1 { id: Pubkey, owner: Pubkey, delegate: Pubkey, nonce: u64, _data_hash: [u8; 32], _creator_hash: [u8; 32] },
}

const LEAF_SCHEMA_EVENT: u8 = 1;

/// One noop log, read.
#[derive(Debug, PartialEq, Eq)]
enum TreeEvent {
    /// The path of a change of tree `tree`, leaf first and root last, as (heap index, node).
    Change { tree: Pubkey, seq: u64, path: Vec<(u32, [u8; 32])> },
    /// A leaf's owner and delegate after a Bubblegum instruction; `nonce` is its leaf index.
    Leaf { asset: Pubkey, owner: Pubkey, delegate: Pubkey, nonce: u64 },
}

/// Reads a noop log; `None` for anything that is neither event.
fn parse_event(data: &[u8]) -> Option<TreeEvent> {
    match CompressionEvent::try_from_slice(data).ok()? {
        CompressionEvent::ChangeLog(ChangeLogEvent::V1 { id, path, seq, .. }) => {
            Some(TreeEvent::Change { tree: id, seq, path: path.into_iter().map(|n| (n.index, n.node)).collect() })
        }
        CompressionEvent::ApplicationData(ApplicationDataEvent::V1 { data }) => {
            let event = LeafSchemaEvent::try_from_slice(&data).ok()?;
            if event.event_type != LEAF_SCHEMA_EVENT {
                return None;
            }
            let LeafSchema::V1 { id, owner, delegate, nonce, .. } = event.schema;
            Some(TreeEvent::Leaf { asset: id, owner, delegate, nonce })
        }
    }
}

/// An asset's leaf as replayed: its owner, delegate and index in the tree.
#[derive(Clone, Copy)]
struct ReplayedLeaf {
    owner: Pubkey,
    delegate: Pubkey,
    index: u64,
}

/// A tree as replayed so far.
#[derive(Default)]
struct ReplayedTree {
    /// Every node ever written, by heap index; the others are empty subtrees.
    nodes: HashMap<u32, [u8; 32]>,
    /// The latest leaf of every asset.
    leaves: HashMap<Pubkey, ReplayedLeaf>,
    /// Sequence number of the last change applied.
    seq: u64,
    /// The newest transaction read.
    newest: Option<Signature>,
}

impl ReplayedTree {
    fn apply(&mut self, event: TreeEvent, tree: &Pubkey) {
        match event {
            TreeEvent::Change { tree: id, seq, path } if id == *tree && seq > self.seq => {
                self.nodes.extend(path);
                self.seq = seq;
            }
            TreeEvent::Leaf { asset, owner, delegate, nonce } => {
                self.leaves.insert(asset, ReplayedLeaf { owner, delegate, index: nonce });
            }
            TreeEvent::Change { .. } => {}
        }
    }

    /// The siblings of leaf `index` from the bottom up, in a tree of `depth`.
    fn path(&self, depth: usize, index: u32) -> Vec<[u8; 32]> {
        let mut empty = [0u8; 32];
        let mut at = (1u32 << depth) + index;
        let mut path = Vec::with_capacity(depth);
        for _ in 0..depth {
            path.push(self.nodes.get(&(at ^ 1)).copied().unwrap_or(empty));
            empty = keccak_pair(&empty, &empty);
            at >>= 1;
        }
        path
    }

    fn root(&self) -> [u8; 32] {
        self.nodes.get(&1).copied().unwrap_or([0; 32])
    }
}

fn keccak_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    solana_keccak_hasher::hashv(&[left, right]).to_bytes()
}

/// Device trees rebuilt from their history on an RPC node; see the module docs.
pub struct TreeHistory {
    chain: RpcChain,
    trees: Mutex<HashMap<Pubkey, Arc<AsyncMutex<ReplayedTree>>>>,
}

/// A tree replayed up to the root its account holds, held under the tree's lock.
struct Replay {
    tree: Pubkey,
    depth: usize,
    root: [u8; 32],
    replayed: OwnedMutexGuard<ReplayedTree>,
}

impl Replay {
    /// `asset`'s ownership proof, `None` when it is no leaf of this tree.
    fn proof(&self, asset: &Pubkey) -> Result<Option<AssetProof>, OwnershipSourceError> {
        let Some(leaf) = self.replayed.leaves.get(asset) else { return Ok(None) };
        let index = u32::try_from(leaf.index)
            .ok()
            .filter(|i| self.depth < 32 && *i < (1u32 << self.depth))
            .ok_or_else(|| OwnershipSourceError::Unexpected(format!("asset {asset} has leaf index {} in a tree of depth {}", leaf.index, self.depth)))?;
        Ok(Some(AssetProof { tree: self.tree, owner: leaf.owner, delegate: leaf.delegate, root: self.root, path: self.replayed.path(self.depth, index) }))
    }
}

/// Replays of one tree before its history is taken not to lead to its root: a change that lands
/// between reading the tree account and reading its history, or a signature the node has not
/// indexed yet, makes one attempt miss.
const REPLAY_ATTEMPTS: u32 = 3;

fn unavailable(e: impl std::fmt::Display) -> OwnershipSourceError {
    OwnershipSourceError::Unavailable(e.to_string())
}

impl TreeHistory {
    /// Reads trees through `chain` (its timeouts and retries apply).
    pub fn new(chain: RpcChain) -> Self {
        Self { chain, trees: Mutex::new(HashMap::new()) }
    }

    /// The assets of `tree` whose cNFT `owner` holds now, in address order.
    pub async fn assets_of(&self, tree: &Pubkey, owner: &Pubkey) -> Result<Vec<Pubkey>, OwnershipSourceError> {
        let replay = self.replay(tree).await?;
        let mut assets: Vec<Pubkey> = replay.replayed.leaves.iter().filter(|(_, leaf)| leaf.owner == *owner).map(|(asset, _)| *asset).collect();
        assets.sort();
        Ok(assets)
    }

    /// Replays what landed in `tree` since the last replay, so that the next question about it
    /// finds it current.
    pub async fn refresh(&self, tree: &Pubkey) -> Result<(), OwnershipSourceError> {
        self.replay(tree).await.map(|_| ())
    }

    /// `asset`'s ownership proof when it is a leaf of `tree`, `None` when it is not.
    pub async fn find(&self, tree: &Pubkey, asset: &Pubkey) -> Result<Option<AssetProof>, OwnershipSourceError> {
        self.replay(tree).await?.proof(asset)
    }

    /// `tree` replayed up to the root its account holds now.
    async fn replay(&self, tree: &Pubkey) -> Result<Replay, OwnershipSourceError> {
        let slot = self.trees.lock().map_err(unavailable)?.entry(*tree).or_default().clone();
        let mut replayed = slot.lock_owned().await;
        let bad_tree = || OwnershipSourceError::Unexpected(format!("{tree} is not a concurrent merkle tree"));
        for attempt in 0..REPLAY_ATTEMPTS {
            if attempt > 0 {
                // The node indexes a transaction's signature a moment after its bank holds the
                // transaction's effects: give the index that moment.
                tokio::time::sleep(std::time::Duration::from_millis(300 * u64::from(attempt))).await;
            }
            let account = self.chain.get_account(tree).await.map_err(unavailable)?;
            let data = account.map(|a| a.data).ok_or_else(|| OwnershipSourceError::Unexpected(format!("tree {tree} does not exist")))?;
            let (depth, _) = tree_depths(&data).ok_or_else(bad_tree)?;
            let root = tree_current_root(&data).ok_or_else(bad_tree)?;
            for signature in self.chain.signatures_since(tree, replayed.newest, None).await.map_err(unavailable)? {
                for event in self.events(&signature).await? {
                    replayed.apply(event, tree);
                }
                replayed.newest = Some(signature);
            }
            if replayed.root() == root {
                return Ok(Replay { tree: *tree, depth, root, replayed });
            }
        }
        Err(OwnershipSourceError::Unexpected(format!(
            "the history of tree {tree} does not lead to its root (changes keep landing, or the node's history is incomplete)"
        )))
    }

    /// The noop logs of transaction `signature`, in execution order.
    async fn events(&self, signature: &Signature) -> Result<Vec<TreeEvent>, OwnershipSourceError> {
        let stored = self.chain.stored_transaction(signature).await.map_err(unavailable)?;
        let OptionSerializer::Some(inner) = stored.meta.inner_instructions else { return Ok(Vec::new()) };
        let mut events = Vec::new();
        for instruction in inner.into_iter().flat_map(|set| set.instructions) {
            let UiInstruction::Compiled(compiled) = instruction else { continue };
            if stored.keys.get(usize::from(compiled.program_id_index)) != Some(&SPL_NOOP_ID) {
                continue;
            }
            let data = bs58::decode(&compiled.data)
                .into_vec()
                .map_err(|_| OwnershipSourceError::Unexpected(format!("transaction {signature}: noop data is not base58")))?;
            events.extend(parse_event(&data));
        }
        Ok(events)
    }
}

impl OwnershipSource for TreeHistory {
    async fn asset_proof(&self, device: &DeviceInfo) -> Result<AssetProof, OwnershipSourceError> {
        self.find(&device.tree, &device.asset).await?.ok_or_else(|| OwnershipSourceError::UnknownAsset {
            asset: device.asset,
            reason: format!("no Bubblegum leaf of it in tree {}", device.tree),
        })
    }
}

#[cfg(test)]
mod tests {
    use anchor_lang::AnchorSerialize;

    use super::*;

    #[derive(AnchorSerialize)]
    enum Event {
        ChangeLog(Change),
        ApplicationData(Application),
    }
    #[derive(AnchorSerialize)]
    enum Change {
        V1 { id: Pubkey, path: Vec<([u8; 32], u32)>, seq: u64, index: u32 },
    }
    #[derive(AnchorSerialize)]
    enum Application {
        V1 { data: Vec<u8> },
    }

    fn change(tree: Pubkey, seq: u64, path: Vec<([u8; 32], u32)>) -> Vec<u8> {
        borsh(&Event::ChangeLog(Change::V1 { id: tree, path, seq, index: 0 }))
    }

    fn leaf(event_type: u8, asset: Pubkey, owner: Pubkey) -> Vec<u8> {
        let mut schema = vec![event_type, 0, 0];
        for part in [asset.to_bytes(), owner.to_bytes(), owner.to_bytes()] {
            schema.extend(part);
        }
        schema.extend(7u64.to_le_bytes());
        schema.extend([[1u8; 32], [2; 32], [3; 32]].concat());
        borsh(&Event::ApplicationData(Application::V1 { data: schema }))
    }

    fn borsh(event: &Event) -> Vec<u8> {
        let mut bytes = Vec::new();
        event.serialize(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn noop_logs_of_both_programs_are_read_and_others_ignored() {
        let (tree, asset, owner) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        assert_eq!(parse_event(&change(tree, 4, vec![([5; 32], 9), ([6; 32], 1)])), Some(TreeEvent::Change { tree, seq: 4, path: vec![(9, [5; 32]), (1, [6; 32])] }));
        assert_eq!(parse_event(&leaf(1, asset, owner)), Some(TreeEvent::Leaf { asset, owner, delegate: owner, nonce: 7 }));
        assert_eq!(parse_event(&leaf(0, asset, owner)), None, "not a leaf schema event");
        assert_eq!(parse_event(b"hello"), None);
        assert_eq!(parse_event(&[]), None);
    }

    #[test]
    fn a_replayed_tree_gives_the_paths_a_full_tree_would() {
        // Depth 2: leaves at heap indexes 4..8. Append leaves a and b, as account compression
        // logs them: each change's path from the leaf up to the root.
        let tree = Pubkey::new_unique();
        let (a, b, empty) = ([1u8; 32], [2u8; 32], [0u8; 32]);
        let empty1 = keccak_pair(&empty, &empty);
        let mut replayed = ReplayedTree::default();
        let a_up = keccak_pair(&a, &empty);
        replayed.apply(TreeEvent::Change { tree, seq: 1, path: vec![(4, a), (2, a_up), (1, keccak_pair(&a_up, &empty1))] }, &tree);
        let ab = keccak_pair(&a, &b);
        let root = keccak_pair(&ab, &empty1);
        replayed.apply(TreeEvent::Change { tree, seq: 2, path: vec![(5, b), (2, ab), (1, root)] }, &tree);
        // Another tree's change and a replayed old change change nothing.
        replayed.apply(TreeEvent::Change { tree: Pubkey::new_unique(), seq: 3, path: vec![(1, [9; 32])] }, &tree);
        replayed.apply(TreeEvent::Change { tree, seq: 1, path: vec![(1, [9; 32])] }, &tree);
        assert_eq!(replayed.root(), root);
        assert_eq!(replayed.path(2, 0), vec![b, empty1]);
        assert_eq!(replayed.path(2, 1), vec![a, empty1]);
        assert_eq!(replayed.path(2, 3), vec![empty, ab]);
    }
}
