//! Signature checks of the requests in flight, verified together. A request hands its report's
//! signature to one task, which takes every check waiting and verifies them as one ed25519
//! batch (on the blocking pool, spread over the cores when large) while the next ones gather:
//! under load the batches grow and a signature costs about half what it costs alone. A batch
//! that fails is checked one by one (strictly, as `SignedReport::verify`), so one bad signature
//! refuses only its own report. These are the verifier's rules for stored reports too.
use ed25519_dalek::{Signature, VerifyingKey};
use fieldproof_reports::SignedReport;
use rayon::prelude::*;
use tokio::sync::{mpsc, oneshot};

/// Checks verified in one `verify_batch` call; larger batches are split over the cores.
const CHUNK: usize = 64;
/// Checks taken at once.
const MAX_BATCH: usize = 1_024;

struct Check {
    report: SignedReport,
    key: VerifyingKey,
    reply: oneshot::Sender<bool>,
}

#[derive(Clone)]
pub struct SignatureChecker {
    checks: mpsc::Sender<Check>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// The signature does not verify under the report's device key (or the key is no key).
    Bad,
    /// The checking task is gone (the server is stopping).
    Stopped,
}

impl SignatureChecker {
    /// Starts the checking task on the current runtime; it ends when every handle is dropped.
    pub fn start() -> Self {
        let (checks, mut waiting) = mpsc::channel::<Check>(MAX_BATCH * 4);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let taken = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
                // A panic in the checks drops their replies: those requests are refused, not hung.
                let _ = tokio::task::spawn_blocking(move || verify_and_reply(taken)).await;
            }
        });
        Self { checks }
    }

    /// Whether `report` carries a valid signature of its device.
    pub async fn check(&self, report: SignedReport) -> Result<(), SignatureError> {
        let Ok(key) = report.device_key() else {
            return Err(SignatureError::Bad);
        };
        // A weak (small-order) key could sign anything; the batch equation does not refuse it.
        if key.is_weak() {
            return Err(SignatureError::Bad);
        }
        let (reply, answer) = oneshot::channel();
        self.checks.send(Check { report, key, reply }).await.map_err(|_| SignatureError::Stopped)?;
        match answer.await {
            Ok(true) => Ok(()),
            Ok(false) => Err(SignatureError::Bad),
            Err(_) => Err(SignatureError::Stopped),
        }
    }
}

fn verify_and_reply(checks: Vec<Check>) {
    let verdicts: Vec<bool> = if checks.len() > CHUNK {
        checks.par_chunks(CHUNK).flat_map_iter(verify_chunk).collect()
    } else {
        verify_chunk(&checks)
    };
    for (check, valid) in checks.into_iter().zip(verdicts) {
        // The request may have timed out and gone; nothing to tell it then.
        let _ = check.reply.send(valid);
    }
}

fn verify_chunk(checks: &[Check]) -> Vec<bool> {
    let messages: Vec<Vec<u8>> = checks.iter().map(|c| c.report.signing_bytes()).collect();
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let signatures: Vec<Signature> = checks.iter().map(|c| c.report.signature()).collect();
    let keys: Vec<VerifyingKey> = checks.iter().map(|c| c.key).collect();
    if ed25519_dalek::verify_batch(&refs, &signatures, &keys).is_ok() {
        return vec![true; checks.len()];
    }
    checks.iter().map(|c| c.report.verify().is_ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use fieldproof_reports::{HeartbeatReport, ReportBody, ReportHeader};

    fn heartbeat(seed: u8) -> SignedReport {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let header = ReportHeader { device_key: key.verifying_key().to_bytes(), timestamp_ms: 1, nonce: [seed; 16] };
        ReportBody::Heartbeat(HeartbeatReport { header, location_h3: 0x8828308281fffff, uptime_s: 1, firmware_version: 1 }).sign(&key).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_bad_signature_among_many_good_ones_refuses_only_its_report() {
        let checker = SignatureChecker::start();
        let mut reports: Vec<SignedReport> = (1..=200u8).map(heartbeat).collect();
        reports[77].signature[0] ^= 1;
        // A signature of another report: valid, but not of this one.
        reports[150].signature = reports[151].signature;
        let answers = futures_util::future::join_all(reports.into_iter().map(|r| checker.check(r))).await;
        for (i, answer) in answers.iter().enumerate() {
            let expected = if i == 77 || i == 150 { Err(SignatureError::Bad) } else { Ok(()) };
            assert_eq!(*answer, expected, "report {i}");
        }
    }

    #[tokio::test]
    async fn a_weak_key_is_refused() {
        let checker = SignatureChecker::start();
        let mut report = heartbeat(1);
        // The identity point: small order, "signs" anything under the batch equation.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        if let ReportBody::Heartbeat(h) = &mut report.body {
            h.header.device_key = identity;
        }
        assert_eq!(checker.check(report).await, Err(SignatureError::Bad));
    }
}
