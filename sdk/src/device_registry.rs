//! The device-registry program: addresses, the instruction builders of the network's
//! administration (network, authority, makers, trees, device status), issuing devices under the
//! device's and the maker's signatures, asserting locations with a proof of cNFT ownership, and
//! the query that lists a network's devices (see the crate docs on drift).
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{Discriminator, InstructionData, ToAccountMetas};
use device_registry::accounts as program_accounts;
use device_registry::instruction as program_instruction;
pub use device_registry::state::{DEVICE_SEED, MAKER_SEED, NETWORK_SEED};

pub use device_registry::bubblegum::{SPL_ACCOUNT_COMPRESSION_ID, SPL_NOOP_ID};
pub use device_registry::instructions::{AssertLocationArgs, IssueDeviceArgs, MakerArgs, NetworkArgs};
pub use device_registry::onboarding::OnboardingMessage;
pub use device_registry::ownership::{leaf_schema, OwnershipProof};
pub use device_registry::state::{device_key_hash, DeviceInfo, DeviceKind, DeviceLeaf, DeviceStatus, Location, Maker, NetworkConfig, Role};
pub use device_registry::ID;

use crate::AccountFilter;

/// Bubblegum, the program that mints device cNFTs into V1 trees.
pub const BUBBLEGUM_ID: Pubkey = mpl_bubblegum::ID;

/// Bubblegum's config account of `merkle_tree`.
pub fn tree_config_address(merkle_tree: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[merkle_tree.as_ref()], &BUBBLEGUM_ID).0
}

/// The network whose fees are burned through the data-credits configuration `dc_config`.
pub fn network_address(dc_config: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[NETWORK_SEED, dc_config.as_ref()], &ID).0
}

/// The maker `id` of `network`.
pub fn maker_address(network: &Pubkey, id: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[MAKER_SEED, network.as_ref(), id.as_ref()], &ID).0
}

/// The DeviceInfo of the device whose hardware key is `device_key`.
pub fn device_address(network: &Pubkey, device_key: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[DEVICE_SEED, network.as_ref(), &device_key_hash(device_key)], &ID).0
}

/// `getProgramAccounts` filters that select exactly `network`'s DeviceInfo accounts: the
/// account type's discriminator, then the network, which is DeviceInfo's first field.
pub fn network_devices_filters(network: &Pubkey) -> Vec<AccountFilter> {
    vec![
        AccountFilter::Memcmp { offset: 0, bytes: DeviceInfo::DISCRIMINATOR.to_vec() },
        AccountFilter::Memcmp { offset: DeviceInfo::DISCRIMINATOR.len(), bytes: network.to_bytes().to_vec() },
    ]
}

/// `getProgramAccounts` filters that select the DeviceInfo of the cNFT `asset`: the account
/// type's discriminator, then the asset, after the network and the device key.
pub fn device_by_asset_filters(asset: &Pubkey) -> Vec<AccountFilter> {
    vec![
        AccountFilter::Memcmp { offset: 0, bytes: DeviceInfo::DISCRIMINATOR.to_vec() },
        AccountFilter::Memcmp { offset: DeviceInfo::DISCRIMINATOR.len() + 64, bytes: asset.to_bytes().to_vec() },
    ]
}

/// A proof that a key owns a device's cNFT now, ready for an instruction that checks it
/// (`assert_location`, a reward claim, a claim destination).
#[derive(Clone, Debug)]
pub struct DeviceOwnership {
    /// The device's DeviceInfo account.
    pub address: Pubkey,
    /// The device.
    pub device: DeviceInfo,
    /// Who owns it.
    pub owner: Pubkey,
    /// The root the nodes lead to, and the leaf delegate when it is not the owner.
    pub proof: OwnershipProof,
    /// Siblings of the device's leaf from the bottom up, without the levels the tree's canopy
    /// holds; they travel as the instruction's last accounts.
    pub nodes: Vec<[u8; 32]>,
}

