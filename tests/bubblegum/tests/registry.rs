//! device-registry against real Bubblegum and account compression: issuance under on-chain
//! device and maker attestation, its rejections, location asserts by the current cNFT owner.
use anchor_lang::prelude::Pubkey;
use device_registry::errors::RegistryError;
use device_registry::state::{DeviceInfo, DeviceKind, DeviceStatus, Maker, NetworkConfig};
use ed25519_dalek::SigningKey;
use fieldproof_bubblegum_tests::registry::*;
use device_registry::instructions::AssertLocationArgs;
use fieldproof_tests::assert_program_error;
use fieldproof_tests::bank::{anchor_ix, with_account};
use fieldproof_tests::oracles::naming_instruction;
use fieldproof_tests::tokens::SPL_TOKEN;
use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Depth 5, buffer 8, canopy 2: small and fast, and proofs still rely on the canopy.
async fn registry() -> Registry {
    Registry::new(5, 8, 2).await
}

/// account compression's ConcurrentMerkleTreeError: the leaf is not in the tree at that root.
const LEAF_NOT_IN_TREE: u32 = 6000 + spl_account_compression::error::AccountCompressionError::ConcurrentMerkleTreeError as u32;

fn new_device_key() -> (SigningKey, Pubkey) {
    let key = SigningKey::from_bytes(Keypair::new().secret_bytes());
    let pubkey = Pubkey::new_from_array(key.verifying_key().to_bytes());
    (key, pubkey)
}

/// What an issuance changes: nothing of it may move on a rejection.
#[derive(Debug, PartialEq, Eq)]
struct IssueState {
    device_exists: bool,
    root: [u8; 32],
    payer_dc: u64,
    maker_issued: u64,
}

async fn issue_state(r: &mut Registry, device_key: &Pubkey) -> IssueState {
    let payer = r.bank.payer().pubkey();
    let device = device_pda(&r.network, device_key);
    let maker: Maker = r.bank.account(r.maker).await;
    IssueState {
        device_exists: r.bank.exists(device).await,
        root: r.onchain_root().await,
        payer_dc: r.dc_balance(&payer).await,
        maker_issued: maker.issued,
    }
}

#[tokio::test]
async fn issue_mints_the_device_cnft_to_its_owner_and_burns_the_fee() {
    let mut r = registry().await;
    let owner = Pubkey::new_unique();
    let device = r.issue(&owner).await;

    let info = &device.info;
    assert_eq!(info.device_key, device.pubkey());
    assert_eq!(info.asset, mpl_bubblegum::utils::get_asset_id(&r.tree, 0));
    assert_eq!((info.tree, info.leaf_nonce, info.maker), (r.tree, 0, r.maker));
    assert_eq!((info.kind, info.status), (DeviceKind::Hotspot, DeviceStatus::Active));
    // Bubblegum's leaf is exactly the one the registry proves ownership with.
    assert_eq!(r.onchain_root().await, r.device_tree.root());
    let payer = r.bank.payer().pubkey();
    assert_eq!(r.dc_balance(&payer).await, 0);
    let maker: Maker = r.bank.account(r.maker).await;
    assert_eq!(maker.issued, 1);

    let second = r.issue(&owner).await;
    assert_eq!(second.info.leaf_nonce, 1);
    assert_eq!(second.info.asset, mpl_bubblegum::utils::get_asset_id(&r.tree, 1));
    assert_eq!(r.onchain_root().await, r.device_tree.root());
}

#[tokio::test]
async fn issue_with_a_forged_device_signature_is_refused() {
    let mut r = registry().await;
    let payer = r.bank.payer().pubkey();
    r.give_dc(&payer, ONBOARDING_FEE).await;
    let (_, device) = new_device_key();
    let (forger, _) = new_device_key();
    let before = issue_state(&mut r, &device).await;
    let maker_key = r.maker_key.clone();
    let ixs = r.issue_ixs(&payer, &device, &Pubkey::new_unique(), DeviceKind::Hotspot, 1, [&forger, &maker_key]);
    assert_program_error(r.bank.send(&ixs, &[]).await, RegistryError::MissingDeviceSignature);
    assert_eq!(issue_state(&mut r, &device).await, before);
}

