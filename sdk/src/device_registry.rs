//! The device-registry program: addresses, the instruction builders of the network's
//! administration (network, authority, makers, trees, device status), and the query that lists
//! a network's devices (see the crate docs on drift). Issuing devices and asserting locations
//! take Bubblegum accounts and an ownership proof; their builders come with the claim binding.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{Discriminator, InstructionData, ToAccountMetas};
use device_registry::accounts as program_accounts;
use device_registry::instruction as program_instruction;
pub use device_registry::state::{DEVICE_SEED, MAKER_SEED, NETWORK_SEED};

pub use device_registry::instructions::{MakerArgs, NetworkArgs};
pub use device_registry::state::{device_key_hash, DeviceInfo, DeviceKind, DeviceStatus, Location, Maker, NetworkConfig};
pub use device_registry::ID;

use crate::AccountFilter;

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

/// First step of handing the network to `new_authority`.
pub fn propose_authority(network: &Pubkey, authority: &Pubkey, new_authority: Pubkey) -> Instruction {
    instruction(program_accounts::ProposeAuthority { network: *network, authority: *authority }, program_instruction::ProposeAuthority { new_authority })
}

/// Second step: the proposed authority takes the network.
pub fn accept_authority(network: &Pubkey, new_authority: &Pubkey) -> Instruction {
    instruction(program_accounts::AcceptAuthority { network: *network, new_authority: *new_authority }, program_instruction::AcceptAuthority {})
}

/// Makes `merkle_tree` (a Bubblegum tree whose delegate is the network) the one devices are
/// issued into.
pub fn set_active_tree(network: &Pubkey, authority: &Pubkey, merkle_tree: &Pubkey, tree_config: &Pubkey) -> Instruction {
    instruction(
        program_accounts::SetActiveTree { network: *network, authority: *authority, merkle_tree: *merkle_tree, tree_config: *tree_config },
        program_instruction::SetActiveTree {},
    )
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