impl DeviceOwnership {
    /// The proof nodes as read-only accounts.
    pub fn node_accounts(&self) -> impl Iterator<Item = anchor_lang::solana_program::instruction::AccountMeta> + '_ {
        self.nodes.iter().map(|node| anchor_lang::solana_program::instruction::AccountMeta::new_readonly(Pubkey::new_from_array(*node), false))
    }
}

fn instruction(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// Creates the network for the data-credits configuration `dc_config`, governed by `authority`.
pub fn initialize_network(payer: &Pubkey, authority: &Pubkey, dc_config: &Pubkey, args: NetworkArgs) -> Instruction {
    instruction(
        program_accounts::InitializeNetwork {
            payer: *payer,
            authority: *authority,
            network: network_address(dc_config),
            dc_config: *dc_config,
            system_program: anchor_lang::system_program::ID,
        },
        program_instruction::InitializeNetwork { args },
    )
}

/// Changes the network's fees and metadata URI.
pub fn update_network(network: &Pubkey, authority: &Pubkey, args: NetworkArgs) -> Instruction {
    instruction(program_accounts::UpdateNetwork { network: *network, authority: *authority }, program_instruction::UpdateNetwork { args })
}

/// First step of handing `role` of the network (its authority) to `new_holder`, signed by the
/// authority; the new holder then accepts ([`accept_role`]).
pub fn propose_role(network: &Pubkey, authority: &Pubkey, role: Role, new_holder: Pubkey) -> Instruction {
    instruction(program_accounts::ProposeRole { network: *network, authority: *authority }, program_instruction::ProposeRole { role, new_holder })
}

/// Second step: the proposed holder takes `role`.
pub fn accept_role(network: &Pubkey, new_holder: &Pubkey, role: Role) -> Instruction {
    instruction(program_accounts::AcceptRole { network: *network, new_holder: *new_holder }, program_instruction::AcceptRole { role })
}

/// The authority withdraws a pending hand-over of `role`.
pub fn cancel_role(network: &Pubkey, authority: &Pubkey, role: Role) -> Instruction {
    instruction(program_accounts::CancelRole { network: *network, authority: *authority }, program_instruction::CancelRole { role })
}

/// Makes `merkle_tree` (a Bubblegum tree whose delegate is the network) the one devices are
/// issued into.
pub fn set_active_tree(network: &Pubkey, authority: &Pubkey, merkle_tree: &Pubkey, tree_config: &Pubkey) -> Instruction {
    instruction(
        program_accounts::SetActiveTree { network: *network, authority: *authority, merkle_tree: *merkle_tree, tree_config: *tree_config },
        program_instruction::SetActiveTree {},
    )
}

/// Creates the Bubblegum tree `tree` of `depth` levels, a changelog of `buffer` entries and the
/// top `canopy` levels stored on chain (each canopy level saves every proof a node, and costs
/// rent): the account allocated for account compression with `lamports` (its rent exemption for
/// [`tree_account_size`](crate::ownership::tree_account_size)), then Bubblegum's tree config.
/// `tree` and `creator` sign; the creator then hands it to a network with [`hand_tree_to_network`].
pub fn create_tree(payer: &Pubkey, creator: &Pubkey, tree: &Pubkey, (depth, buffer, canopy): (u32, u32, u32), lamports: u64) -> [Instruction; 2] {
    let size = crate::ownership::tree_account_size(depth, buffer, canopy) as u64;
    let allocate = anchor_lang::solana_program::system_instruction::create_account(payer, tree, lamports, size, &SPL_ACCOUNT_COMPRESSION_ID);
    let create = mpl_bubblegum::instructions::CreateTreeConfigBuilder::new()
        .tree_config(tree_config_address(tree))
        .merkle_tree(*tree)
        .payer(*payer)
        .tree_creator(*creator)
        .log_wrapper(SPL_NOOP_ID)
        .compression_program(SPL_ACCOUNT_COMPRESSION_ID)
        .max_depth(depth)
        .max_buffer_size(buffer)
        .public(false)
        .instruction();
    [allocate, create]
}

/// Makes the network the delegate of Bubblegum tree `tree` (its creator signs) and the tree the
/// one devices are issued into (the network's authority signs).
pub fn hand_tree_to_network(network: &Pubkey, authority: &Pubkey, creator: &Pubkey, tree: &Pubkey) -> [Instruction; 2] {
    let tree_config = tree_config_address(tree);
    let delegate = mpl_bubblegum::instructions::SetTreeDelegateBuilder::new()
        .tree_config(tree_config)
        .tree_creator(*creator)
        .new_tree_delegate(*network)
        .merkle_tree(*tree)
        .instruction();
    [delegate, set_active_tree(network, authority, tree, &tree_config)]
}

/// Bubblegum's `transfer` of a device cNFT from the owner `ownership` proves (who signs) to
/// `to`: the device's rewards and the right to claim them go with it.
pub fn transfer_device(ownership: &DeviceOwnership, to: &Pubkey) -> Instruction {
    let device = &ownership.device;
    let nodes: Vec<_> = ownership.node_accounts().collect();
    mpl_bubblegum::instructions::TransferBuilder::new()
        .tree_config(tree_config_address(&device.tree))
        .leaf_owner(ownership.owner, true)
        .leaf_delegate(ownership.proof.delegate.unwrap_or(ownership.owner), false)
        .new_leaf_owner(*to)
        .merkle_tree(device.tree)
        .log_wrapper(SPL_NOOP_ID)
        .compression_program(SPL_ACCOUNT_COMPRESSION_ID)
        .system_program(anchor_lang::system_program::ID)
        .root(ownership.proof.root)
        .data_hash(device.data_hash)
        .creator_hash(device.creator_hash)
        .nonce(device.leaf_nonce)
        // A V1 tree's leaf index is its nonce, which the registry checks fits the tree.
        .index(device.leaf_nonce as u32)
        .add_remaining_accounts(&nodes)
        .instruction()
}

/// Approves maker `args.id` (or updates its attestation key and quota).
pub fn approve_maker(payer: &Pubkey, network: &Pubkey, authority: &Pubkey, args: MakerArgs) -> Instruction {
    instruction(
        program_accounts::ApproveMaker {
            payer: *payer,
            network: *network,
            authority: *authority,
            maker: maker_address(network, &args.id),
            system_program: anchor_lang::system_program::ID,
        },
        program_instruction::ApproveMaker { args },
    )
}

/// Revokes maker `id`: it issues no more devices.
pub fn revoke_maker(network: &Pubkey, authority: &Pubkey, id: &Pubkey) -> Instruction {
    instruction(
        program_accounts::RevokeMaker { network: *network, authority: *authority, maker: maker_address(network, id) },
        program_instruction::RevokeMaker {},
    )
}

/// Deactivates (a spoofer, say) or reactivates the device whose hardware key is `device_key`.
pub fn set_device_status(network: &Pubkey, authority: &Pubkey, device_key: &Pubkey, status: DeviceStatus) -> Instruction {
    instruction(
        program_accounts::SetDeviceStatus { network: *network, authority: *authority, device: device_address(network, device_key) },
        program_instruction::SetDeviceStatus { status },
    )
}

/// Where a DC fee is burned: the network's data-credits configuration and DC mint (from its
/// [`NetworkConfig`]) and the data-credits epoch the burn counts in, the current one
/// (`DataCreditsConfig::epoch_at(now)`). The DC come from the fee payer's associated DC account.
#[derive(Clone, Copy, Debug)]
pub struct DcFee {
    /// The network's data-credits configuration (`NetworkConfig::dc_config`).
    pub dc_config: Pubkey,
    /// Its DC mint (`NetworkConfig::dc_mint`).
    pub dc_mint: Pubkey,
    /// The data-credits epoch now.
    pub epoch: u64,
}

impl DcFee {
    fn accounts(&self, dc_owner: &Pubkey) -> program_accounts::DcFee {
        program_accounts::DcFee {
            dc_config: self.dc_config,
            dc_mint: self.dc_mint,
            dc_source: crate::data_credits::dc_account_address(dc_owner, &self.dc_mint),
            epoch_burns: crate::data_credits::epoch_burns_address(&self.dc_config, self.epoch),
            token_program: anchor_spl::token_2022::ID,
            data_credits_program: data_credits::ID,
        }
    }
}

/// The two signatures a device is issued under: the device's hardware key and the maker's
/// attestation key, each over [`OnboardingMessage::digest`], as (public key, signature).
pub type OnboardingSignatures = [([u8; 32], [u8; 64]); 2];

/// `key`'s entry of [`OnboardingSignatures`]: its public key and its signature over the
/// message's digest (what a device's firmware and a maker's attestation service each produce).
pub fn sign_onboarding(message: &OnboardingMessage, key: &ed25519_dalek::SigningKey) -> ([u8; 32], [u8; 64]) {
    use ed25519_dalek::Signer as _;
    (key.verifying_key().to_bytes(), key.sign(&message.digest()).to_bytes())
}

/// Issues the device `args.device_key` to `owner` as a cNFT in the network's active tree: the
/// Ed25519 precompile check of both signatures, then `issue_device`, which must follow it
/// directly. The onboarding fee is burned from `payer`'s DC.
#[expect(clippy::too_many_arguments, reason = "one parameter per party and input of the instruction, as the program names them")]
pub fn issue_device(
    payer: &Pubkey,
    network: &Pubkey,
    network_config: &NetworkConfig,
    maker_id: &Pubkey,
    owner: &Pubkey,
    args: IssueDeviceArgs,
    signatures: &OnboardingSignatures,
    fee: DcFee,
) -> [Instruction; 2] {
    let message = OnboardingMessage {
        network: *network,
        device_key: args.device_key,
        owner: *owner,
        kind: args.kind,
        maker: maker_address(network, maker_id),
        nonce: args.nonce,
    };
    let check = fieldproof_ed25519::signatures_instruction(&message.digest(), signatures);
    let issue = instruction(
        program_accounts::IssueDevice {
            payer: *payer,
            network: *network,
            maker: message.maker,
            device: device_address(network, &args.device_key),
            owner: *owner,
            tree_config: tree_config_address(&network_config.active_tree),
            merkle_tree: network_config.active_tree,
            bubblegum_program: BUBBLEGUM_ID,
            log_wrapper: SPL_NOOP_ID,
            compression_program: SPL_ACCOUNT_COMPRESSION_ID,
            instructions: solana_sdk_ids::sysvar::instructions::ID,
            fee: fee.accounts(payer),
            system_program: anchor_lang::system_program::ID,
        },
        program_instruction::IssueDevice { args },
    );
    [check, issue]
}

/// The device cNFT's current `owner` asserts where `device` stands. `proof_nodes` are the
/// siblings of the device's leaf from the bottom up, without the levels the tree's canopy holds
/// (an indexer of the tree serves them); `args.ownership.root` is a root of the tree they lead
/// to. The location fee is burned from `owner`'s DC.
pub fn assert_location(payer: &Pubkey, owner: &Pubkey, device: &DeviceInfo, args: AssertLocationArgs, proof_nodes: &[[u8; 32]], fee: DcFee) -> Instruction {
    let mut ix = instruction(
        program_accounts::AssertLocation {
            payer: *payer,
            owner: *owner,
            network: device.network,
            device: device_address(&device.network, &device.device_key),
            merkle_tree: device.tree,
            compression_program: SPL_ACCOUNT_COMPRESSION_ID,
            fee: fee.accounts(owner),
            system_program: anchor_lang::system_program::ID,
        },
        program_instruction::AssertLocation { args },
    );
    ix.accounts.extend(
        proof_nodes.iter().map(|node| anchor_lang::solana_program::instruction::AccountMeta::new_readonly(Pubkey::new_from_array(*node), false)),
    );
    ix
}
