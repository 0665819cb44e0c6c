//! Every network-administration builder of the device registry sent to the program in an
//! in-process bank, the registry's accounts decoded, its errors named, and a network's devices
//! listed by the SDK's filters.

use fieldproof_tests::{keys, world};
use anchor_lang::{AccountDeserialize, AccountSerialize, Discriminator};
use world::{World, SPL_TOKEN};
use fieldproof_sdk::data_credits::{self, InitializeArgs, PriceSource};
use fieldproof_sdk::device_registry::{
    self, DeviceInfo, DeviceKind, DeviceStatus, Location, Maker, MakerArgs, NetworkArgs, NetworkConfig, Role,
};
use fieldproof_sdk::{Chain, Pubkey, SdkError};
use solana_keypair::Keypair;
use solana_signer::Signer;

struct RegistryWorld {
    world: World,
    dc_config: Pubkey,
    network: Pubkey,
    authority: Keypair,
}

fn network_args(onboarding_fee: u64) -> NetworkArgs {
    NetworkArgs { onboarding_fee, location_fee: 10, metadata_uri: "https://fieldproof.example/devices/".into() }
}

/// A data-credits configuration whose epochs start at `now`.
fn dc_args(now: i64) -> InitializeArgs {
    world::dc_args(PriceSource::Quorum { oracle: keys::pubkey() }, now, 86_400)
}

impl RegistryWorld {
    async fn new() -> Self {
        let world = World::start().await;
        let payer = world.payer().pubkey();
        // The mint authority creates the DC config; the DC authority creates the network.
        let authority = keys::keypair();
        let network_mint = world.create_mint(SPL_TOKEN, &authority.pubkey(), 6).await;
        let args = dc_args(world.clock().await.unix_timestamp);
        world.send(&[data_credits::initialize(&payer, &authority.pubkey(), &network_mint, args)], &[&authority]).await.unwrap();
        let dc_config = data_credits::config_address(&network_mint);
        let ix = device_registry::initialize_network(&payer, &authority.pubkey(), &dc_config, network_args(1_000));
        world.send(&[ix], &[&authority]).await.expect("initialize network");
        Self { network: device_registry::network_address(&dc_config), world, dc_config, authority }
    }

    async fn network(&self) -> NetworkConfig {
        self.world.client.account(&self.network).await.expect("network decodes")
    }

    /// A DeviceInfo as `issue_device` leaves it, written straight into the bank (issuing needs
    /// Bubblegum, which the tests under tests/bubblegum run).
    fn put_device(&mut self, device_key: Pubkey, status: DeviceStatus) -> Pubkey {
        let info = DeviceInfo {
            network: self.network,
            device_key,
            asset: keys::pubkey(),
            tree: keys::pubkey(),
            leaf_nonce: 0,
            data_hash: [0; 32],
            creator_hash: [0; 32],
            maker: keys::pubkey(),
            kind: DeviceKind::Hotspot,
            status,
            location: Location { h3_cell: 0, elevation: 0, gain: 0 },
            location_asserts: 0,
            last_location_assert_at: 0,
            onboarding_nonce: 0,
            issued_at: 0,
            bump: 0,
        };
        let address = device_registry::device_address(&self.network, &device_key);
        let bump = Pubkey::find_program_address(
            &[device_registry::DEVICE_SEED, self.network.as_ref(), &device_registry::device_key_hash(&device_key)],
            &device_registry::ID,
        )
        .1;
        let mut data = Vec::new();
        DeviceInfo { bump, ..info }.try_serialize(&mut data).unwrap();
        let account = solana_account::Account { lamports: 1_000_000_000, data, owner: device_registry::ID, executable: false, rent_epoch: 0 };
        self.world.ctx_mut().set_account(&address, &account.into());
        match self.world.client.chain() {
            world::TestChain::Bank(chain) => chain.watch([address]),
            world::TestChain::Rpc(_) => unreachable!("ctx() is bank-only"),
        }
        address
    }
}

#[track_caller]
fn named(result: Result<(), SdkError>) -> &'static str {
    world::refusal(result, "device_registry")
}

