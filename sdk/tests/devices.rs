//! Devices issued as real Bubblegum cNFTs and located by their owner, through the SDK's builders,
//! on a node with Bubblegum, account compression and noop loaded (`scripts/test-rpc.sh`). The
//! in-process bank has no Bubblegum, so these tests are ignored there; the registry's every
//! rejection is tested natively against Bubblegum under tests/bubblegum.

use fieldproof_tests::{device_network, keys};
use ed25519_dalek::SigningKey;
use fieldproof_sdk::device_registry::{self, DeviceKind, DeviceStatus, IssueDeviceArgs, Location, OnboardingMessage};
use fieldproof_sdk::Pubkey;
use fieldproof_sdk::SdkError;
use device_network::{Network, H3_CELL, LOCATION_FEE, ONBOARDING_FEE};
use solana_instruction_error::InstructionError;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

#[tokio::test]
#[ignore = "needs Bubblegum on a node: scripts/test-rpc.sh"]
async fn a_device_is_issued_as_a_cnft_located_by_its_owner_and_deactivated() {
    let n = Network::new().await;
    let payer = n.world.payer().pubkey();
    n.give_dc(&payer, 1_000_000).await;
    let paid = n.dc_balance(&payer).await;
    let owner = keys::keypair();
    let device_key = SigningKey::from_bytes(&[9; 32]);

    let address = n.issue(&device_key, &owner.pubkey()).await.expect("issue");
    let device = n.device(&address).await;
    assert_eq!((device.network, device.tree, device.leaf_nonce), (n.network, n.config.active_tree, 0));
    assert_eq!(device.asset, mpl_bubblegum::utils::get_asset_id(&n.config.active_tree, 0));
    assert_eq!(device.status, DeviceStatus::Active);
    assert_eq!(n.dc_balance(&payer).await, paid - ONBOARDING_FEE);
    match n.issue(&device_key, &owner.pubkey()).await {
        Err(SdkError::Program { error, .. }) => assert_eq!((error.program, error.name), ("device_registry", "DeviceAlreadyRegistered")),
        other => panic!("a device key is registered once, got {other:?}"),
    }

    // Through the client, as a maker's tooling would: the second leaf, its fee burned too.
    let second_key = SigningKey::from_bytes(&[10; 32]);
    let args = IssueDeviceArgs { device_key: Pubkey::new_from_array(second_key.verifying_key().to_bytes()), kind: DeviceKind::Mapper, nonce: 1 };
    let message = OnboardingMessage {
        network: n.network,
        device_key: args.device_key,
        owner: owner.pubkey(),
        kind: args.kind,
        maker: device_registry::maker_address(&n.network, &n.maker_id),
        nonce: args.nonce,
    };
    let signatures = [device_registry::sign_onboarding(&message, &second_key), device_registry::sign_onboarding(&message, &n.maker_key)];
    let (second, signature) = n.world.client.issue_device(&n.world.payer(), &n.network, &n.maker_id, &owner.pubkey(), args, &signatures).await.expect("issue");
    n.world.record(&signature).await;
    let second = n.device(&second).await;
    assert_eq!((second.leaf_nonce, second.kind, second.device_key), (1, DeviceKind::Mapper, args.device_key));
    assert_eq!(n.dc_balance(&payer).await, paid - 2 * ONBOARDING_FEE);
    n.tree.append(second, owner.pubkey());

    // Someone else cannot prove the owner's leaf; the owner can, and pays the fee.
    let intruder = keys::keypair();
    n.give_dc(&intruder.pubkey(), 1_000_000).await;
    // Account compression refuses the intruder's leaf; its code is not read as a registry error.
    match n.assert_location(&device, &intruder).await {
        Err(SdkError::Transaction(TransactionError::InstructionError(0, InstructionError::Custom(_)))) => {}
        other => panic!("expected account compression's refusal, got {other:?}"),
    }
    assert_eq!(n.device(&address).await.location_asserts, 0);
    n.give_dc(&owner.pubkey(), 1_000_000).await;
    let before = n.dc_balance(&owner.pubkey()).await;
    n.assert_location(&device, &owner).await.expect("the owner asserts");
    let located = n.device(&address).await;
    assert_eq!((located.location.h3_cell, located.location.elevation, located.location.gain, located.location_asserts), (H3_CELL, 12, 40, 1));
    assert_eq!(n.dc_balance(&owner.pubkey()).await, before - LOCATION_FEE);

    // Through the client: the path comes from the index and is trimmed to the canopy, and the
    // intruder is refused before anything is sent.
    let moved = Location { h3_cell: H3_CELL + 1, elevation: 3, gain: 55 };
    match n.world.client.assert_location(&n.world.payer(), &intruder, &device.asset, moved, &n.tree).await {
        Err(SdkError::NotDeviceOwner { owner: actual, .. }) => assert_eq!(actual, owner.pubkey()),
        other => panic!("expected NotDeviceOwner, got {other:?}"),
    }
    let signature = n.world.client.assert_location(&n.world.payer(), &owner, &device.asset, moved, &n.tree).await.expect("the owner moves the device");
    n.world.record(&signature).await;
    let relocated = n.device(&address).await;
    assert_eq!((relocated.location, relocated.location_asserts), (moved, 2));
    assert_eq!(n.dc_balance(&owner.pubkey()).await, before - 2 * LOCATION_FEE);

    // The network authority deactivates a spoofer: no more location asserts.
    let ix = device_registry::set_device_status(&n.network, &n.authority.pubkey(), &device.device_key, DeviceStatus::Inactive);
    n.world.send(&[ix], &[&n.authority]).await.expect("deactivate");
    match n.assert_location(&device, &owner).await {
        Err(SdkError::Program { error, .. }) => assert_eq!((error.program, error.name), ("device_registry", "DeviceInactive")),
        other => panic!("expected DeviceInactive, got {other:?}"),
    }
    let ix = device_registry::set_device_status(&n.network, &n.authority.pubkey(), &device.device_key, DeviceStatus::Active);
    n.world.send(&[ix], &[&n.authority]).await.expect("reactivate");
    assert_eq!(n.device(&address).await.status, DeviceStatus::Active);
    let ix = device_registry::set_device_status(&n.network, &n.authority.pubkey(), &device.device_key, DeviceStatus::Active);
    match n.world.send(&[ix], &[&n.authority]).await {
        Err(SdkError::Program { error, .. }) => assert_eq!((error.program, error.name), ("device_registry", "StatusUnchanged")),
        other => panic!("expected StatusUnchanged, got {other:?}"),
    }
}
