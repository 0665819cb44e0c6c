//! The device directory follows the registry's DeviceInfo accounts, read through the SDK's chain
//! interface over the in-process bank.
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountSerialize, Discriminator};
use device_registry::state::{DeviceInfo, DeviceKind, DeviceStatus, Location};
use fieldproof_oracle::devices::{self, DeviceDirectory};
use fieldproof_oracle::registry_sync::RegistryFollower;
use fieldproof_sdk::BanksChain;
use solana_account::Account;
use solana_program_test::ProgramTest;

fn device(network: Pubkey, key: Pubkey, kind: DeviceKind, status: DeviceStatus, h3_cell: u64) -> Account {
    device_at(network, key, kind, status, h3_cell, (0, 0))
}

/// A device issued at `times.0` and last located at `times.1` (unix seconds, the chain's clock).
fn device_at(network: Pubkey, key: Pubkey, kind: DeviceKind, status: DeviceStatus, h3_cell: u64, times: (i64, i64)) -> Account {
    let info = DeviceInfo {
        network,
        device_key: key,
        asset: Pubkey::new_from_array(key.to_bytes()),
        tree: Pubkey::new_unique(),
        leaf_nonce: 0,
        data_hash: [0; 32],
        creator_hash: [0; 32],
        maker: Pubkey::new_unique(),
        kind,
        status,
        location: Location { h3_cell, elevation: 10, gain: 40 },
        location_asserts: 1,
        last_location_assert_at: times.1,
        onboarding_nonce: 0,
        issued_at: times.0,
        bump: 255,
    };
    let mut data = Vec::new();
    info.try_serialize(&mut data).unwrap();
    assert_eq!(&data[..8], DeviceInfo::DISCRIMINATOR);
    Account { lamports: 1_000_000_000, data, owner: device_registry::ID, executable: false, rent_epoch: 0 }
}

#[tokio::test]
async fn the_directory_follows_the_registry() {
    let network = Pubkey::new_unique();
    let (hotspot, mapper, foreign) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
    let addresses: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
    let mut test = ProgramTest::default();
    test.add_account(addresses[0], device(network, hotspot, DeviceKind::Hotspot, DeviceStatus::Active, 0x8c283082a30e9ff));
    test.add_account(addresses[1], device(network, mapper, DeviceKind::Mapper, DeviceStatus::Active, 0));
    // Another network's device is not ours to accept.
    test.add_account(addresses[2], device(Pubkey::new_unique(), foreign, DeviceKind::Hotspot, DeviceStatus::Active, 0));
    let mut ctx = test.start_with_context().await;
    let chain = BanksChain::new(ctx.banks_client.clone());
    chain.watch(addresses.clone());

    let directory = DeviceDirectory::default();
    let mut follower = RegistryFollower::new(network);
    let summary = follower.pass(&chain, &directory).await.unwrap();
    assert_eq!((summary.full, summary.devices, summary.changed, summary.undecodable), (true, 2, 2, 0));
    let h = directory.lookup(&hotspot.to_bytes()).unwrap();
    assert_eq!((h.kind, h.active, h.location_h3, h.gain_ddbi), (devices::DeviceKind::Hotspot, true, Some(0x8c283082a30e9ff), 40));
    let m = directory.lookup(&mapper.to_bytes()).unwrap();
    assert_eq!((m.kind, m.location_h3), (devices::DeviceKind::Mapper, None));
    assert!(directory.lookup(&foreign.to_bytes()).is_none());
    assert_eq!(directory.trees().len(), 2, "the trees of the network's two devices (each in its own), not the foreign device's");

    // The network authority deactivates the hotspot: the next pass changes exactly that entry.
    ctx.set_account(&addresses[0], &device(network, hotspot, DeviceKind::Hotspot, DeviceStatus::Inactive, 0x8c283082a30e9ff).into());
    // The bank keeps no history by address: every pass reads everything.
    let summary = follower.pass(&chain, &directory).await.unwrap();
    assert_eq!((summary.full, summary.devices, summary.changed), (true, 2, 1));
    assert!(!directory.lookup(&hotspot.to_bytes()).unwrap().active);
    assert_eq!(follower.pass(&chain, &directory).await.unwrap().changed, 0, "an unchanged chain changes nothing");
}