#[tokio::test]
async fn issue_with_a_forged_maker_signature_is_refused() {
    let mut r = registry().await;
    let payer = r.bank.payer().pubkey();
    r.give_dc(&payer, ONBOARDING_FEE).await;
    let (device_key, device) = new_device_key();
    let (forger, _) = new_device_key();
    let before = issue_state(&mut r, &device).await;
    let ixs = r.issue_ixs(&payer, &device, &Pubkey::new_unique(), DeviceKind::Mapper, 1, [&device_key, &forger]);
    assert_program_error(r.bank.send(&ixs, &[]).await, RegistryError::MissingMakerSignature);
    assert_eq!(issue_state(&mut r, &device).await, before);
}

#[tokio::test]
async fn a_weak_device_key_is_never_registered() {
    use ed25519_dalek::{Signature, Signer as _, Verifier as _, VerifyingKey};
    let mut r = registry().await;
    let payer = r.bank.payer().pubkey();
    r.give_dc(&payer, ONBOARDING_FEE).await;
    // The identity point: a key of small order, whose signatures anyone forges. (R, s) = (the
    // identity, 0) passes plain verification of any message under it.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let device = Pubkey::new_from_array(identity);
    let owner = Pubkey::new_unique();
    let digest = r.onboarding_digest(&device, &owner, DeviceKind::Hotspot, 1);
    let mut forged = [0u8; 64];
    forged[..32].copy_from_slice(&identity);
    let weak = VerifyingKey::from_bytes(&identity).unwrap();
    let signature = Signature::from_bytes(&forged);
    assert!(weak.verify(&digest, &signature).is_ok(), "a laptop forges it");
    assert!(weak.verify_strict(&digest, &signature).is_err());

    let before = issue_state(&mut r, &device).await;
    let maker_signature = (r.maker_key.verifying_key().to_bytes(), r.maker_key.sign(&digest).to_bytes());
    let check = fieldproof_ed25519::signatures_instruction(&digest, &[(identity, forged), maker_signature]);
    let mut ixs = r.issue_ixs(&payer, &device, &owner, DeviceKind::Hotspot, 1, [&r.maker_key.clone(), &r.maker_key.clone()]);
    ixs[0] = check;
    // The cluster's Ed25519 precompile verifies strictly: the transaction fails there (index 1,
    // after the harness's compute-budget instruction), before the registry runs.
    match r.bank.send(&ixs, &[]).await {
        Err(solana_transaction_error::TransactionError::InstructionError(1, _)) => {}
        other => panic!("a weak key's forged signature was not refused by the precompile: {other:?}"),
    }
    assert_eq!(issue_state(&mut r, &device).await, before);
}

#[tokio::test]
async fn signatures_over_another_owner_are_refused() {
    let mut r = registry().await;
    let payer = r.bank.payer().pubkey();
    r.give_dc(&payer, ONBOARDING_FEE).await;
    let (device_key, device) = new_device_key();
    let maker_key = r.maker_key.clone();
    let before = issue_state(&mut r, &device).await;
    // Signed for one owner, submitted for another: the digest differs.
    let mut ixs = r.issue_ixs(&payer, &device, &Pubkey::new_unique(), DeviceKind::Hotspot, 1, [&device_key, &maker_key]);
    let other = r.issue_ixs(&payer, &device, &Pubkey::new_unique(), DeviceKind::Hotspot, 1, [&device_key, &maker_key]);
    ixs[1] = other[1].clone();
    assert_program_error(r.bank.send(&ixs, &[]).await, RegistryError::MissingDeviceSignature);
    assert_eq!(issue_state(&mut r, &device).await, before);
}

#[tokio::test]
async fn a_revoked_maker_issues_nothing() {
    let mut r = registry().await;
    r.revoke_maker().await.expect("revoke");
    let payer = r.bank.payer().pubkey();
    r.give_dc(&payer, ONBOARDING_FEE).await;
    let (device_key, device) = new_device_key();
    let maker_key = r.maker_key.clone();
    let before = issue_state(&mut r, &device).await;
    let ixs = r.issue_ixs(&payer, &device, &Pubkey::new_unique(), DeviceKind::Hotspot, 1, [&device_key, &maker_key]);
    assert_program_error(r.bank.send(&ixs, &[]).await, RegistryError::MakerRevoked);
    assert_eq!(issue_state(&mut r, &device).await, before);

    // Re-approval reinstates the maker.
    let key = r.maker_attestation_key();
    r.approve_maker(key, 100).await.expect("re-approve");
    r.bank.send(&ixs, &[]).await.expect("issue after re-approval");
}

