//! A seeded simulated fleet through the real ingest API and the verifier: every cheater is caught
//! (at ingest or by verification) and no honest report is ever flagged.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use fieldproof_oracle::config::OracleConfig;
use fieldproof_oracle::devices::DeviceDirectory;
use fieldproof_oracle::serve;
use fieldproof_oracle::simulate::{Fleet, FleetSpec};
use fieldproof_oracle::verify::{Denylist, VerificationConfig, Verifier};
use fieldproof_sdk::OracleClient;
use sqlx::Row;

#[tokio::test]
async fn the_simulated_cheaters_are_all_caught_and_honest_devices_never_flagged() {
    let spec = FleetSpec { seed: 7, hotspots: 30, mappers: 6, spoofers: 3, loud_witnesses: 2, teleporters: 2, replayers: 2 };
    let fleet = Fleet::new(spec);
    let directory = Arc::new(DeviceDirectory::default());
    fleet.register(&directory);

    let dir = tempfile::tempdir().unwrap();
    let config = OracleConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: format!("sqlite://{}", dir.path().join("o.sqlite").display()),
        verify_every_secs: 3_600,
        // The two simulated rounds span 20 minutes and are sent at once.
        ingest: fieldproof_oracle::config::IngestConfig { max_clock_skew_secs: 7_200, ..Default::default() },
        ..OracleConfig::default()
    };
    let oracle = serve::start(&config, directory.clone(), None).await.unwrap();
    let client = OracleClient::new(format!("http://{}", oracle.addr), Duration::from_secs(10)).unwrap().with_retries(1, Duration::ZERO);

    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    // Two beacon rounds, ending a little before now so nothing is in the future.
    let traffic = fleet.traffic(now - 1_250_000 + 600_000, 2);
    let mut refused_at_ingest: HashMap<usize, Vec<String>> = HashMap::new();
    let mut stored: Vec<([u8; 32], usize, bool)> = Vec::new();
    for sim in &traffic {
        match client.submit_report(&sim.report).await {
            Ok(id) => stored.push((id.0, sim.device, sim.cheat)),
            Err(fieldproof_sdk::OracleApiError::Rejected { code, .. }) => {
                assert!(sim.cheat, "an honest report was refused at ingest: {code}");
                refused_at_ingest.entry(sim.device).or_default().push(code);
            }
            Err(e) => panic!("oracle unavailable: {e}"),
        }
    }
    let store = oracle.store.clone();
    oracle.shutdown().await.unwrap();

    // Verify everything as of an hour later (settled), with default thresholds.
    let verifier = Verifier::new(store.clone(), directory, Denylist::default(), VerificationConfig::default());
    verifier.verify_settled(now as i64 + 3_600_000).await.unwrap();

    let mut caught_cheats = 0;
    for (id, device, cheat) in &stored {
        let row = sqlx::query("SELECT v.status, v.reason FROM verdicts v JOIN reports r ON r.seq = v.seq WHERE r.id = $1")
            .bind(id.as_slice())
            .fetch_one(store.pool())
            .await
            .unwrap();
        let reason: Option<String> = row.try_get("reason").unwrap();
        if *cheat {
            assert!(reason.is_some(), "a cheating report of device {device} ({:?}) passed verification", fleet.devices[*device].role);
            caught_cheats += 1;
        } else {
            assert_eq!(reason, None, "an honest report of device {device} ({:?}) was flagged", fleet.devices[*device].role);
        }
    }
    // Replays never reach the store: each replayer had both its copies refused.
    for (r, d) in fleet.devices.iter().enumerate().filter(|(_, d)| d.role == fieldproof_oracle::simulate::Role::Replayer) {
        let codes = refused_at_ingest.get(&r).cloned().unwrap_or_default();
        assert_eq!(codes, vec!["duplicate_report".to_string(), "replayed_nonce".to_string()], "{:?}", d.role);
    }
    assert!(caught_cheats >= 2 * 3 + 2 * 2, "spoofers, loud witnesses and teleporters produced cheats ({caught_cheats})");
    let honest = stored.iter().filter(|(_, _, cheat)| !cheat).count();
    assert!(honest > 200, "the honest fleet sent real traffic ({honest} reports)");
}
