//! Proof that a key owns a device's cNFT right now: the Bubblegum V1 leaf built from the
//! device's stored fields and the claimed owner must lead, through the proof nodes passed as
//! accounts and the tree's canopy, to the tree's root. Used here for location asserts and by
//! reward-pool for claims.
//!
//! The common case is checked in place: the tree account is read where it lies (a CPI would
//! copy it, 2 MB at 2^20 leaves with a deep canopy), and the path is climbed to the tree's
//! current root. Only when that fails (the tree changed inside the proof's own subtree since the
//! proof was read, or the leaf is not the owner's) does account compression's `verify_leaf`
//! decide, which fast-forwards a proof over the changes in its buffer and names the refusal.
use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke;
use mpl_bubblegum::types::LeafSchema;

use crate::bubblegum::{MPL_ACCOUNT_COMPRESSION_ID, SPL_ACCOUNT_COMPRESSION_ID};
use crate::errors::RegistryError;
use crate::state::DeviceInfo;

/// Why an ownership proof was refused before account compression saw it. Each program that
/// checks ownership maps these to its own named errors, so the codes stay in its own table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnershipError {
    /// The tree passed is not the device's.
    WrongTree,
    /// The tree is not owned by an account-compression program, or another program was passed.
    WrongTreeOwner,
    /// More proof nodes than the deepest tree has levels.
    ProofTooLong,
    /// The leaf nonce does not fit a V1 leaf index.
    LeafIndexOverflow,
}

impl From<OwnershipError> for Error {
    fn from(e: OwnershipError) -> Self {
        match e {
            OwnershipError::WrongTree => RegistryError::WrongTree.into(),
            OwnershipError::WrongTreeOwner => RegistryError::WrongTreeOwner.into(),
            OwnershipError::ProofTooLong => RegistryError::ProofTooLong.into(),
            OwnershipError::LeafIndexOverflow => RegistryError::ArithmeticOverflow.into(),
        }
    }
}

/// Deepest tree account compression supports.
pub const MAX_TREE_DEPTH: usize = 30;
/// Anchor discriminator of account compression's `verify_leaf` (sha256("global:verify_leaf")[..8]).
const VERIFY_LEAF_DISCRIMINATOR: [u8; 8] = [124, 220, 22, 223, 104, 10, 250, 224];

/// What the prover supplies besides the owner and the proof nodes.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnershipProof {
    /// A root of the device's tree still in its changelog buffer; account compression
    /// fast-forwards the proof over later changes, so it fails once the leaf itself changed.
    pub root: [u8; 32],
    /// The leaf delegate when it is not the owner (a Bubblegum delegation); `None` otherwise,
    /// which saves 31 bytes of the claim transaction.
    pub delegate: Option<Pubkey>,
}

/// The device cNFT's leaf as it reads when `owner` owns it.
pub fn leaf_schema(device: &DeviceInfo, owner: &Pubkey, delegate: Option<Pubkey>) -> LeafSchema {
    LeafSchema::V1 {
        id: device.asset,
        owner: *owner,
        delegate: delegate.unwrap_or(*owner),
        nonce: device.leaf_nonce,
        data_hash: device.data_hash,
        creator_hash: device.creator_hash,
    }
}

/// Fails unless `owner` owns the device's cNFT in `merkle_tree` now. Checks refused before the
/// CPI come back through `refuse` in the caller's own errors; account compression's refusal of
/// the leaf (not the owner's, or a stale proof) is its own error.
pub fn verify_owner<'info>(
    device: &DeviceInfo,
    owner: &Pubkey,
    proof: &OwnershipProof,
    merkle_tree: &AccountInfo<'info>,
    compression_program: &AccountInfo<'info>,
    proof_nodes: &[AccountInfo<'info>],
    refuse: impl Fn(OwnershipError) -> Error,
) -> Result<()> {
    if merkle_tree.key() != device.tree {
        return Err(refuse(OwnershipError::WrongTree));
    }
    // verify_leaf checks that it owns the tree; calling the tree's owner, and only one of the
    // two account-compression programs, makes that check meaningful.
    let known_owner = *merkle_tree.owner == SPL_ACCOUNT_COMPRESSION_ID || *merkle_tree.owner == MPL_ACCOUNT_COMPRESSION_ID;
    if !known_owner || compression_program.key() != *merkle_tree.owner {
        return Err(refuse(OwnershipError::WrongTreeOwner));
    }
    if proof_nodes.len() > MAX_TREE_DEPTH {
        return Err(refuse(OwnershipError::ProofTooLong));
    }
    let index = u32::try_from(device.leaf_nonce).map_err(|_| refuse(OwnershipError::LeafIndexOverflow))?;
    let leaf = leaf_schema(device, owner, proof.delegate).hash();
    if leads_to_current_root(&merkle_tree.try_borrow_data()?, leaf, index, proof_nodes) {
        return Ok(());
    }

    let mut data = Vec::with_capacity(8 + 32 + 32 + 4);
    data.extend_from_slice(&VERIFY_LEAF_DISCRIMINATOR);
    data.extend_from_slice(&proof.root);
    data.extend_from_slice(&leaf);
    data.extend_from_slice(&index.to_le_bytes());
    let mut accounts = Vec::with_capacity(1 + proof_nodes.len());
    accounts.push(AccountMeta::new_readonly(merkle_tree.key(), false));
    accounts.extend(proof_nodes.iter().map(|node| AccountMeta::new_readonly(node.key(), false)));
    let mut infos = Vec::with_capacity(2 + proof_nodes.len());
    infos.push(merkle_tree.clone());
    infos.extend_from_slice(proof_nodes);
    infos.push(compression_program.clone());
    invoke(&Instruction { program_id: compression_program.key(), accounts, data }, &infos)?;
    Ok(())
}