#[tokio::test]
async fn issuance_stops_at_the_quota() {
    let mut r = registry().await;
    let key = r.maker_attestation_key();
    r.approve_maker(key, 1).await.expect("quota 1");
    r.issue(&Pubkey::new_unique()).await;
    let payer = r.bank.payer().pubkey();
    r.give_dc(&payer, ONBOARDING_FEE).await;
    let (device_key, device) = new_device_key();
    let maker_key = r.maker_key.clone();
    let before = issue_state(&mut r, &device).await;
    let ixs = r.issue_ixs(&payer, &device, &Pubkey::new_unique(), DeviceKind::Hotspot, 1, [&device_key, &maker_key]);
    assert_program_error(r.bank.send(&ixs, &[]).await, RegistryError::QuotaExhausted);
    assert_eq!(issue_state(&mut r, &device).await, before);
}

#[tokio::test]
async fn a_device_key_is_registered_once() {
    let mut r = registry().await;
    let device = r.issue(&Pubkey::new_unique()).await;
    let payer = r.bank.payer().pubkey();
    r.give_dc(&payer, ONBOARDING_FEE).await;
    let maker_key = r.maker_key.clone();
    let before = issue_state(&mut r, &device.pubkey()).await;
    let ixs = r.issue_ixs(&payer, &device.pubkey(), &Pubkey::new_unique(), DeviceKind::Hotspot, 2, [&device.key, &maker_key]);
    assert_program_error(r.bank.send(&ixs, &[]).await, RegistryError::DeviceAlreadyRegistered);
    assert_eq!(issue_state(&mut r, &device.pubkey()).await, before);
    let info: DeviceInfo = r.bank.account(device.account).await;
    assert_eq!(info.onboarding_nonce, 1);
}

#[tokio::test]
async fn issue_without_enough_dc_is_refused() {
    let mut r = registry().await;
    let payer = r.bank.payer().pubkey();
    r.give_dc(&payer, ONBOARDING_FEE - 1).await;
    let (device_key, device) = new_device_key();
    let maker_key = r.maker_key.clone();
    let before = issue_state(&mut r, &device).await;
    let ixs = r.issue_ixs(&payer, &device, &Pubkey::new_unique(), DeviceKind::Hotspot, 1, [&device_key, &maker_key]);
    assert_program_error(r.bank.send(&ixs, &[]).await, RegistryError::InsufficientDataCredits);
    assert_eq!(issue_state(&mut r, &device).await, before);
}

/// What a location assert changes.
async fn location_state(r: &mut Registry, device: &Pubkey, owner: &Pubkey) -> (u64, u32, u64) {
    let info: DeviceInfo = r.bank.account(*device).await;
    (info.location.h3_cell, info.location_asserts, r.dc_balance(owner).await)
}

#[tokio::test]
async fn the_owner_asserts_a_location_and_pays_in_dc() {
    let mut r = registry().await;
    let owner = Keypair::new();
    let device = r.issue(&owner.pubkey()).await;
    r.give_dc(&owner.pubkey(), LOCATION_FEE).await;
    // depth 5 with a canopy of 2: three proof nodes, the tree holds the rest.
    let proof = r.proof_accounts(&device.info);
    assert_eq!(proof.len(), 3);
    let ix = r.assert_location_ix(&device, &owner.pubkey(), r.ownership(), proof);
    r.bank.send(&[ix], &[&owner]).await.expect("assert location");
    let info: DeviceInfo = r.bank.account(device.account).await;
    assert_eq!((info.location.h3_cell, info.location.elevation, info.location.gain), (H3_CELL, 12, 40));
    assert_eq!(info.location_asserts, 1);
    assert_eq!(r.dc_balance(&owner.pubkey()).await, 0);
}

