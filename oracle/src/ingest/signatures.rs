//! Signature checks of reports, many at a time: one `verify_batch` costs about half as much per
//! signature as checking each alone. A batch request's reports are checked together
//! ([`verify_reports`]); single-report requests in flight at the same moment are gathered into
//! micro-batches by a [`SignatureBatcher`] (waiting at most `[ingest] signature_wait_us` for
//! company), checked on the blocking pool, each answered on its own.
use std::time::Duration;

use ed25519_dalek::VerifyingKey;
use fieldproof_reports::SignedReport;
use tokio::sync::{mpsc, oneshot};

use super::Rejection;

/// Whether each report's signature verifies. Those with a valid, not small-order device key are
/// checked in one `verify_batch`; when it fails, each alone, strictly, as is every report of a
/// small-order ("weak") key: batch verification is cofactored and would let such a key's
/// signatures through. (No third party can alter a signature to pass either way, and a report's
/// id does not cover its signature.)
pub fn verify_reports(reports: &[&SignedReport]) -> Vec<bool> {
    let mut verdicts = vec![false; reports.len()];
    let mut batch: Vec<(usize, VerifyingKey)> = Vec::new();
    for (i, report) in reports.iter().enumerate() {
        match report.device_key() {
            Ok(key) if !key.is_weak() => batch.push((i, key)),
            _ => verdicts[i] = report.verify().is_ok(),
        }
    }
    let messages: Vec<Vec<u8>> = batch.iter().map(|(i, _)| reports[*i].signing_bytes()).collect();
    let message_refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let signatures: Vec<_> = batch.iter().map(|(i, _)| reports[*i].signature()).collect();
    let keys: Vec<VerifyingKey> = batch.iter().map(|(_, key)| *key).collect();
    let all_good = !keys.is_empty() && ed25519_dalek::verify_batch(&message_refs, &signatures, &keys).is_ok();
    for (i, _) in &batch {
        verdicts[*i] = all_good || reports[*i].verify().is_ok();
    }
    verdicts
}

/// A report waiting for its signature check, and where its answer goes.
struct Job {
    report: SignedReport,
    reply: oneshot::Sender<(SignedReport, bool)>,
}

/// Gathers the single-report requests' signature checks into micro-batches. Cheap to clone.
#[derive(Clone)]
pub struct SignatureBatcher {
    jobs: mpsc::Sender<Job>,
}

impl SignatureBatcher {
    /// Starts the gathering task: a batch is what arrived within `wait` of its first report, at
    /// most `max_batch` reports.
    pub fn start(max_batch: usize, wait: Duration) -> Self {
        let max_batch = max_batch.max(1);
        let (jobs, rx) = mpsc::channel(max_batch.saturating_mul(16));
        tokio::spawn(gather(rx, max_batch, wait));
        Self { jobs }
    }

    /// `report`, when its signature verifies; `bad_signature` when it does not.
    pub async fn check(&self, report: SignedReport) -> Result<SignedReport, Rejection> {
        let (reply, answer) = oneshot::channel();
        let (report, ok) = match self.jobs.send(Job { report, reply }).await {
            // A check lost with its task (a panic in verification) is the server's failure: the
            // device sends the report again.
            Ok(()) => answer.await.map_err(|_| Rejection::Overloaded)?,
            // The gathering task is gone (shutting down): checked alone.
            Err(mpsc::error::SendError(job)) => {
                let ok = job.report.verify().is_ok();
                (job.report, ok)
            }
        };
        if ok {
            Ok(report)
        } else {
            Err(Rejection::BadSignature)
        }
    }
}

async fn gather(mut rx: mpsc::Receiver<Job>, max_batch: usize, wait: Duration) {
    let mut batch: Vec<Job> = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        let deadline = tokio::time::Instant::now() + wait;
        while batch.len() < max_batch {
            let room = max_batch - batch.len();
            match tokio::time::timeout_at(deadline, rx.recv_many(&mut batch, room)).await {
                Ok(n) if n > 0 => continue,
                _ => break,
            }
        }
        let jobs = std::mem::take(&mut batch);
        // Off the async workers: a batch is up to a few milliseconds of CPU.
        tokio::task::spawn_blocking(move || {
            let verdicts = verify_reports(&jobs.iter().map(|job| &job.report).collect::<Vec<_>>());
            for (job, ok) in jobs.into_iter().zip(verdicts) {
                // A request that gave up (timeout) no longer listens: nothing to do.
                let _ = job.reply.send((job.report, ok));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use fieldproof_reports::{HeartbeatReport, ReportBody, ReportHeader};

    fn heartbeat(device: &SigningKey, n: u8) -> SignedReport {
        let header = ReportHeader { device_key: device.verifying_key().to_bytes(), timestamp_ms: 1, nonce: [n; 16] };
        ReportBody::from(HeartbeatReport { header, location_h3: 0, uptime_s: 1, firmware_version: 1 }).sign(device).unwrap()
    }

    /// The identity point's "signature" (R the identity, s = 0): passes any cofactored check.
    fn weak_forgery() -> SignedReport {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let header = ReportHeader { device_key: identity, timestamp_ms: 1, nonce: [0; 16] };
        let mut signature = [0u8; 64];
        signature[0] = 1;
        SignedReport { body: ReportBody::from(HeartbeatReport { header, location_h3: 0, uptime_s: 1, firmware_version: 1 }), signature }
    }

    #[tokio::test]
    async fn requests_in_flight_are_checked_together_and_exactly_the_bad_ones_refused() {
        let batcher = SignatureBatcher::start(8, Duration::from_millis(20));
        let device = SigningKey::from_bytes(&[3; 32]);
        let reports: Vec<(SignedReport, bool)> = (0..30u8)
            .map(|n| {
                let mut report = heartbeat(&device, n);
                let good = n % 7 != 3;
                if !good {
                    report.signature[9] ^= 1;
                }
                (report, good)
            })
            .chain([(weak_forgery(), false)])
            .collect();
        let checks = reports.iter().map(|(report, _)| batcher.check(report.clone()));
        let answers = futures_util::future::join_all(checks).await;
        for ((report, good), answer) in reports.iter().zip(answers) {
            match answer {
                Ok(back) => assert!(*good && back == *report, "a bad signature passed"),
                Err(refused) => assert!(!good && refused == Rejection::BadSignature, "a good signature was refused"),
            }
        }
        // Alone among good ones, the weak key's forgery would pass one verify_batch.
        let (good, weak) = (heartbeat(&device, 99), weak_forgery());
        assert_eq!(verify_reports(&[&good, &weak]), vec![true, false]);
        assert_eq!(verify_reports(&[]), Vec::<bool>::new());
    }
}
