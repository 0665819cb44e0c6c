//! Keeps the device directory in step with the chain: every `DeviceInfo` account of one network
//! in the device-registry program becomes a directory entry (kind, active status, asserted
//! location and antenna gain). Reads go through the SDK's [`Chain`], so the same code runs
//! against an RPC node or the in-process test bank.
//!
//! A [`RegistryFollower`] reads every device of the network once, then follows the registry's
//! transactions: each pass asks the node which transactions named the program since the last
//! one it read and re-reads only the accounts they wrote, so a pass costs what changed, not the
//! size of the network (a `getProgramAccounts` over a million devices is served by no provider).
//! It reads everything again only when the chain cannot say what changed: the node's history
//! no longer reaches the follower's cursor, or the chain keeps no history by address (the test
//! bank).
use anchor_lang::{AccountDeserialize, Discriminator};
use fieldproof_sdk::device_registry::{self, DeviceInfo, DeviceStatus};
use fieldproof_sdk::{Chain, ChainError, Pubkey};
use solana_signature::Signature;

use crate::devices::{DeviceDirectory, DeviceEntry, DeviceKind};

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncSummary {
    /// Whether the pass read every device of the network (the first pass, or the chain could
    /// not say what changed) rather than what the registry's new transactions wrote.
    pub full: bool,
    /// The registry's transactions since the previous pass (0 on a full pass).
    pub transactions: usize,
    /// The network's DeviceInfo accounts the pass read.
    pub devices: usize,
    /// Entries added or changed by this pass.
    pub changed: usize,
    /// Accounts that looked like DeviceInfo but did not decode (logged, skipped).
    pub undecodable: usize,
}

/// Follows one network's devices; see the module documentation.
pub struct RegistryFollower {
    network: Pubkey,
    /// The newest registry transaction the directory reflects; `None` until a full read.
    cursor: Option<Signature>,
}

impl RegistryFollower {
    pub fn new(network: Pubkey) -> Self {
        Self { network, cursor: None }
    }

    /// One pass. Entries only ever change to what the chain says; on an error the directory
    /// and the cursor stay as they were, so the next pass reads the same stretch again.
    pub async fn pass<C: Chain>(&mut self, chain: &C, directory: &DeviceDirectory) -> Result<SyncSummary, ChainError> {
        // Read before anything else: what follows reflects the chain at least as of this time.
        let clock = chain.clock().await?;
        let read_ms = clock.unix_timestamp.saturating_mul(1_000);
        let changes = match &self.cursor {
            Some(cursor) => chain.changes_since(&device_registry::ID, cursor).await?,
            None => None,
        };
        let summary = match changes {
            Some(changes) => {
                let accounts = chain.get_multiple_accounts(&changes.written).await?;
                let written = changes.written.iter().zip(accounts).filter_map(|(address, account)| {
                    // Deleted accounts and other programs' accounts are not devices.
                    account.filter(|a| a.owner == device_registry::ID).map(|a| (*address, a.data))
                });
                let mut summary = self.apply(written, directory, read_ms);
                summary.transactions = changes.transactions;
                self.cursor = Some(changes.newest);
                summary
            }
            None => {
                // The cursor first: a transaction landing during the scan is read again next pass.
                let newest = chain.newest_change(&device_registry::ID).await?;
                let filters = device_registry::network_devices_filters(&self.network);
                let accounts = chain.get_program_accounts(&device_registry::ID, &filters).await?;
                let mut summary = self.apply(accounts.into_iter().map(|(address, account)| (address, account.data)), directory, read_ms);
                summary.full = true;
                self.cursor = newest;
                summary
            }
        };
        directory.note_read_through(read_ms);
        tracing::debug!(slot = clock.slot, "device directory read through");
        Ok(summary)
    }

    /// Applies the network's DeviceInfo accounts among `accounts` to the directory, each change
    /// from the chain time it was made (see [`since_ms`]); `read_ms` is the chain's time when
    /// this pass began.
    fn apply(&self, accounts: impl Iterator<Item = (Pubkey, Vec<u8>)>, directory: &DeviceDirectory, read_ms: i64) -> SyncSummary {
        let mut summary = SyncSummary::default();
        for (address, data) in accounts {
            if !data.starts_with(DeviceInfo::DISCRIMINATOR) {
                continue;
            }
            let info = match DeviceInfo::try_deserialize(&mut data.as_slice()) {
                Ok(info) => info,
                Err(e) => {
                    tracing::warn!(%address, error = %e, "skipping a DeviceInfo account that does not decode");
                    summary.undecodable += 1;
                    continue;
                }
            };
            if info.network != self.network {
                continue;
            }
            summary.devices += 1;
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
            let since = since_ms(directory.lookup(&key).as_ref(), &entry, &info, read_ms);
            if directory.record(key, entry, since) {
                summary.changed += 1;
            }
        }
        summary
    }
}

/// The chain time (unix ms) from which a device's `entry` read from `info` holds, given the
/// entry the directory had (`before`). The registry stamps issuance and each location assertion
/// with the chain's clock, so those times are the same for every oracle however late it reads
/// them: a device first seen holds since its issuance or its last assertion, whichever is later;
/// a new location since its assertion. A status change carries no time on chain: it holds from
/// the pass that saw it (`read_ms`), so it is an epoch later for some oracles than for others
/// only when it lands within a pass of an epoch's end.
fn since_ms(before: Option<&DeviceEntry>, entry: &DeviceEntry, info: &DeviceInfo, read_ms: i64) -> i64 {
    let seconds = match before {
        None => info.issued_at.max(info.last_location_assert_at),
        Some(b) if (b.location_h3, b.elevation_m, b.gain_ddbi) != (entry.location_h3, entry.elevation_m, entry.gain_ddbi) => info.last_location_assert_at,
        Some(_) => return read_ms,
    };
    seconds.saturating_mul(1_000)
}

/// Passes now and then every `every`, for as long as the task runs. A failed pass (the node
/// unreachable after the chain's own retries) keeps the directory as it was and is retried on
/// the next tick: a device is never dropped because the chain could not be read.
pub async fn keep_in_sync<C: Chain>(chain: C, mut follower: RegistryFollower, directory: std::sync::Arc<DeviceDirectory>, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let network = follower.network;
        match follower.pass(&chain, &directory).await {
            Ok(summary) if summary.changed > 0 || summary.undecodable > 0 => tracing::info!(
                %network,
                full = summary.full,
                transactions = summary.transactions,
                devices = summary.devices,
                changed = summary.changed,
                undecodable = summary.undecodable,
                "device directory synced from the registry"
            ),
            Ok(summary) => tracing::debug!(%network, full = summary.full, transactions = summary.transactions, "device directory unchanged"),
            Err(e) => tracing::warn!(%network, error = %e, "registry sync failed; keeping the directory, retrying next tick"),
        }
    }
}
