//! A seeded simulated fleet's traffic stored as the running oracle would have: the input of the
//! epoch and quorum tests. Reports carry the simulated chain's entropy.
use std::sync::Arc;

use fieldproof_oracle::chain_blocks::{BlockCache, BlockSource, SimulatedChain};
use fieldproof_oracle::devices::{DeviceDirectory, DeviceEntry};
use fieldproof_oracle::simulate::{Cheaters, Fleet, FleetSpec, SimReport};
use fieldproof_oracle::storage::{NewReport, ReportWriter, Store, WriterConfig};

/// A fleet with a cheater of every class among its honest devices.
pub fn fleet() -> Fleet {
    Fleet::new(FleetSpec { seed: 11, hotspots: 30, mappers: 12, cheaters: Cheaters::each(1) })
}

/// A cNFT per device, as the registry would give it.
pub fn asset_of(device: &[u8; 32]) -> [u8; 32] {
    solana_sha256_hasher::hashv(&[b"asset", device]).to_bytes()
}

/// The fleet's devices, each with its cNFT.
pub fn directory(fleet: &Fleet) -> Arc<DeviceDirectory> {
    let directory = DeviceDirectory::default();
    fleet.register(&directory);
    for (key, entry) in directory.snapshot().entries {
        directory.upsert(key, DeviceEntry { asset: Some(asset_of(&key)), ..entry });
    }
    Arc::new(directory)
}

/// The blocks of the simulated chain, through `store`'s cache.
pub fn blocks(store: &Store) -> BlockCache {
    BlockCache { store: store.clone(), source: BlockSource::Simulated(SimulatedChain::default()) }
}

/// `rounds` ten-minute rounds of the fleet's traffic from `start_ms`, with the simulated chain's
/// entropy, the replayers' replays included.
pub fn traffic(fleet: &Fleet, start_ms: u64, rounds: u64) -> Vec<SimReport> {
    let chain = SimulatedChain::default();
    fleet.traffic(start_ms, rounds, |at| chain.entropy_at(at))
}

/// Stores `reports` as ingest would have accepted them (replays refused as ingest refuses them).
pub async fn store_reports<'a>(store: &Store, reports: impl IntoIterator<Item = &'a SimReport>) {
    let (writer, task) = ReportWriter::start(store.clone(), WriterConfig::default()).await.unwrap();
    for sim in reports {
        let at = i64::try_from(sim.report.body.header().timestamp_ms).unwrap();
        writer.insert(NewReport::accepted(&sim.report, sim.report.to_bytes(), at + 1_000, "test".into())).await.unwrap();
    }
    drop(writer);
    task.await.unwrap();
}

/// Stores `rounds` ten-minute rounds of the fleet's traffic from `start_ms`.
pub async fn store_traffic(store: &Store, fleet: &Fleet, start_ms: u64, rounds: u64) {
    store_reports(store, &traffic(fleet, start_ms, rounds)).await;
}