#[tokio::test]
async fn a_non_owner_cannot_assert_a_location() {
    let mut r = registry().await;
    let owner = Keypair::new();
    let device = r.issue(&owner.pubkey()).await;
    let intruder = Keypair::new();
    r.give_dc(&intruder.pubkey(), LOCATION_FEE).await;
    let before = location_state(&mut r, &device.account, &intruder.pubkey()).await;
    let ix = r.assert_location_ix(&device, &intruder.pubkey(), r.ownership(), r.proof_accounts(&device.info));
    assert_eq!(custom_error(r.bank.send(&[ix], &[&intruder]).await), LEAF_NOT_IN_TREE);
    assert_eq!(location_state(&mut r, &device.account, &intruder.pubkey()).await, before);
}

#[tokio::test]
async fn a_stale_root_does_not_prove_current_ownership() {
    let mut r = registry().await;
    let seller = Keypair::new();
    let buyer = Keypair::new();
    let device = r.issue(&seller.pubkey()).await;
    let stale_ownership = r.ownership();
    let stale_proof = r.proof_accounts(&device.info);
    r.transfer(&device, &seller, &buyer.pubkey()).await;
    r.give_dc(&seller.pubkey(), LOCATION_FEE).await;
    r.give_dc(&buyer.pubkey(), LOCATION_FEE).await;

    // The seller's proof was valid at the old root, which is still in the changelog buffer:
    // account compression replays the transfer over it and refuses the old leaf. (A root the
    // tree never had is only a hint to it: the proof is then checked against the current root.)
    let before = location_state(&mut r, &device.account, &seller.pubkey()).await;
    let ix = r.assert_location_ix(&device, &seller.pubkey(), stale_ownership, stale_proof.clone());
    assert_eq!(custom_error(r.bank.send(&[ix], &[&seller]).await), LEAF_NOT_IN_TREE);
    assert_eq!(location_state(&mut r, &device.account, &seller.pubkey()).await, before);
    // The buyer, with the current root, can.
    let ix = r.assert_location_ix(&device, &buyer.pubkey(), r.ownership(), r.proof_accounts(&device.info));
    r.bank.send(&[ix], &[&buyer]).await.expect("buyer asserts");
}

#[tokio::test]
async fn a_wrong_proof_is_refused() {
    let mut r = registry().await;
    let owner = Keypair::new();
    let device = r.issue(&owner.pubkey()).await;
    r.issue(&owner.pubkey()).await;
    r.give_dc(&owner.pubkey(), LOCATION_FEE).await;
    let before = location_state(&mut r, &device.account, &owner.pubkey()).await;
    let mut proof = r.proof_accounts(&device.info);
    proof[0].pubkey = Pubkey::new_unique();
    let ix = r.assert_location_ix(&device, &owner.pubkey(), r.ownership(), proof);
    assert_eq!(custom_error(r.bank.send(&[ix], &[&owner]).await), LEAF_NOT_IN_TREE);
    assert_eq!(location_state(&mut r, &device.account, &owner.pubkey()).await, before);
}

#[tokio::test]
async fn the_authority_deactivates_and_reactivates_a_device() {
    let mut r = registry().await;
    let owner = Keypair::new();
    let device = r.issue(&owner.pubkey()).await;
    let set_status = |authority: Pubkey, status| {
        anchor_ix(
            device_registry::ID,
            device_registry::accounts::SetDeviceStatus { network: r.network, authority, device: device.account },
            device_registry::instruction::SetDeviceStatus { status },
        )
    };
    let intruder = Keypair::new();
    let ix = set_status(intruder.pubkey(), DeviceStatus::Inactive);
    assert_program_error(r.bank.send(&[ix], &[&intruder]).await, RegistryError::NotAuthority);

    let authority = r.authority.insecure_clone();
    let deactivate = set_status(authority.pubkey(), DeviceStatus::Inactive);
    let reactivate = set_status(authority.pubkey(), DeviceStatus::Active);
    r.bank.send(&[deactivate.clone()], &[&authority]).await.expect("deactivate");
    assert_program_error(r.bank.send(&[deactivate], &[&authority]).await, RegistryError::StatusUnchanged);

    r.give_dc(&owner.pubkey(), LOCATION_FEE).await;
    let assert = r.assert_location_ix(&device, &owner.pubkey(), r.ownership(), r.proof_accounts(&device.info));
    assert_program_error(r.bank.send(&[assert.clone()], &[&owner]).await, RegistryError::DeviceInactive);
    assert_eq!(r.dc_balance(&owner.pubkey()).await, LOCATION_FEE);

    r.bank.send(&[reactivate], &[&authority]).await.expect("reactivate");
    r.bank.send(&[assert], &[&owner]).await.expect("assert after reactivation");
}