#[tokio::test]
async fn the_background_sync_picks_up_devices_issued_later() {
    let network = Pubkey::new_unique();
    let (first, second) = (Pubkey::new_unique(), Pubkey::new_unique());
    let (first_at, second_at) = (Pubkey::new_unique(), Pubkey::new_unique());
    let mut test = ProgramTest::default();
    test.add_account(first_at, device(network, first, DeviceKind::Hotspot, DeviceStatus::Active, 0));
    let mut ctx = test.start_with_context().await;
    let chain = BanksChain::new(ctx.banks_client.clone());
    chain.watch([first_at, second_at]);
    let directory = std::sync::Arc::new(DeviceDirectory::default());
    let task = tokio::spawn(fieldproof_oracle::registry_sync::keep_in_sync(
        chain,
        RegistryFollower::new(network),
        directory.clone(),
        std::time::Duration::from_millis(20),
    ));
    let eventually = |key: Pubkey| {
        let directory = directory.clone();
        async move {
            for _ in 0..500 {
                if directory.lookup(&key.to_bytes()).is_some() {
                    return true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            false
        }
    };
    assert!(eventually(first).await, "the first pass loads the registry");
    // A device issued later appears on a later pass.
    ctx.set_account(&second_at, &device(network, second, DeviceKind::Mapper, DeviceStatus::Active, 0).into());
    assert!(eventually(second).await, "a later pass picks up the new device");
    task.abort();
    assert_eq!(directory.len(), 2);
}

#[tokio::test]
async fn an_epoch_is_judged_by_the_facts_as_of_its_end() {
    let network = Pubkey::new_unique();
    let (key, address) = (Pubkey::new_unique(), Pubkey::new_unique());
    let (here, there) = (0x8c283082a30e9ff_u64, 0x8c283082a3a49ff_u64);
    let mut ctx = ProgramTest::default().start_with_context().await;
    let now = ctx.banks_client.get_sysvar::<solana_clock::Clock>().await.unwrap().unix_timestamp;
    let ms = |secs: i64| secs * 1_000;
    // Issued 1000 s ago and located `here` 900 s ago.
    ctx.set_account(&address, &device_at(network, key, DeviceKind::Hotspot, DeviceStatus::Active, here, (now - 1_000, now - 900)).into());
    let chain = BanksChain::new(ctx.banks_client.clone());
    chain.watch([address]);
    let (watcher, late) = (DeviceDirectory::default(), DeviceDirectory::default());
    let (mut follower, mut late_follower) = (RegistryFollower::new(network), RegistryFollower::new(network));
    follower.pass(&chain, &watcher).await.unwrap();
    late_follower.pass(&chain, &late).await.unwrap();

    let located = |d: &DeviceDirectory, end_ms: i64| d.snapshot_at(end_ms).expect("read through the end").entries.get(&key.to_bytes()).map(|e| e.location_h3);
    assert_eq!(located(&watcher, ms(now - 950)), None, "an epoch that ended before the facts were asserted does not know the device by them");
    assert_eq!(located(&watcher, ms(now - 800)), Some(Some(here)));
    assert!(watcher.snapshot_at(ms(now + 60)).is_none(), "an epoch the directory has not read the chain through must wait");

    // The owner moves the hotspot `there` 100 s ago: epochs that ended before keep `here`, later
    // ones are judged `there`, and ingest checks new reports against `there`.
    ctx.set_account(&address, &device_at(network, key, DeviceKind::Hotspot, DeviceStatus::Active, there, (now - 1_000, now - 100)).into());
    assert_eq!(follower.pass(&chain, &watcher).await.unwrap().changed, 1);
    assert_eq!(located(&watcher, ms(now - 200)), Some(Some(here)), "a location asserted after an epoch never judges it");
    assert_eq!(located(&watcher, ms(now - 50)), Some(Some(there)));
    assert_eq!(watcher.lookup(&key.to_bytes()).unwrap().location_h3, Some(there));
    // A follower that passed again in between holds the same facts for every epoch: the times
    // are the chain's, not the reader's.
    late_follower.pass(&chain, &late).await.unwrap();
    late_follower.pass(&chain, &late).await.unwrap();
    for end in [ms(now - 950), ms(now - 800), ms(now - 200), ms(now - 50)] {
        assert_eq!(watcher.snapshot_at(end), late.snapshot_at(end), "as of {end}");
        assert_eq!(watcher.snapshot_at(end).unwrap().as_of_ms, Some(end));
    }
}
