//! `fieldproof submit-reports`: a file of signed reports (a gateway's or relay's: the batch
//! endpoint's encoding, [`fieldproof_sdk::reports::encode_batch`]) submitted to the oracle in
//! batches, each report's outcome said.
use std::path::Path;
use std::time::Duration;

use fieldproof_sdk::reports::{decode_batch, SignedReport};
use fieldproof_sdk::OracleApiError;
use serde_json::json;

use crate::failure::Failure;
use crate::output::Outcome;

/// The refusals a failure message lists one by one; past them, a count.
const LISTED_REFUSALS: usize = 20;

/// Submits the reports of `file` to `oracle`, at most `batch` per request. Succeeds when the
/// oracle holds every one (stored now, or already: a duplicate of a resend); otherwise the
/// failure lists the reports refused for good and those to send again later.
pub async fn submit_reports(oracle: &str, timeout: Duration, file: &Path, batch: usize) -> Result<Outcome, Failure> {
    let bytes = std::fs::read(file).map_err(|e| Failure::BadInput(format!("cannot read report file {}: {e}", file.display())))?;
    let wires = decode_batch(&bytes, usize::MAX).map_err(|e| Failure::BadInput(format!("report file {}: {e}", file.display())))?;
    let reports = wires
        .iter()
        .enumerate()
        .map(|(i, wire)| SignedReport::from_bytes(wire).map_err(|e| Failure::BadInput(format!("report file {}: report {i}: {e}", file.display()))))
        .collect::<Result<Vec<_>, _>>()?;
    if batch == 0 {
        return Err(Failure::BadInput("--batch must be at least 1".into()));
    }
    let client = fieldproof_sdk::OracleClient::new(oracle, timeout)?;
    let mut held = Vec::new();
    let mut refused = Vec::new();
    for chunk in reports.chunks(batch) {
        for (report, outcome) in chunk.iter().zip(client.submit_batch(chunk).await?) {
            match outcome {
                Ok(id) => held.push(id.to_string()),
                Err(error) if error.is_duplicate() => held.push(report.report_id().to_string()),
                Err(error) => refused.push((report.report_id().to_string(), error)),
            }
        }
    }
    if refused.is_empty() {
        return Ok(Outcome {
            human: format!("the oracle holds all {} reports of {}\n", held.len(), file.display()),
            json: json!({"file": file.display().to_string(), "held": held}),
        });
    }
    let later = refused.iter().filter(|(_, e)| matches!(e, OracleApiError::Unavailable(_))).count();
    let mut message = format!(
        "{} of {} reports of {} not taken ({} refused for good, {later} to send again later):",
        refused.len(),
        reports.len(),
        file.display(),
        refused.len() - later
    );
    for (id, error) in refused.iter().take(LISTED_REFUSALS) {
        message.push_str(&format!("\n  {id}: {error}"));
    }
    if refused.len() > LISTED_REFUSALS {
        message.push_str(&format!("\n  and {} more", refused.len() - LISTED_REFUSALS));
    }
    Err(Failure::Refused(message))
}