#[tokio::test]
async fn the_active_tree_must_be_delegated_to_the_network_and_named_with_its_config() {
    let mut r = registry().await;
    let authority = r.authority.insecure_clone();
    let (other_tree, other_config) = create_tree(&mut r.bank, &authority, 5, 8, 2).await;
    let set_active = |tree, tree_config| {
        anchor_ix(
            device_registry::ID,
            device_registry::accounts::SetActiveTree { network: r.network, authority: authority.pubkey(), merkle_tree: tree, tree_config },
            device_registry::instruction::SetActiveTree {},
        )
    };
    // The authority created the tree but never made the network its delegate: the registry
    // could not mint into it.
    assert_program_error(r.bank.send(&[set_active(other_tree, other_config)], &[&authority]).await, RegistryError::NotTreeDelegate);
    // The tree config of another tree.
    assert_program_error(r.bank.send(&[set_active(other_tree, r.tree_config)], &[&authority]).await, RegistryError::WrongTreeConfig);
    let network: NetworkConfig = r.bank.account(r.network).await;
    assert_eq!(network.active_tree, r.tree);
}

#[tokio::test]
async fn issue_refuses_by_name_what_is_not_the_networks_or_not_signed_here() {
    let mut r = registry().await;
    let payer = r.bank.payer().pubkey();
    r.give_dc(&payer, ONBOARDING_FEE).await;
    let (device_key, device) = new_device_key();
    let maker_key = r.maker_key.clone();
    let before = issue_state(&mut r, &device).await;
    let ixs = r.issue_ixs(&payer, &device, &Pubkey::new_unique(), DeviceKind::Hotspot, 1, [&device_key, &maker_key]);
    let (sigs, issue) = (ixs[0].clone(), ixs[1].clone());

    // No precompile instruction before it (the harness's compute-budget instruction is).
    assert_program_error(r.bank.send(&[issue.clone()], &[]).await, RegistryError::MissingSignatures);
    // Signatures the precompile checked over bytes of another instruction: here its own, named
    // by index (1: after the compute-budget instruction) instead of as "this instruction".
    let elsewhere = naming_instruction(sigs.clone(), 1);
    assert_program_error(r.bank.send(&[elsewhere, issue.clone()], &[]).await, RegistryError::MalformedSignatureInstruction);
    // Another tree than the network's active one.
    let authority = r.authority.insecure_clone();
    let (other_tree, _) = create_tree(&mut r.bank, &authority, 5, 8, 2).await;
    let ix = with_account(issue.clone(), r.tree, other_tree);
    assert_program_error(r.bank.send(&[sigs.clone(), ix], &[]).await, RegistryError::NotActiveTree);
    // The fee burned in another network's DC: its config, or its DC mint.
    let (_, other_dc_config, other_dc_mint) = create_dc_config(&mut r.bank, &authority, SPL_TOKEN).await;
    let ix = with_account(issue.clone(), r.dc_config, other_dc_config);
    assert_program_error(r.bank.send(&[sigs.clone(), ix], &[]).await, RegistryError::WrongDcConfig);
    let ix = with_account(issue.clone(), r.dc_mint, other_dc_mint);
    assert_program_error(r.bank.send(&[sigs.clone(), ix], &[]).await, RegistryError::WrongDcMint);
    // The device's account anywhere but at its key's address.
    let ix = with_account(issue.clone(), device_pda(&r.network, &device), Pubkey::new_unique());
    assert_program_error(r.bank.send(&[sigs.clone(), ix], &[]).await, RegistryError::WrongDeviceAddress);
    assert_eq!(issue_state(&mut r, &device).await, before);

    r.bank.send(&[sigs, issue], &[]).await.expect("the same issue, as built");
}

