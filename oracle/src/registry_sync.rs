//! Keeps the device directory in step with the chain: every `DeviceInfo` account of one network
//! in the device-registry program becomes a directory entry (kind, active status, asserted
//! location and antenna gain). Reads go through the SDK's [`Chain`], so the same code runs
//! against an RPC node or the in-process test bank.
use anchor_lang::AccountDeserialize;
use fieldproof_sdk::device_registry::{self, DeviceInfo, DeviceStatus};
use fieldproof_sdk::{Chain, ChainError, Pubkey};

use crate::devices::{DeviceDirectory, DeviceEntry, DeviceKind};

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncSummary {
    /// DeviceInfo accounts of the network on chain.
    pub devices: usize,
    /// Entries added or changed by this pass.
    pub changed: usize,
    /// Accounts that matched the filters but did not decode (logged, skipped).
    pub undecodable: usize,
}

/// One pass over the network's devices; entries only ever change to what the chain says.
pub async fn sync_devices<C: Chain>(chain: &C, network: &Pubkey, directory: &DeviceDirectory) -> Result<SyncSummary, ChainError> {
    let filters = device_registry::network_devices_filters(network);
    // Read before the accounts: they reflect at least this slot.
    let slot = chain.clock().await?.slot;
    let accounts = chain.get_program_accounts(&device_registry::ID, &filters).await?;
    let mut summary = SyncSummary { devices: accounts.len(), ..SyncSummary::default() };
    for (address, account) in accounts {
        let info = match DeviceInfo::try_deserialize(&mut account.data.as_slice()) {
            Ok(info) => info,
            Err(e) => {
                tracing::warn!(%address, error = %e, "skipping a DeviceInfo account that does not decode");
                summary.undecodable += 1;
                continue;
            }
        };
        let entry = DeviceEntry {
            kind: match info.kind {
                device_registry::DeviceKind::Hotspot => DeviceKind::Hotspot,
                device_registry::DeviceKind::Mapper => DeviceKind::Mapper,
            },
            active: info.status == DeviceStatus::Active,
            location_h3: (info.location.h3_cell != 0).then_some(info.location.h3_cell),
            elevation_m: info.location.elevation,
            // The registry caps gain at 15 dBi (150), well inside i16.
            gain_ddbi: i16::try_from(info.location.gain).unwrap_or(i16::MAX),
            asset: Some(info.asset.to_bytes()),
        };
        directory.note_tree(info.tree.to_bytes());
        let key = info.device_key.to_bytes();
        if directory.lookup(&key) != Some(entry) {
            directory.upsert(key, entry);
            summary.changed += 1;
        }
    }
    directory.note_slot(slot);
    Ok(summary)
}

/// Syncs now and then every `every`, for as long as the task runs. A failed pass (the node
/// unreachable after the chain's own retries) keeps the directory as it was and is retried on
/// the next tick: a device is never dropped because the chain could not be read.
pub async fn keep_in_sync<C: Chain>(chain: C, network: Pubkey, directory: std::sync::Arc<DeviceDirectory>, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match sync_devices(&chain, &network, &directory).await {
            Ok(summary) if summary.changed > 0 || summary.undecodable > 0 => tracing::info!(
                %network,
                devices = summary.devices,
                changed = summary.changed,
                undecodable = summary.undecodable,
                "device directory synced from the registry"
            ),
            Ok(_) => tracing::debug!(%network, "device directory unchanged"),
            Err(e) => tracing::warn!(%network, error = %e, "registry sync failed; keeping the directory, retrying next tick"),
        }
    }
}
