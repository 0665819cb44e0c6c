//! A seeded fleet's traffic stored and verified as the running oracle would have: the input of
//! the epoch and quorum tests.
use std::sync::Arc;

use fieldproof_oracle::devices::{DeviceDirectory, DeviceEntry};
use fieldproof_oracle::simulate::{Fleet, FleetSpec};
use fieldproof_oracle::storage::{NewReport, ReportWriter, Store, WriterConfig};
use fieldproof_oracle::verify::{Denylist, VerificationConfig, Verifier};

pub fn fleet() -> Fleet {
    Fleet::new(FleetSpec { seed: 11, hotspots: 30, mappers: 6, spoofers: 3, loud_witnesses: 2, teleporters: 2, replayers: 0 })
}

/// A cNFT per device, as the registry would give it.
pub fn asset_of(device: &[u8; 32]) -> [u8; 32] {
    solana_sha256_hasher::hashv(&[b"asset", device]).to_bytes()
}

/// The fleet's devices, each with its cNFT.
pub fn directory(fleet: &Fleet) -> Arc<DeviceDirectory> {
    let directory = DeviceDirectory::default();
    fleet.register(&directory);
    for (key, entry) in directory.snapshot() {
        directory.upsert(key, DeviceEntry { asset: Some(asset_of(&key)), ..entry });
    }
    Arc::new(directory)
}

/// Stores `rounds` ten-minute rounds of the fleet's traffic from `start_ms`, as ingest would
/// have accepted them.
pub async fn store_traffic(store: &Store, fleet: &Fleet, start_ms: u64, rounds: usize) {
    let (writer, task) = ReportWriter::start(store.clone(), WriterConfig::default()).await.unwrap();
    for sim in fleet.rounds(start_ms).take(rounds).flatten() {
        let at = i64::try_from(sim.report.body.header().timestamp_ms).unwrap();
        writer.insert(NewReport::accepted(&sim.report, sim.report.to_bytes(), at + 1_000, "test".into())).await.unwrap();
    }
    drop(writer);
    task.await.unwrap();
}

/// Verifies everything stored, as of `now_ms`.
pub async fn verify_all(store: &Store, fleet: &Fleet, now_ms: i64) {
    let directory = Arc::new(DeviceDirectory::default());
    fleet.register(&directory);
    let verifier = Verifier::new(store.clone(), directory, Denylist::default(), VerificationConfig::default());
    verifier.verify_settled(now_ms).await.unwrap();
}
