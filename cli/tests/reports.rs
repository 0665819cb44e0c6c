//! `fieldproof submit-reports` against a running oracle: a gateway's file of signed reports goes
//! in batches; the oracle's refusals are named report by report, a resend of what the oracle
//! holds succeeds, and a file that is not a batch of reports is bad input.
use std::process::Output;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use fieldproof_oracle::config::OracleConfig;
use fieldproof_oracle::devices::{DeviceDirectory, DeviceEntry, DeviceKind};
use fieldproof_oracle::serve;
use fieldproof_sdk::reports::{encode_batch, HeartbeatReport, ReportBody, ReportHeader, SignedReport};

fn heartbeat(key: &SigningKey, nonce: u8) -> SignedReport {
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    ReportBody::Heartbeat(HeartbeatReport {
        header: ReportHeader { device_key: key.verifying_key().to_bytes(), timestamp_ms: u64::try_from(now_ms).unwrap(), nonce: [nonce; 16] },
        location_h3: 0x8828308281fffff,
        uptime_s: u64::from(nonce),
        firmware_version: 7,
    })
    .sign(key)
    .unwrap()
}

/// Runs the binary off the runtime the oracle serves on.
async fn fieldproof(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || std::process::Command::new(env!("CARGO_BIN_EXE_fieldproof")).args(&args).output().expect("the binary runs"))
        .await
        .unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateways_file_goes_in_batches_and_each_refusal_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (device, other, stranger) = (SigningKey::from_bytes(&[1; 32]), SigningKey::from_bytes(&[2; 32]), SigningKey::from_bytes(&[3; 32]));
    let directory = Arc::new(DeviceDirectory::default());
    for key in [&device, &other] {
        directory.upsert(key.verifying_key().to_bytes(), DeviceEntry { kind: DeviceKind::Hotspot, active: true, location_h3: None, elevation_m: 0, gain_ddbi: 0, asset: None });
    }
    let config = OracleConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: format!("sqlite://{}", dir.path().join("oracle.sqlite").display()),
        log: fieldproof_oracle::log::LogConfig::in_dir(dir.path()),
        ..OracleConfig::default()
    };
    let oracle = serve::start(&config, directory, None).await.unwrap();
    let url = format!("http://{}", oracle.addr);
    let write = |name: &str, bytes: Vec<u8>| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    let submit = |file: String| vec!["--json".to_string(), "--oracle".into(), url.clone(), "submit-reports".into(), "--file".into(), file, "--batch".into(), "2".into()];

    let good = vec![heartbeat(&device, 1), heartbeat(&device, 2), heartbeat(&other, 1)];
    let mut forged = heartbeat(&other, 2);
    forged.signature[5] ^= 1;
    let unknown = heartbeat(&stranger, 1);
    let mixed: Vec<SignedReport> = vec![good[0].clone(), forged.clone(), good[1].clone(), unknown.clone(), good[2].clone()];
    let out = fieldproof(submit(write("mixed.bin", encode_batch(&mixed)))).await;
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let failure = json(&out);
    assert_eq!(failure["error"]["kind"], "refused");
    let message = failure["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("2 of 5 reports"), "{message}");
    assert!(message.contains(&format!("{}: the oracle refused the request (401): bad_signature", forged.report_id())), "{message}");
    assert!(message.contains(&format!("{}: the oracle refused the request (403): unknown_device", unknown.report_id())), "{message}");
    oracle.writer.indexed().await.unwrap();
    for report in &good {
        assert!(oracle.store.report_by_id(&report.report_id().0).await.unwrap().is_some(), "a good report beside bad ones is stored");
    }

    // Sent again, with one more: the oracle holds them all (the earlier ones as duplicates).
    let mut again = good.clone();
    again.push(heartbeat(&device, 3));
    let out = fieldproof(submit(write("again.bin", encode_batch(&again)))).await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let held: Vec<String> = json(&out)["held"].as_array().unwrap().iter().map(|id| id.as_str().unwrap().to_string()).collect();
    assert_eq!(held, again.iter().map(|r| r.report_id().to_string()).collect::<Vec<_>>());
    oracle.writer.indexed().await.unwrap();
    assert_eq!(oracle.store.count_reports().await.unwrap(), 4);

    // A file that is not a batch of reports: bad input, nothing sent.
    let mut truncated = encode_batch(&good);
    truncated.truncate(truncated.len() - 3);
    let out = fieldproof(submit(write("truncated.bin", truncated))).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(json(&out)["error"]["message"].as_str().unwrap().contains("malformed batch encoding"), "{}", json(&out));
    assert_eq!(oracle.store.count_reports().await.unwrap(), 4);
    oracle.shutdown().await.unwrap();
}
