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
use crate::state::DeviceLeaf;

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
pub fn leaf_schema(device: &DeviceLeaf, owner: &Pubkey, delegate: Option<Pubkey>) -> LeafSchema {
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
    device: &DeviceLeaf,
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
    for (level, empty) in EMPTY_SUBTREE_ROOTS.iter().enumerate().take(depth) {
        let sibling: [u8; 32] = match proof_nodes.get(level) {
            Some(given) => given.key.to_bytes(),
            // The canopy stores the nodes at heap positions 2, 3, ... in order.
            None => {
                let slot = ((position ^ 1) as usize).wrapping_sub(2);
                match canopy.get(slot.saturating_mul(32)..slot.saturating_mul(32).saturating_add(32)) {
                    Some(stored) if slot < canopy_nodes => match <[u8; 32]>::try_from(stored) {
                        Ok(stored) if stored == [0; 32] => *empty,
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

/// The root of an empty subtree of each height: account compression leaves the canopy zeroed
/// where the tree is still empty, and such a zero stands for the empty root of its level. A table
/// rather than hashed per claim: it saves 19 keccak hashes (about 5,000 units) in a 20-deep tree.
/// Height 0 is the empty leaf; each next one is keccak(previous, previous) (checked by a test).
#[rustfmt::skip]
const EMPTY_SUBTREE_ROOTS: [[u8; 32]; MAX_TREE_DEPTH] = [
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [173, 50, 40, 182, 118, 247, 211, 205, 66, 132, 165, 68, 63, 23, 241, 150, 43, 54, 228, 145, 179, 10, 64, 178, 64, 88, 73, 229, 151, 186, 95, 181],
    [180, 193, 25, 81, 149, 124, 111, 143, 100, 44, 74, 246, 28, 214, 178, 70, 64, 254, 198, 220, 127, 198, 7, 238, 130, 6, 169, 158, 146, 65, 13, 48],
    [33, 221, 185, 163, 86, 129, 92, 63, 172, 16, 38, 182, 222, 197, 223, 49, 36, 175, 186, 219, 72, 92, 155, 165, 163, 227, 57, 138, 4, 183, 186, 133],
    [229, 135, 105, 179, 42, 27, 234, 241, 234, 39, 55, 90, 68, 9, 90, 13, 31, 182, 100, 206, 45, 211, 88, 231, 252, 191, 183, 140, 38, 161, 147, 68],
    [14, 176, 30, 191, 201, 237, 39, 80, 12, 212, 223, 201, 121, 39, 45, 31, 9, 19, 204, 159, 102, 84, 13, 126, 128, 5, 129, 17, 9, 225, 207, 45],
    [136, 124, 34, 189, 135, 80, 211, 64, 22, 172, 60, 102, 181, 255, 16, 45, 172, 221, 115, 246, 176, 20, 231, 16, 181, 30, 128, 34, 175, 154, 25, 104],
    [255, 215, 1, 87, 228, 128, 99, 252, 51, 201, 122, 5, 15, 127, 100, 2, 51, 191, 100, 108, 201, 141, 149, 36, 198, 185, 43, 207, 58, 181, 111, 131],
    [152, 103, 204, 95, 127, 25, 107, 147, 186, 225, 226, 126, 99, 32, 116, 36, 69, 210, 144, 242, 38, 56, 39, 73, 139, 84, 254, 197, 57, 247, 86, 175],
    [206, 250, 212, 229, 8, 192, 152, 185, 167, 225, 216, 254, 177, 153, 85, 251, 2, 186, 150, 117, 88, 80, 120, 113, 9, 105, 211, 68, 15, 80, 84, 224],
    [249, 220, 62, 127, 224, 22, 224, 80, 239, 242, 96, 51, 79, 24, 165, 212, 254, 57, 29, 130, 9, 35, 25, 245, 150, 79, 46, 46, 183, 193, 195, 165],
    [248, 177, 58, 73, 226, 130, 246, 9, 195, 23, 168, 51, 251, 141, 151, 109, 17, 81, 124, 87, 29, 18, 33, 162, 101, 210, 90, 247, 120, 236, 248, 146],
    [52, 144, 198, 206, 235, 69, 10, 236, 220, 130, 226, 130, 147, 3, 29, 16, 199, 215, 59, 248, 94, 87, 191, 4, 26, 151, 54, 10, 162, 197, 217, 156],
    [193, 223, 130, 217, 196, 184, 116, 19, 234, 226, 239, 4, 143, 148, 180, 211, 85, 76, 234, 115, 217, 43, 15, 122, 249, 110, 2, 113, 198, 145, 226, 187],
    [92, 103, 173, 215, 198, 202, 243, 2, 37, 106, 222, 223, 122, 177, 20, 218, 10, 207, 232, 112, 212, 73, 163, 164, 137, 247, 129, 214, 89, 232, 190, 204],
    [218, 123, 206, 159, 78, 134, 24, 182, 189, 47, 65, 50, 206, 121, 140, 220, 122, 96, 231, 225, 70, 10, 114, 153, 227, 198, 52, 42, 87, 150, 38, 210],
    [39, 51, 229, 15, 82, 110, 194, 250, 25, 162, 43, 49, 232, 237, 80, 242, 60, 209, 253, 249, 76, 145, 84, 237, 58, 118, 9, 162, 241, 255, 152, 31],
    [225, 211, 181, 200, 7, 178, 129, 228, 104, 60, 198, 214, 49, 92, 249, 91, 154, 222, 134, 65, 222, 252, 179, 35, 114, 241, 193, 38, 227, 152, 239, 122],
    [90, 45, 206, 10, 138, 127, 104, 187, 116, 86, 15, 143, 113, 131, 124, 44, 46, 187, 203, 247, 255, 251, 66, 174, 24, 150, 241, 63, 124, 116, 121, 160],
    [180, 106, 40, 182, 245, 85, 64, 248, 148, 68, 246, 61, 224, 55, 142, 61, 18, 27, 224, 158, 6, 204, 157, 237, 28, 32, 230, 88, 118, 211, 106, 160],
    [198, 94, 150, 69, 100, 71, 134, 182, 32, 226, 221, 42, 214, 72, 221, 252, 191, 74, 126, 91, 26, 58, 78, 207, 231, 246, 70, 103, 163, 240, 183, 226],
    [244, 65, 133, 136, 237, 53, 162, 69, 140, 255, 235, 57, 185, 61, 38, 241, 141, 42, 177, 59, 220, 230, 174, 229, 142, 123, 153, 53, 158, 194, 223, 217],
    [90, 156, 22, 220, 0, 214, 239, 24, 183, 147, 58, 111, 141, 198, 92, 203, 85, 102, 113, 56, 119, 111, 125, 234, 16, 16, 112, 220, 135, 150, 227, 119],
    [77, 248, 79, 64, 174, 12, 130, 41, 208, 214, 6, 158, 92, 143, 57, 167, 194, 153, 103, 122, 9, 211, 103, 252, 123, 5, 227, 188, 56, 14, 230, 82],
    [205, 199, 37, 149, 247, 76, 123, 16, 67, 208, 225, 255, 186, 183, 52, 100, 140, 131, 141, 251, 5, 39, 217, 113, 182, 2, 188, 33, 108, 150, 25, 239],
    [10, 191, 90, 201, 116, 161, 237, 87, 244, 5, 10, 165, 16, 221, 156, 116, 245, 8, 39, 123, 57, 215, 151, 59, 178, 223, 204, 197, 238, 176, 97, 141],
    [184, 205, 116, 4, 111, 243, 55, 240, 167, 191, 44, 142, 3, 225, 15, 100, 44, 24, 134, 121, 141, 113, 128, 106, 177, 232, 136, 217, 229, 238, 135, 208],
    [131, 140, 86, 85, 203, 33, 198, 203, 131, 49, 59, 90, 99, 17, 117, 223, 244, 150, 55, 114, 204, 233, 16, 129, 136, 179, 74, 200, 124, 129, 196, 30],
    [102, 46, 228, 221, 45, 215, 178, 188, 112, 121, 97, 177, 230, 70, 196, 4, 118, 105, 220, 182, 88, 79, 13, 141, 119, 13, 175, 93, 126, 125, 235, 46],
    [56, 138, 178, 14, 37, 115, 209, 113, 168, 129, 8, 231, 157, 130, 14, 152, 242, 108, 11, 132, 170, 139, 47, 74, 164, 150, 141, 187, 129, 142, 163, 34],
];

fn keccak_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    solana_keccak_hasher::hashv(&[left, right]).to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_empty_subtree_root_hashes_the_one_below_with_itself() {
        assert_eq!(EMPTY_SUBTREE_ROOTS[0], [0; 32], "the empty leaf");
        for height in 1..MAX_TREE_DEPTH {
            let below = &EMPTY_SUBTREE_ROOTS[height - 1];
            assert_eq!(EMPTY_SUBTREE_ROOTS[height], keccak_pair(below, below), "height {height}");
        }
    }
}
