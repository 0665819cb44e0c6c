//! What the registry reads from and hands to Bubblegum: program ids, the tree config, and the
//! device cNFT's metadata.
use anchor_lang::prelude::*;
use mpl_bubblegum::types::{MetadataArgs, TokenProgramVersion, TokenStandard};

use crate::errors::RegistryError;
use crate::state::{DeviceKind, DEVICE_SYMBOL};

/// SPL Account Compression, the compression program of Bubblegum V1 trees.
pub const SPL_ACCOUNT_COMPRESSION_ID: Pubkey = pubkey!("cmtDvXumGCrqC1Age74AVPhSRVXJMd8PJS91L8KbNCK");
/// Metaplex's maintained fork of account compression; same `verify_leaf` interface.
pub const MPL_ACCOUNT_COMPRESSION_ID: Pubkey = pubkey!("mcmt6YrQEMKw8Mw43FmpRLmf7BqRnFMKmAcbxE3xkAW");
/// SPL Noop, the log wrapper of Bubblegum V1 trees.
pub const SPL_NOOP_ID: Pubkey = pubkey!("noopb9bkMVfRPU8AsbpTUg8AQkHtKwMYZiFUjNRtMmV");

/// Anchor discriminator of Bubblegum's `TreeConfig` account (sha256("account:TreeConfig")[..8]).
const TREE_CONFIG_DISCRIMINATOR: [u8; 8] = [122, 245, 175, 248, 171, 34, 0, 207];
/// discriminator, tree_creator, tree_delegate, total_mint_capacity, num_minted: the prefix
/// every Bubblegum version shares.
const TREE_CONFIG_PREFIX_LEN: usize = 8 + 32 + 32 + 8 + 8;

/// The fields of Bubblegum's tree config the registry relies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeConfigView {
    pub tree_delegate: Pubkey,
    pub total_mint_capacity: u64,
    pub num_minted: u64,
}

/// Reads Bubblegum's tree config of `tree`, checking its owner, address and discriminator.
pub fn read_tree_config(tree_config: &AccountInfo, tree: &Pubkey) -> Result<TreeConfigView> {
    let (expected, _) = Pubkey::find_program_address(&[tree.as_ref()], &mpl_bubblegum::ID);
    require_keys_eq!(tree_config.key(), expected, RegistryError::WrongTreeConfig);
    read_any_tree_config(tree_config)
}

/// Reads a Bubblegum tree config, checking its owner and discriminator but not which tree it
/// belongs to: for an instruction that then hands it to Bubblegum with the tree, which checks
/// that itself (its seeds) and refuses the mint otherwise. Parsed by hand from the shared
/// prefix because later Bubblegum versions append fields.
pub fn read_any_tree_config(tree_config: &AccountInfo) -> Result<TreeConfigView> {
    require_keys_eq!(*tree_config.owner, mpl_bubblegum::ID, RegistryError::WrongTreeConfig);
    let data = tree_config.try_borrow_data()?;
    let prefix = data.get(..TREE_CONFIG_PREFIX_LEN).ok_or(RegistryError::WrongTreeConfig)?;
    require!(prefix[..8] == TREE_CONFIG_DISCRIMINATOR, RegistryError::WrongTreeConfig);
    let pubkey_at = |at: usize| {
        let mut key = [0u8; 32];
        key.copy_from_slice(&prefix[at..at + 32]);
        Pubkey::new_from_array(key)
    };
    let u64_at = |at: usize| {
        let mut le = [0u8; 8];
        le.copy_from_slice(&prefix[at..at + 8]);
        u64::from_le_bytes(le)
    };
    Ok(TreeConfigView { tree_delegate: pubkey_at(40), total_mint_capacity: u64_at(72), num_minted: u64_at(80) })
}

/// The asset id of leaf `nonce` of `tree`: Bubblegum's PDA of the two (as
/// `mpl_bubblegum::utils::get_asset_id`, checked by a test), found at a fraction of its cost.
pub fn asset_id(tree: &Pubkey, nonce: u64) -> Option<Pubkey> {
    fieldproof_pda::find_program_address(&[b"asset", tree.as_ref(), &nonce.to_le_bytes()], &mpl_bubblegum::ID).map(|(id, _)| id)
}

/// Bubblegum's creator hash of a device cNFT: the keccak hash of an empty creator list
/// (`mpl_bubblegum::hash::hash_creators(&[])`, checked by a test).
pub const DEVICE_CREATOR_HASH: [u8; 32] = [
    197, 210, 70, 1, 134, 247, 35, 60, 146, 126, 125, 178, 220, 199, 3, 192, 229, 0, 182, 83, 202, 130, 39, 59, 123, 250, 216,
    4, 93, 133, 164, 112,
];

/// Bubblegum's data hash of the cNFT metadata of a device of `kind` in a network of `uri`.
pub fn device_data_hash(kind: DeviceKind, uri: &str) -> Result<[u8; 32]> {
    Ok(mpl_bubblegum::hash::hash_metadata(&device_metadata(kind, uri))?)
}

/// Metadata of a device cNFT. Immutable and without creators, so its leaf's data and creator
/// hashes never change and are stored once in the device's account.
pub fn device_metadata(kind: DeviceKind, uri: &str) -> MetadataArgs {
    MetadataArgs {
        name: kind.nft_name().to_string(),
        symbol: DEVICE_SYMBOL.to_string(),
        uri: uri.to_string(),
        seller_fee_basis_points: 0,
        primary_sale_happened: false,
        is_mutable: false,
        edition_nonce: None,
        token_standard: Some(TokenStandard::NonFungible),
        collection: None,
        uses: None,
        token_program_version: TokenProgramVersion::Original,
        creators: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_cnft_has_bubblegums_creator_hash_of_no_creators() {
        assert_eq!(DEVICE_CREATOR_HASH, mpl_bubblegum::hash::hash_creators(&[]));
        assert_eq!(device_metadata(DeviceKind::Mapper, "u").creators, vec![]);
    }

    #[test]
    fn asset_ids_are_bubblegums() {
        let tree = Pubkey::new_from_array([3; 32]);
        for nonce in [0, 1, 2, 1 << 20, u64::MAX] {
            assert_eq!(asset_id(&tree, nonce), Some(mpl_bubblegum::utils::get_asset_id(&tree, nonce)));
        }
    }
}
