use anchor_lang::prelude::*;
use fieldproof_ed25519::{Ed25519Error, VerifiedSignatures};
use mpl_bubblegum::hash::{hash_creators, hash_metadata};
use mpl_bubblegum::instructions::MintV1CpiBuilder;
use mpl_bubblegum::utils::get_asset_id;

use crate::bubblegum::{device_metadata, read_tree_config, SPL_NOOP_ID};
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
#[derive(Accounts)]
#[instruction(args: IssueDeviceArgs)]
pub struct IssueDevice<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// Checked for an active tree before `merkle_tree` is: a network without one has only the
    /// default key as its tree, which no transaction can pass as writable.
    #[account(
        mut,
        seeds = [NETWORK_SEED, network.dc_config.as_ref()],
        bump = network.bump,
        constraint = network.active_tree != Pubkey::default() @ RegistryError::NoActiveTree,
    )]
    pub network: Box<Account<'info, NetworkConfig>>,
    #[account(
        mut,
        seeds = [MAKER_SEED, network.key().as_ref(), maker.id.as_ref()],
        bump = maker.bump,
        has_one = network,
    )]
    pub maker: Box<Account<'info, Maker>>,
    /// Created here; `init_if_needed` only so that a second registration of the same device key
    /// fails with a named error instead of the system program's.
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + DeviceInfo::INIT_SPACE,
        seeds = [DEVICE_SEED, network.key().as_ref(), &device_key_hash(&args.device_key)],
        bump,
    )]
    pub device: Box<Account<'info, DeviceInfo>>,
    /// CHECK: receives the cNFT; bound by the signed onboarding message.
    pub owner: UncheckedAccount<'info>,
    /// CHECK: Bubblegum's tree config of the active tree, checked when read and by Bubblegum.
    #[account(mut)]
    pub tree_config: UncheckedAccount<'info>,
    /// CHECK: must be the network's active tree; Bubblegum and account compression check it.
    #[account(mut, address = network.active_tree @ RegistryError::NotActiveTree)]
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
    let device = &ctx.accounts.device;
    require_keys_eq!(device.network, Pubkey::default(), RegistryError::DeviceAlreadyRegistered);
    let maker = &ctx.accounts.maker;
    require!(maker.approved, RegistryError::MakerRevoked);
    require!(maker.issued < maker.quota, RegistryError::QuotaExhausted);

    let digest = OnboardingMessage {
        network: network_key,
        device_key: args.device_key,
        owner: ctx.accounts.owner.key(),
        kind: args.kind,
        maker: maker.key(),
        nonce: args.nonce,
    }
    .digest();
    let signatures = VerifiedSignatures::from_preceding_instruction(&ctx.accounts.instructions.to_account_info())
        .map_err(signature_error)?;
    let signed_by = |key: &Pubkey| signatures.iter().any(|s| s.signer == &key.to_bytes() && s.message == digest);
    require!(signed_by(&args.device_key), RegistryError::MissingDeviceSignature);
    require!(signed_by(&maker.attestation_key), RegistryError::MissingMakerSignature);

    let network = &ctx.accounts.network;
    ctx.accounts.fee.burn(
        network,
        &ctx.accounts.payer.to_account_info(),
        &ctx.accounts.payer.to_account_info(),
        &ctx.accounts.system_program.to_account_info(),
        network.onboarding_fee,
    )?;

    // The asset id is Bubblegum's PDA of (tree, nonce) and the nonce is the tree's mint count
    // before this mint, so it is known before the CPI.
    let tree = ctx.accounts.merkle_tree.key();
    let leaf_nonce = read_tree_config(&ctx.accounts.tree_config.to_account_info(), &tree)?.num_minted;
    let metadata = device_metadata(args.kind, &network.metadata_uri);
    let data_hash = hash_metadata(&metadata)?;
    let creator_hash = hash_creators(&metadata.creators);
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

    let now = Clock::get()?.unix_timestamp;
    let asset = get_asset_id(&tree, leaf_nonce);
    let device = &mut ctx.accounts.device;
    device.set_inner(DeviceInfo {
        network: network_key,
        device_key: args.device_key,
        asset,
        tree,
        leaf_nonce,
        data_hash,
        creator_hash,
        maker: ctx.accounts.maker.key(),
        kind: args.kind,
        status: DeviceStatus::Active,
        location: Location::default(),
        location_asserts: 0,
        last_location_assert_at: 0,
        onboarding_nonce: args.nonce,
        issued_at: now,
        bump: ctx.bumps.device,
    });
    let maker = &mut ctx.accounts.maker;
    maker.issued = maker.issued.checked_add(1).ok_or(RegistryError::ArithmeticOverflow)?;
    let network = &mut ctx.accounts.network;
    network.devices_issued = network.devices_issued.checked_add(1).ok_or(RegistryError::ArithmeticOverflow)?;
    emit!(DeviceIssued {
        network: network_key,
        device: ctx.accounts.device.key(),
        device_key: args.device_key,
        asset,
        tree,
        leaf_nonce,
        owner: ctx.accounts.owner.key(),
        maker: ctx.accounts.maker.key(),
        kind: args.kind,
        fee: network.onboarding_fee,
    });
    Ok(())
}