/// Bytes of an account-compression tree account's header: account type, header version, max
/// buffer size, max depth, authority, creation slot, batch flag, padding.
const TREE_HEADER_BYTES: usize = 56;
/// The account type byte of an initialized concurrent merkle tree.
const CONCURRENT_MERKLE_TREE: u8 = 1;

/// Whether `leaf`, at `index`, climbs through the proof nodes and the tree's canopy to the root
/// the tree holds now. Any layout it does not recognise is a `false`, left to account
/// compression to judge.
fn leads_to_current_root(data: &[u8], leaf: [u8; 32], index: u32, proof_nodes: &[AccountInfo]) -> bool {
    let field = |at: usize| data.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let (Some(&CONCURRENT_MERKLE_TREE), Some(buffer), Some(depth)) = (data.first(), field(2), field(6)) else { return false };
    let (buffer, depth) = (buffer as usize, depth as usize);
    if depth == 0 || depth > MAX_TREE_DEPTH || proof_nodes.len() > depth || u64::from(index) >= 1u64 << depth {
        return false;
    }
    // After the header: sequence number, active index, buffer size, the changelog buffer (root,
    // path, index and padding per entry), the rightmost path, then the canopy.
    let change_log = 32 + 32 * depth + 8;
    let canopy_start = TREE_HEADER_BYTES + 24 + buffer * change_log + 32 * depth + 40;
    let Some(canopy) = data.get(canopy_start..) else { return false };
    let canopy_nodes = canopy.len() / 32;
    let active = data.get(TREE_HEADER_BYTES + 8..TREE_HEADER_BYTES + 16).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    let Some(root_at) = active.filter(|a| (*a as usize) < buffer).map(|a| TREE_HEADER_BYTES + 24 + a as usize * change_log) else { return false };
    let Some(current_root) = data.get(root_at..root_at + 32) else { return false };

    let mut node = leaf;
    // The node's position in the tree as a heap: the root is 1, the children of n are 2n, 2n + 1.
    let mut position = (1u64 << depth) + u64::from(index);
    // The root of an empty subtree of the current level: account compression leaves the canopy
    // zeroed where the tree is still empty, and such a zero stands for this.
    let mut empty = [0u8; 32];
    for level in 0..depth {
        if level > 0 {
            empty = keccak_pair(&empty, &empty);
        }
        let sibling: [u8; 32] = match proof_nodes.get(level) {
            Some(given) => given.key.to_bytes(),
            // The canopy stores the nodes at heap positions 2, 3, ... in order.
            None => {
                let slot = ((position ^ 1) as usize).wrapping_sub(2);
                match canopy.get(slot.saturating_mul(32)..slot.saturating_mul(32).saturating_add(32)) {
                    Some(stored) if slot < canopy_nodes => match <[u8; 32]>::try_from(stored) {
                        Ok(stored) if stored == [0; 32] => empty,
                        Ok(stored) => stored,
                        Err(_) => return false,
                    },
                    _ => return false,
                }
            }
        };
        node = if position & 1 == 0 { keccak_pair(&node, &sibling) } else { keccak_pair(&sibling, &node) };
        position >>= 1;
    }
    node == current_root
}

fn keccak_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    solana_keccak_hasher::hashv(&[left, right]).to_bytes()
}
