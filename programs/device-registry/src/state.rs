use anchor_lang::prelude::*;

use crate::errors::RegistryError;

/// Seed of the network config: [NETWORK_SEED, data-credits config]. The network PDA is also the
/// Bubblegum tree delegate that signs every mint.
pub const NETWORK_SEED: &[u8] = b"network";
/// Seed of a maker: [MAKER_SEED, network, maker id].
pub const MAKER_SEED: &[u8] = b"maker";
/// Seed of a device: [DEVICE_SEED, network, sha256(device key)].
pub const DEVICE_SEED: &[u8] = b"device";
/// Longest metadata URI Bubblegum accepts.
pub const MAX_URI_LEN: usize = 200;
/// Symbol of every device cNFT.
pub const DEVICE_SYMBOL: &str = "FPD";

/// A role of the network that changes hands in two steps (`propose_role`, `accept_role`), as in
/// the other programs.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum Role {
    /// Approves makers, sets fees and trees, changes device status.
    Authority,
}

#[account]
#[derive(InitSpace, Debug)]
pub struct NetworkConfig {
    // The fixed-size fields come first and in this order, so they can be decoded alone (see
    // [`NetworkHead`]); the URI, of varying length, is last.
    /// Approves makers, sets fees and trees, changes device status. May be a multisig vault.
    pub authority: Pubkey,
    /// Proposed authority; `Pubkey::default()` when none is pending.
    pub pending_authority: Pubkey,
    /// The data-credits config whose DC pays the fees (also the seed of this account).
    pub dc_config: Pubkey,
    pub dc_mint: Pubkey,
    /// DC burned per device issued.
    pub onboarding_fee: u64,
    /// DC burned per location assert.
    pub location_fee: u64,
    /// The Bubblegum tree new devices are minted into; `Pubkey::default()` until one is set.
    /// Devices keep their own tree, so replacing a full tree leaves older devices intact.
    pub active_tree: Pubkey,
    pub bump: u8,
    /// Each device kind's cNFT data hash (Bubblegum's hash of `device_metadata(kind,
    /// metadata_uri)`), indexed by `DeviceKind::code`. The URI alone fixes it, so it is computed
    /// when the URI is set rather than for every device issued (docs/compute-units.md).
    pub device_data_hashes: [[u8; 32]; 2],
    /// URI of every device cNFT's off-chain metadata.
    #[max_len(MAX_URI_LEN)]
    pub metadata_uri: String,
}

/// The fixed-size leading fields of a [`NetworkConfig`]: all but the metadata URI. Their encoding
/// is the start of the network's (checked by a test), so issuing a device, the network's most
/// frequent instruction, reads them (and the URI) where they lie instead of decoding the account
/// into a heap copy.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetworkHead {
    pub authority: Pubkey,
    pub pending_authority: Pubkey,
    pub dc_config: Pubkey,
    pub dc_mint: Pubkey,
    pub onboarding_fee: u64,
    pub location_fee: u64,
    pub active_tree: Pubkey,
    pub bump: u8,
    pub device_data_hashes: [[u8; 32]; 2],
}

impl NetworkHead {
    /// The head of the network at `account`, which must be a network of this program, and its
    /// metadata URI.
    pub fn read(account: &AccountInfo) -> Result<(Self, String)> {
        let data = Self::network_data(account)?;
        let mut rest = &data[8..];
        let head = Self::deserialize(&mut rest).map_err(|_| ErrorCode::AccountDidNotDeserialize)?;
        let uri = String::deserialize(&mut rest).map_err(|_| ErrorCode::AccountDidNotDeserialize)?;
        Ok((head, uri))
    }

    /// The active tree of the network at `account`, read alone where the head has it; `None` when
    /// the account is not a network.
    pub fn active_tree(account: &AccountInfo) -> Option<Pubkey> {
        const AT: usize = 8 + 32 * 4 + 8 * 2;
        let data = Self::network_data(account).ok()?;
        data.get(AT..AT + 32).and_then(|key| <[u8; 32]>::try_from(key).ok()).map(Pubkey::new_from_array)
    }

