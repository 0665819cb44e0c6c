use anchor_lang::prelude::*;
use fieldproof_ed25519::{Ed25519Error, VerifiedSignatures};
use mpl_bubblegum::instructions::MintV1CpiBuilder;

use crate::bubblegum::{asset_id, device_metadata, read_any_tree_config, DEVICE_CREATOR_HASH, SPL_NOOP_ID};
use crate::errors::RegistryError;
use crate::events::DeviceIssued;
use crate::fees::*;
use crate::onboarding::OnboardingMessage;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct IssueDeviceArgs {
    pub device_key: Pubkey,
    pub kind: DeviceKind,
    /// Chosen by the signers; part of the signed message and kept in the device's account.
    pub nonce: u64,
}

/// Issues a device: the instruction just before this one must be an Ed25519 precompile check
/// holding the device key's and the maker's attestation key's signatures over the onboarding
/// digest. Mints the device cNFT to `owner` and burns the onboarding fee from the payer's DC.
///
/// Every device of the network goes through here, so the accounts that need no decoding stay
/// undecoded: the network and the maker are read in place (the maker's count alone is written
/// back), the device account is created by the handler (at the canonical address of its key,
/// found for a fraction of Anchor's price), the fee accounts are data-credits' to check, and
/// the tree config is Bubblegum's (docs/compute-units.md).
#[derive(Accounts)]
pub struct IssueDevice<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: read in place ([`NetworkHead`]), without re-deriving its address: network configs
    /// are created only by `initialize_network`, at their address, so an account of this program
    /// with a network's discriminator is a network. Checked for an active tree before
    /// `merkle_tree` is: a network without one has only the default key as its tree, which no
    /// transaction can pass as writable. (One that is not a network passes here, and the
    /// handler's read names why.)
    #[account(constraint = NetworkHead::active_tree(&network) != Some(Pubkey::default()) @ RegistryError::NoActiveTree)]
    pub network: UncheckedAccount<'info>,
    /// CHECK: read in place ([`Maker::read`]) and bound to the network; makers are created only
    /// by `approve_maker`, at their address.
    #[account(mut)]
    pub maker: UncheckedAccount<'info>,
    /// CHECK: the device's account, [DEVICE_SEED, network, sha256(device key)] at its canonical
    /// bump, created by the handler; a device key already registered is refused by name.
    #[account(mut)]
    pub device: UncheckedAccount<'info>,
    /// CHECK: receives the cNFT; bound by the signed onboarding message.
    pub owner: UncheckedAccount<'info>,
    /// CHECK: Bubblegum's tree config of the active tree: read (owner, discriminator) for its
    /// mint count; Bubblegum checks that it is the tree's in the mint.
    #[account(mut)]
    pub tree_config: UncheckedAccount<'info>,
    /// CHECK: must be the network's active tree (checked by the handler); Bubblegum and account
    /// compression check the rest.
    #[account(mut)]
    pub merkle_tree: UncheckedAccount<'info>,
    /// CHECK: checked by address.
    #[account(address = mpl_bubblegum::ID)]
    pub bubblegum_program: UncheckedAccount<'info>,
    /// CHECK: checked by address.
    #[account(address = SPL_NOOP_ID)]
    pub log_wrapper: UncheckedAccount<'info>,
    /// CHECK: Bubblegum checks it is the compression program of its trees.
    pub compression_program: UncheckedAccount<'info>,
    /// CHECK: the instructions sysvar, checked by address.
    #[account(address = solana_sdk_ids::sysvar::instructions::ID)]
    pub instructions: UncheckedAccount<'info>,
    pub fee: DcFee<'info>,
    pub system_program: Program<'info, System>,
}

fn signature_error(e: Ed25519Error) -> Error {
    match e {
        Ed25519Error::NoPrecedingInstruction | Ed25519Error::NotEd25519Program => RegistryError::MissingSignatures.into(),
        Ed25519Error::MalformedData => RegistryError::MalformedSignatureInstruction.into(),
        Ed25519Error::Sysvar(e) => e.into(),
    }
}

