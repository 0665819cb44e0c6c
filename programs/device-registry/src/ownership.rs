//! Proof that a key owns a device's cNFT right now: the Bubblegum V1 leaf built from the
//! device's stored fields and the claimed owner is verified against the tree by account
//! compression's `verify_leaf` (proof nodes passed as accounts, the tree's canopy filling in the
//! rest). Used here for location asserts and by reward-pool for claims.
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