    fn network_data<'a>(account: &'a AccountInfo) -> Result<std::cell::Ref<'a, &'a mut [u8]>> {
        require_keys_eq!(*account.owner, crate::ID, ErrorCode::AccountOwnedByWrongProgram);
        let data = account.try_borrow_data()?;
        require!(data.len() > 8 && data[..8] == *NetworkConfig::DISCRIMINATOR, ErrorCode::AccountDiscriminatorMismatch);
        Ok(data)
    }
    /// The data hash of every cNFT of a device of `kind` issued now.
    pub fn device_data_hash(&self, kind: DeviceKind) -> [u8; 32] {
        self.device_data_hashes[usize::from(kind.code())]
    }
}

impl NetworkConfig {
    pub fn head(&self) -> NetworkHead {
        NetworkHead {
            authority: self.authority,
            pending_authority: self.pending_authority,
            dc_config: self.dc_config,
            dc_mint: self.dc_mint,
            onboarding_fee: self.onboarding_fee,
            location_fee: self.location_fee,
            active_tree: self.active_tree,
            bump: self.bump,
            device_data_hashes: self.device_data_hashes,
        }
    }
}

#[account]
#[derive(InitSpace, Debug)]
pub struct Maker {
    pub network: Pubkey,
    /// The maker's identity; part of the PDA seeds, never changes.
    pub id: Pubkey,
    /// Key that signs the onboarding message of every device the maker built; rotatable.
    pub attestation_key: Pubkey,
    /// Revoked makers issue nothing; their issued devices stay.
    pub approved: bool,
    /// Most devices the maker may ever issue.
    pub quota: u64,
    pub issued: u64,
    pub bump: u8,
}

impl Maker {
    /// Where `issued` lies in a maker account: after the discriminator, network, id, attestation
    /// key, approval and quota (checked by a test).
    const ISSUED_AT: usize = 8 + 32 * 3 + 1 + 8;

    /// The maker at `account`, which must be a maker of this program. Issuing a device reads it
    /// with this and writes back only the count it changes ([`Maker::write_issued`]).
    pub fn read(account: &AccountInfo) -> Result<Self> {
        require_keys_eq!(*account.owner, crate::ID, ErrorCode::AccountOwnedByWrongProgram);
        let data = account.try_borrow_data()?;
        require!(data.len() > 8 && data[..8] == *Maker::DISCRIMINATOR, ErrorCode::AccountDiscriminatorMismatch);
        Self::deserialize(&mut &data[8..]).map_err(|_| ErrorCode::AccountDidNotDeserialize.into())
    }