pub fn handler(ctx: Context<IssueDevice>, args: IssueDeviceArgs) -> Result<()> {
    let network_key = ctx.accounts.network.key();
    let (network, metadata_uri) = NetworkHead::read(&ctx.accounts.network)?;
    require_keys_eq!(ctx.accounts.merkle_tree.key(), network.active_tree, RegistryError::NotActiveTree);
    let maker_info = ctx.accounts.maker.to_account_info();
    let maker = Maker::read(&maker_info)?;
    require_keys_eq!(maker.network, network_key, ErrorCode::ConstraintHasOne);
    let device_info = ctx.accounts.device.to_account_info();
    // Only this instruction creates device accounts, always at the canonical address: an
    // account of this program there is the key's earlier registration.
    require_keys_neq!(*device_info.owner, crate::ID, RegistryError::DeviceAlreadyRegistered);
    let key_hash = device_key_hash(&args.device_key);
    let (address, device_bump) = fieldproof_pda::find_program_address(&[DEVICE_SEED, network_key.as_ref(), &key_hash], &crate::ID)
        .ok_or(RegistryError::WrongDeviceAddress)?;
    require_keys_eq!(device_info.key(), address, RegistryError::WrongDeviceAddress);
    require!(maker.approved, RegistryError::MakerRevoked);
    require!(maker.issued < maker.quota, RegistryError::QuotaExhausted);

    let digest = OnboardingMessage {
        network: network_key,
        device_key: args.device_key,
        owner: ctx.accounts.owner.key(),
        kind: args.kind,
        maker: maker_info.key(),
        nonce: args.nonce,
    }
    .digest();
    let signatures = VerifiedSignatures::from_preceding_instruction(&ctx.accounts.instructions.to_account_info())
        .map_err(signature_error)?;
    let signed_by = |key: &Pubkey| signatures.iter().any(|s| s.signer == &key.to_bytes() && s.message == digest);
    require!(signed_by(&args.device_key), RegistryError::MissingDeviceSignature);
    require!(signed_by(&maker.attestation_key), RegistryError::MissingMakerSignature);

    ctx.accounts.fee.burn(
        &network,
        &ctx.accounts.payer.to_account_info(),
        &ctx.accounts.payer.to_account_info(),
        &ctx.accounts.system_program.to_account_info(),
        network.onboarding_fee,
    )?;

    // The asset id is Bubblegum's PDA of (tree, nonce) and the nonce is the tree's mint count
    // before this mint, so it is known before the CPI.
    let tree = ctx.accounts.merkle_tree.key();
    let leaf_nonce = read_any_tree_config(&ctx.accounts.tree_config.to_account_info())?.num_minted;
    let metadata = device_metadata(args.kind, &metadata_uri);
    let seeds: &[&[u8]] = &[NETWORK_SEED, network.dc_config.as_ref(), &[network.bump]];
    MintV1CpiBuilder::new(&ctx.accounts.bubblegum_program.to_account_info())
        .tree_config(&ctx.accounts.tree_config.to_account_info())
        .leaf_owner(&ctx.accounts.owner.to_account_info())
        .leaf_delegate(&ctx.accounts.owner.to_account_info())
        .merkle_tree(&ctx.accounts.merkle_tree.to_account_info())
        .payer(&ctx.accounts.payer.to_account_info())
        .tree_creator_or_delegate(&ctx.accounts.network.to_account_info())
        .log_wrapper(&ctx.accounts.log_wrapper.to_account_info())
        .compression_program(&ctx.accounts.compression_program.to_account_info())
        .system_program(&ctx.accounts.system_program.to_account_info())
        .metadata(metadata)
        .invoke_signed(&[seeds])?;

    let device_seeds: &[&[u8]] = &[DEVICE_SEED, network_key.as_ref(), &key_hash, &[device_bump]];
    fieldproof_pda::create_account(
        &ctx.accounts.payer.to_account_info(),
        &device_info,
        &ctx.accounts.system_program.to_account_info(),
        device_seeds,
        8 + DeviceInfo::INIT_SPACE,
        &crate::ID,
    )?;
    // No real seeds leave every bump on the curve; the error only keeps the search total.
    let asset = asset_id(&tree, leaf_nonce).ok_or(RegistryError::ArithmeticOverflow)?;
    let device = DeviceInfo {
        network: network_key,
        device_key: args.device_key,
        asset,
        tree,
        leaf_nonce,
        data_hash: network.device_data_hash(args.kind),
        creator_hash: DEVICE_CREATOR_HASH,
        maker: maker_info.key(),
        kind: args.kind,
        status: DeviceStatus::Active,
        location: Location::default(),
        location_asserts: 0,
        last_location_assert_at: 0,
        onboarding_nonce: args.nonce,
        issued_at: Clock::get()?.unix_timestamp,
        bump: device_bump,
    };
    device.try_serialize(&mut &mut device_info.try_borrow_mut_data()?[..])?;
    Maker::write_issued(&maker_info, maker.issued.checked_add(1).ok_or(RegistryError::ArithmeticOverflow)?)?;
    emit!(DeviceIssued {
        network: network_key,
        device: address,
        device_key: args.device_key,
        asset,
        tree,
        leaf_nonce,
        owner: ctx.accounts.owner.key(),
        maker: maker_info.key(),
        kind: args.kind,
        fee: network.onboarding_fee,
    });
    Ok(())
}
