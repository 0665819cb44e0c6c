//! `fieldproof heartbeat`: a device's signed heartbeat, submitted to the oracle.
use std::time::Duration;

use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::output::Outcome;

/// Signs a heartbeat with the device's key and submits it to the oracle at `oracle`.
pub async fn heartbeat(oracle: &str, timeout: Duration, device: &Keypair, h3: u64, uptime_s: u64, firmware: u32) -> Result<Outcome, Failure> {
    use fieldproof_sdk::reports::{ed25519_dalek::SigningKey, HeartbeatReport, ReportBody, ReportHeader};
    let key = SigningKey::from_bytes(device.secret_bytes());
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| Failure::BadInput(format!("the system clock is before 1970: {e}")))?
        .as_millis();
    let header = ReportHeader {
        device_key: key.verifying_key().to_bytes(),
        timestamp_ms: u64::try_from(now_ms).unwrap_or(u64::MAX),
        nonce: rand::random(),
    };
    let report = ReportBody::from(HeartbeatReport { header, location_h3: h3, uptime_s, firmware_version: firmware })
        .sign(&key)
        .map_err(|e| Failure::BadInput(format!("cannot sign the heartbeat: {e}")))?;
    let client = fieldproof_sdk::OracleClient::new(oracle, timeout)?;
    let id = client.submit_report(&report).await?;
    Ok(Outcome {
        human: format!("heartbeat of device {} stored by the oracle as {id}\n", device.pubkey()),
        json: json!({"device": device.pubkey().to_string(), "report_id": id.to_string()}),
    })
}