#[tokio::test]
async fn a_network_without_an_active_tree_issues_nothing() {
    let mut r = registry().await;
    let payer = r.bank.payer().pubkey();
    let network = r.network;
    r.bank.modify_account(network, |n: &mut NetworkConfig| n.active_tree = Pubkey::default()).await;
    r.give_dc(&payer, ONBOARDING_FEE).await;
    let (device_key, device) = new_device_key();
    let maker_key = r.maker_key.clone();
    let ixs = r.issue_ixs(&payer, &device, &Pubkey::new_unique(), DeviceKind::Hotspot, 1, [&device_key, &maker_key]);
    // The only tree key such a network accepts is the default one, which no transaction can
    // pass as writable: the network's missing tree is named first.
    let issue = with_account(ixs[1].clone(), r.tree, Pubkey::default());
    assert_program_error(r.bank.send(&[ixs[0].clone(), issue], &[]).await, RegistryError::NoActiveTree);
    assert!(!r.bank.exists(device_pda(&r.network, &device)).await);
}

#[tokio::test]
async fn location_asserts_refuse_impossible_places_and_proofs_by_name() {
    let mut r = registry().await;
    let owner = Keypair::new();
    let device = r.issue(&owner.pubkey()).await;
    r.give_dc(&owner.pubkey(), LOCATION_FEE).await;
    let before = location_state(&mut r, &device.account, &owner.pubkey()).await;
    let at = |h3_cell, elevation, gain| AssertLocationArgs { h3_cell, elevation, gain, ownership: r.ownership() };
    let refused = [
        (at(0, 12, 40), RegistryError::InvalidH3Cell),
        (at(H3_CELL | 1 << 63, 12, 40), RegistryError::InvalidH3Cell),
        (at(H3_CELL, -501, 40), RegistryError::InvalidElevation),
        (at(H3_CELL, 9_001, 40), RegistryError::InvalidElevation),
        (at(H3_CELL, 12, -1), RegistryError::InvalidGain),
        (at(H3_CELL, 12, 151), RegistryError::InvalidGain),
    ];
    for (args, error) in refused {
        let ix = r.assert_location_ix_with(&device, &owner.pubkey(), args, r.proof_accounts(&device.info));
        assert_program_error(r.bank.send(&[ix], &[&owner]).await, error);
    }

    let good = r.assert_location_ix(&device, &owner.pubkey(), r.ownership(), r.proof_accounts(&device.info));
    let authority = r.authority.insecure_clone();
    let (other_tree, _) = create_tree(&mut r.bank, &authority, 5, 8, 2).await;
    let ix = with_account(good.clone(), r.tree, other_tree);
    assert_program_error(r.bank.send(&[ix], &[&owner]).await, RegistryError::WrongTree);
    let ix = with_account(good.clone(), SPL_COMPRESSION, SPL_NOOP);
    assert_program_error(r.bank.send(&[ix], &[&owner]).await, RegistryError::WrongTreeOwner);
    // More proof nodes than the deepest tree has levels (30); one account 31 times keeps the
    // transaction small.
    let nodes = vec![AccountMeta::new_readonly(Pubkey::new_unique(), false); 31];
    let ix = r.assert_location_ix(&device, &owner.pubkey(), r.ownership(), nodes);
    assert_program_error(r.bank.send(&[ix], &[&owner]).await, RegistryError::ProofTooLong);
    assert_eq!(location_state(&mut r, &device.account, &owner.pubkey()).await, before);
    r.bank.send(&[good], &[&owner]).await.expect("the same assert, as built");
}

#[tokio::test]
async fn a_leaf_nonce_beyond_a_v1_leaf_index_is_refused_not_truncated() {
    // V1 trees index leaves with u32; a device account only the registry writes never holds a
    // larger nonce, but the conversion is checked rather than truncated onto another leaf.
    let mut r = registry().await;
    let owner = Keypair::new();
    let device = r.issue(&owner.pubkey()).await;
    r.give_dc(&owner.pubkey(), LOCATION_FEE).await;
    r.bank.modify_account(device.account, |d: &mut DeviceInfo| d.leaf_nonce = u64::from(u32::MAX) + 1).await;
    let ix = r.assert_location_ix(&device, &owner.pubkey(), r.ownership(), r.proof_accounts(&device.info));
    assert_program_error(r.bank.send(&[ix], &[&owner]).await, RegistryError::ArithmeticOverflow);
}
