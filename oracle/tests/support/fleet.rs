//! A seeded simulated fleet's traffic stored as the running oracle would have: the input of the
//! epoch and quorum tests. Reports carry the simulated chain's entropy.
use std::sync::Arc;

use fieldproof_oracle::chain_blocks::{BlockCache, BlockSource, SimulatedChain};
use fieldproof_oracle::devices::{DeviceDirectory, DeviceEntry};
use fieldproof_oracle::simulate::{Cheaters, Fleet, FleetSpec, SimReport};
use fieldproof_oracle::storage::{NewReport, Store};

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

/// A test oracle's report log in `dir`, its identity "local", sealing a bucket 315 s after its
/// end (the default skew window and grace).
pub async fn open_log(store: &Store, dir: &std::path::Path) -> fieldproof_oracle::log::OpenedLog {
    fieldproof_oracle::log::open(&log_config(dir), store.clone(), "local".into(), 315_000).await.unwrap()
}

/// The `[log]` of a test oracle in `dir`.
pub fn log_config(dir: &std::path::Path) -> fieldproof_oracle::log::LogConfig {
    fieldproof_oracle::log::LogConfig::in_dir(dir)
}

/// Ingests `reports` through `writer`, as if each arrived a second after it was signed, and
/// seals every bucket they fall in.
pub async fn ingest<'a>(writer: &fieldproof_oracle::log::ReportWriter, sealer: &fieldproof_oracle::log::Sealer, reports: impl IntoIterator<Item = &'a SimReport>) {
    let mut last = None;
    for sim in reports {
        let at = i64::try_from(sim.report.body.header().timestamp_ms).unwrap();
        last = last.max(Some(at));
        writer.insert(NewReport::accepted(&sim.report, sim.report.to_bytes(), at + 1_000, "test".into())).await.unwrap();
    }
    if let Some(last) = last {
        seal_until(sealer, last + 2 * sealer.bucket_ms).await;
    }
}

/// Seals every bucket that ended before `until_ms`, as the oracle does once the clock-skew
/// window has passed them.
pub async fn seal_until(sealer: &fieldproof_oracle::log::Sealer, until_ms: i64) {
    sealer.seal_due(until_ms + sealer.delay_ms).await.unwrap();
}

/// The segments this oracle's log holds of the buckets `stream`'s `epoch` spans.
pub async fn segments(store: &Store, stream: fieldproof_oracle::epoch::RewardStream, window: fieldproof_oracle::verify::Window) -> Vec<[u8; 32]> {
    let (_, span) = fieldproof_oracle::epoch::stream_input(stream, window, &fieldproof_oracle::verify::VerificationConfig::default());
    fieldproof_oracle::log::local(store, fieldproof_oracle::log::buckets_of(span, fieldproof_oracle::log::LogConfig::default().bucket_ms())).await.unwrap()
}