    /// Sets the issued count of the maker at `account`, leaving its other fields as they are.
    pub fn write_issued(account: &AccountInfo, issued: u64) -> Result<()> {
        let mut data = account.try_borrow_mut_data()?;
        let at = data.get_mut(Self::ISSUED_AT..Self::ISSUED_AT + 8).ok_or(ErrorCode::AccountDidNotSerialize)?;
        at.copy_from_slice(&issued.to_le_bytes());
        Ok(())
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum DeviceKind {
    Hotspot,
    Mapper,
}

impl DeviceKind {
    /// Every kind, in the order of their codes.
    pub const ALL: [DeviceKind; 2] = [DeviceKind::Hotspot, DeviceKind::Mapper];

    pub fn code(self) -> u8 {
        match self {
            DeviceKind::Hotspot => 0,
            DeviceKind::Mapper => 1,
        }
    }

    /// Name of the device cNFT.
    pub fn nft_name(self) -> &'static str {
        match self {
            DeviceKind::Hotspot => "Fieldproof hotspot",
            DeviceKind::Mapper => "Fieldproof mapper",
        }
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum DeviceStatus {
    Active,
    /// Set by the network authority, e.g. for a proven spoofer: no location asserts, and the
    /// oracle ignores its reports.
    Inactive,
}

/// Where a device was asserted: an H3 cell, antenna elevation and gain.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace)]
pub struct Location {
    /// H3 cell index; 0 until the first assert.
    pub h3_cell: u64,
    /// Metres above ground.
    pub elevation: i32,
    /// Antenna gain in tenths of dBi.
    pub gain: i32,
}

/// Highest antenna gain accepted, in tenths of dBi.
pub const MAX_GAIN: i32 = 150;
/// Elevation bounds in metres: below the Dead Sea shore to above the highest mountains.
pub const MIN_ELEVATION: i32 = -500;
pub const MAX_ELEVATION: i32 = 9_000;

impl Location {
    /// A location with a valid H3 cell (mode 1, reserved bit clear, resolution 0..=15,
    /// base cell below 122), a plausible elevation and a non-negative gain up to [`MAX_GAIN`].
    pub fn validated(h3_cell: u64, elevation: i32, gain: i32) -> Result<Self> {
        let mode = (h3_cell >> 59) & 0xF;
        let reserved = h3_cell >> 63;
        let base_cell = (h3_cell >> 45) & 0x7F;
        require!(mode == 1 && reserved == 0 && base_cell < 122, RegistryError::InvalidH3Cell);
        require!((MIN_ELEVATION..=MAX_ELEVATION).contains(&elevation), RegistryError::InvalidElevation);
        require!((0..=MAX_GAIN).contains(&gain), RegistryError::InvalidGain);
        Ok(Self { h3_cell, elevation, gain })
    }
}

#[account]
#[derive(InitSpace, Debug)]
pub struct DeviceInfo {
    // The fields up to `creator_hash` name the device's cNFT leaf and are what claims read: first
    // and in this order so they can be decoded alone (see [`DeviceLeaf`]).
    pub network: Pubkey,
    /// The device's hardware ed25519 key.
    pub device_key: Pubkey,
    /// The cNFT's asset id (Bubblegum's PDA of tree and leaf nonce).
    pub asset: Pubkey,
    pub tree: Pubkey,
    /// Leaf nonce in the tree; for V1 trees also the leaf index.
    pub leaf_nonce: u64,
    /// Metadata and creator hashes of the cNFT's leaf; fixed at mint (the metadata is immutable),
    /// so an owner proves ownership with only owner, delegate, root and proof.
    pub data_hash: [u8; 32],
    pub creator_hash: [u8; 32],
    pub maker: Pubkey,
    pub kind: DeviceKind,
    pub status: DeviceStatus,
    pub location: Location,
    pub location_asserts: u32,
    pub last_location_assert_at: i64,
    /// The nonce of the onboarding message the device and maker signed.
    pub onboarding_nonce: u64,
    pub issued_at: i64,
    pub bump: u8,
}

/// The leading fields of a [`DeviceInfo`]: the device's network and its cNFT leaf, what an
/// ownership proof and a claim need. Their encoding is the start of the device's (checked by a
/// test), so other programs decode them alone, for a fraction of the whole account's cost.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceLeaf {
    pub network: Pubkey,
    pub device_key: Pubkey,
    pub asset: Pubkey,
    pub tree: Pubkey,
    pub leaf_nonce: u64,
    pub data_hash: [u8; 32],
    pub creator_hash: [u8; 32],
}

impl DeviceLeaf {
    /// The leaf fields of the device at `account`, which must be a DeviceInfo of this program.
    pub fn read(account: &AccountInfo) -> Result<Self> {
        require_keys_eq!(*account.owner, crate::ID, ErrorCode::AccountOwnedByWrongProgram);
        let data = account.try_borrow_data()?;
        require!(data.len() > 8 && data[..8] == *DeviceInfo::DISCRIMINATOR, ErrorCode::AccountDiscriminatorMismatch);
        Self::deserialize(&mut &data[8..]).map_err(|_| ErrorCode::AccountDidNotDeserialize.into())
    }
}

impl DeviceInfo {
    pub fn leaf(&self) -> DeviceLeaf {
        DeviceLeaf {
            network: self.network,
            device_key: self.device_key,
            asset: self.asset,
            tree: self.tree,
            leaf_nonce: self.leaf_nonce,
            data_hash: self.data_hash,
            creator_hash: self.creator_hash,
        }
    }
}

/// The hash a device PDA is keyed by.
pub fn device_key_hash(device_key: &Pubkey) -> [u8; 32] {
    solana_sha256_hasher::hash(device_key.as_ref()).to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_is_the_start_of_the_networks_encoding_and_the_uri_follows() {
        let network = NetworkConfig {
            authority: Pubkey::new_from_array([1; 32]),
            pending_authority: Pubkey::new_from_array([2; 32]),
            dc_config: Pubkey::new_from_array([3; 32]),
            dc_mint: Pubkey::new_from_array([4; 32]),
            onboarding_fee: 5,
            location_fee: 6,
            active_tree: Pubkey::new_from_array([7; 32]),
            bump: 8,
            device_data_hashes: [[9; 32], [10; 32]],
            metadata_uri: "https://fieldproof.example/d.json".into(),
        };
        let mut data = Vec::new();
        network.try_serialize(&mut data).unwrap();
        let mut rest = &data[8..];
        assert_eq!(NetworkHead::deserialize(&mut rest).unwrap(), network.head());
        assert_eq!(String::deserialize(&mut rest).unwrap(), network.metadata_uri);
        assert_eq!(network.head().device_data_hash(DeviceKind::Mapper), [10; 32]);

        let key = Pubkey::new_unique();
        let mut lamports = 0;
        let info = AccountInfo::new(&key, false, false, &mut lamports, &mut data, &crate::ID, false);
        assert_eq!(NetworkHead::active_tree(&info), Some(network.active_tree));
        assert_eq!(NetworkHead::read(&info).unwrap(), (network.head(), network.metadata_uri.clone()));
    }

    #[test]
    fn a_makers_issued_count_is_written_where_its_encoding_has_it() {
        let mut maker = Maker {
            network: Pubkey::new_from_array([1; 32]),
            id: Pubkey::new_from_array([2; 32]),
            attestation_key: Pubkey::new_from_array([3; 32]),
            approved: true,
            quota: 4,
            issued: 5,
            bump: 6,
        };
        let mut data = Vec::new();
        maker.try_serialize(&mut data).unwrap();
        maker.issued = 0x0102_0304_0506_0708;
        let mut expected = Vec::new();
        maker.try_serialize(&mut expected).unwrap();
        data[Maker::ISSUED_AT..Maker::ISSUED_AT + 8].copy_from_slice(&maker.issued.to_le_bytes());
        assert_eq!(data, expected);
    }

    #[test]
    fn the_leaf_is_the_start_of_the_devices_encoding() {
        let device = DeviceInfo {
            network: Pubkey::new_from_array([1; 32]),
            device_key: Pubkey::new_from_array([2; 32]),
            asset: Pubkey::new_from_array([3; 32]),
            tree: Pubkey::new_from_array([4; 32]),
            leaf_nonce: 5,
            data_hash: [6; 32],
            creator_hash: [7; 32],
            maker: Pubkey::new_from_array([8; 32]),
            kind: DeviceKind::Mapper,
            status: DeviceStatus::Inactive,
            location: Location { h3_cell: 9, elevation: 10, gain: 11 },
            location_asserts: 12,
            last_location_assert_at: 13,
            onboarding_nonce: 14,
            issued_at: 15,
            bump: 16,
        };
        let mut data = Vec::new();
        device.try_serialize(&mut data).unwrap();
        assert_eq!(DeviceLeaf::deserialize(&mut &data[8..]).unwrap(), device.leaf());
    }
}