#[tokio::test]
async fn the_network_is_created_updated_and_handed_over_in_two_steps() {
    let w = RegistryWorld::new().await;
    let network = w.network().await;
    assert_eq!((network.authority, network.dc_config, network.onboarding_fee), (w.authority.pubkey(), w.dc_config, 1_000));

    let ix = device_registry::update_network(&w.network, &w.authority.pubkey(), network_args(2_000));
    w.world.send(&[ix], &[&w.authority]).await.unwrap();
    assert_eq!(w.network().await.onboarding_fee, 2_000);
    let stranger = keys::keypair();
    let ix = device_registry::update_network(&w.network, &stranger.pubkey(), network_args(0));
    assert_eq!(named(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");

    // The hand-over: proposed, withdrawn, proposed again, refused to anyone else, accepted.
    let next = keys::keypair();
    let propose = device_registry::propose_role(&w.network, &w.authority.pubkey(), Role::Authority, next.pubkey());
    w.world.send(std::slice::from_ref(&propose), &[&w.authority]).await.unwrap();
    w.world.send(&[device_registry::cancel_role(&w.network, &w.authority.pubkey(), Role::Authority)], &[&w.authority]).await.unwrap();
    assert_eq!(w.network().await.pending_authority, Pubkey::default());
    let ix = device_registry::cancel_role(&w.network, &w.authority.pubkey(), Role::Authority);
    assert_eq!(named(w.world.send(&[ix], &[&w.authority]).await), "NoPendingRole");
    w.world.send(&[propose], &[&w.authority]).await.unwrap();
    assert_eq!(named(w.world.send(&[device_registry::accept_role(&w.network, &stranger.pubkey(), Role::Authority)], &[&stranger]).await), "NotPendingHolder");
    w.world.send(&[device_registry::accept_role(&w.network, &next.pubkey(), Role::Authority)], &[&next]).await.unwrap();
    assert_eq!(w.network().await.authority, next.pubkey());
}

#[tokio::test]
async fn makers_are_approved_and_revoked() {
    let w = RegistryWorld::new().await;
    let id = keys::pubkey();
    let args = MakerArgs { id, attestation_key: keys::pubkey(), quota: 500 };
    let ix = device_registry::approve_maker(&w.world.payer().pubkey(), &w.network, &w.authority.pubkey(), args);
    w.world.send(&[ix], &[&w.authority]).await.unwrap();
    let maker: Maker = w.world.client.account(&device_registry::maker_address(&w.network, &id)).await.unwrap();
    assert_eq!((maker.network, maker.id, maker.attestation_key, maker.quota, maker.approved), (w.network, id, args.attestation_key, 500, true));

    w.world.send(&[device_registry::revoke_maker(&w.network, &w.authority.pubkey(), &id)], &[&w.authority]).await.unwrap();
    let maker: Maker = w.world.client.account(&device_registry::maker_address(&w.network, &id)).await.unwrap();
    assert!(!maker.approved, "a revoked maker issues nothing");
}

#[tokio::test]
async fn device_status_changes_and_the_network_lists_its_devices() {
    let mut w = RegistryWorld::new().await;
    let (spoofer, honest) = (keys::pubkey(), keys::pubkey());
    let spoofer_at = w.put_device(spoofer, DeviceStatus::Active);
    w.put_device(honest, DeviceStatus::Active);

    let ix = device_registry::set_device_status(&w.network, &w.authority.pubkey(), &spoofer, DeviceStatus::Inactive);
    w.world.send(std::slice::from_ref(&ix), &[&w.authority]).await.unwrap();
    let info: DeviceInfo = w.world.client.account(&spoofer_at).await.unwrap();
    assert_eq!(info.status, DeviceStatus::Inactive);
    assert_eq!(named(w.world.send(&[ix], &[&w.authority]).await), "StatusUnchanged");

    let listed = w.world.client.chain().get_program_accounts(&device_registry::ID, &device_registry::network_devices_filters(&w.network)).await.unwrap();
    let mut keys: Vec<Pubkey> = listed.iter().map(|(_, a)| DeviceInfo::try_deserialize(&mut a.data.as_slice()).unwrap().device_key).collect();
    keys.sort();
    let mut expected = vec![spoofer, honest];
    expected.sort();
    assert_eq!(keys, expected);
    assert!(listed.iter().all(|(_, a)| a.data.starts_with(DeviceInfo::DISCRIMINATOR)));
    let elsewhere = device_registry::network_devices_filters(&keys::pubkey());
    assert!(w.world.client.chain().get_program_accounts(&device_registry::ID, &elsewhere).await.unwrap().is_empty());
}

#[tokio::test]
async fn administration_refuses_a_bad_call_by_name() {
    let w = RegistryWorld::new().await;
    let stranger = keys::keypair();
    let payer = w.world.payer().pubkey();

    // A second network, over a second DC configuration: by a stranger, then with a URI longer
    // than Bubblegum takes.
    let dc_authority = keys::keypair();
    let network_mint = w.world.create_mint(SPL_TOKEN, &dc_authority.pubkey(), 6).await;
    let ix = data_credits::initialize(&payer, &dc_authority.pubkey(), &network_mint, dc_args(w.world.clock().await.unix_timestamp));
    w.world.send(&[ix], &[&dc_authority]).await.unwrap();
    let dc_config = data_credits::config_address(&network_mint);
    let ix = device_registry::initialize_network(&payer, &stranger.pubkey(), &dc_config, network_args(0));
    assert_eq!(named(w.world.send(&[ix], &[&stranger]).await), "NotDcAuthority");
    let long = NetworkArgs { metadata_uri: "x".repeat(201), ..network_args(0) };
    let ix = device_registry::initialize_network(&payer, &dc_authority.pubkey(), &dc_config, long);
    assert_eq!(named(w.world.send(&[ix], &[&dc_authority]).await), "UriTooLong");

    let ix = device_registry::propose_role(&w.network, &stranger.pubkey(), Role::Authority, stranger.pubkey());
    assert_eq!(named(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    let ix = device_registry::cancel_role(&w.network, &stranger.pubkey(), Role::Authority);
    assert_eq!(named(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    let args = MakerArgs { id: keys::pubkey(), attestation_key: keys::pubkey(), quota: 1 };
    let ix = device_registry::approve_maker(&payer, &w.network, &stranger.pubkey(), args);
    assert_eq!(named(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    w.world.send(&[device_registry::approve_maker(&payer, &w.network, &w.authority.pubkey(), args)], &[&w.authority]).await.unwrap();
    let ix = device_registry::revoke_maker(&w.network, &stranger.pubkey(), &args.id);
    assert_eq!(named(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
    let tree = keys::pubkey();
    let ix = device_registry::set_active_tree(&w.network, &stranger.pubkey(), &tree, &device_registry::tree_config_address(&tree));
    assert_eq!(named(w.world.send(&[ix], &[&stranger]).await), "NotAuthority");
}
