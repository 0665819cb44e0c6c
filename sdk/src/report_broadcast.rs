//! Submitting a device's reports to every oracle of a network, as devices of a k-of-n quorum
//! must, without one oracle that is away holding the others up.
//!
//! A report goes to each oracle at once. An oracle that does not answer (after the client's own
//! retries) is *away*: its reports wait in a bounded queue of its own, and later reports join
//! the queue without being tried, until [`ReportBroadcast::resend`] gets one through. Then the
//! queue drains in order. A queued report older than the oracles' clock-skew window would be
//! refused anyway, and is dropped; so is the oldest one when the queue is full. Both are counted.
//! Many reports at once (a gateway's, a fleet's) go to each oracle in batches
//! ([`OracleClient::submit_batch`]), and a queue drains in batches too.
use std::collections::VecDeque;
use std::sync::Mutex;

use fieldproof_reports::SignedReport;

use crate::{OracleApiError, OracleClient};

/// What became of a report at one oracle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The oracle stored it (or already had it).
    Accepted,
    /// The oracle refused it for good, with its code: resending will not help.
    Refused(String),
    /// The oracle is away: the report waits in its queue.
    Queued,
}

/// One oracle's queue, as [`ReportBroadcast::status`] tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OracleStatus {
    /// The oracle's API.
    pub url: String,
    /// Whether the last attempt failed, so that new reports are queued untried.
    pub away: bool,
    /// Reports waiting for it.
    pub queued: usize,
    /// Reports dropped, too old to be accepted or pushed out of a full queue.
    pub dropped: u64,
}

struct Outbox {
    url: String,
    client: OracleClient,
    away: bool,
    queue: VecDeque<SignedReport>,
    dropped: u64,
}

/// Sends each report to every oracle, queueing for those that are away.
pub struct ReportBroadcast {
    outboxes: Vec<Mutex<Outbox>>,
    max_queued: usize,
    window_ms: u64,
}

impl ReportBroadcast {
    /// A broadcast to `oracles` (their URLs and clients), each queue holding at most
    /// `max_queued` reports for at most `window_ms` (the oracles' clock-skew window).
    pub fn new(oracles: Vec<(String, OracleClient)>, max_queued: usize, window_ms: u64) -> Self {
        let outboxes = oracles.into_iter().map(|(url, client)| Mutex::new(Outbox { url, client, away: false, queue: VecDeque::new(), dropped: 0 })).collect();
        Self { outboxes, max_queued: max_queued.max(1), window_ms }
    }

    /// Sends `report` to every oracle at once; what became of it at each, in order.
    pub async fn submit(&self, report: &SignedReport) -> Vec<Delivery> {
        let sends = self.outboxes.iter().map(|outbox| self.submit_to(outbox, report));
        futures_util::future::join_all(sends).await
    }

    async fn submit_to(&self, outbox: &Mutex<Outbox>, report: &SignedReport) -> Delivery {
        let client = {
            let mut o = lock(outbox);
            // While the oracle is away, or has older reports waiting, this one waits behind them.
            if o.away || !o.queue.is_empty() {
                self.enqueue(&mut o, report.clone());
                return Delivery::Queued;
            }
            o.client.clone()
        };
        match client.submit_report(report).await {
            Ok(_) => Delivery::Accepted,
            Err(OracleApiError::Rejected { code, .. }) => Delivery::Refused(code),
            Err(_) => {
                let mut o = lock(outbox);
                o.away = true;
                self.enqueue(&mut o, report.clone());
                Delivery::Queued
            }
        }
    }

    /// Sends `reports` to every oracle at once, in batches of at most
    /// [`fieldproof_reports::MAX_BATCH_REPORTS`]; what became of each report (in order) at each
    /// oracle (in order). A report an oracle could not take now (its device's rate limit, its
    /// storage) waits in that oracle's queue.
    pub async fn submit_batch(&self, reports: &[SignedReport]) -> Vec<Vec<Delivery>> {
        let sends = self.outboxes.iter().map(|outbox| self.submit_batch_to(outbox, reports));
        let per_oracle: Vec<Vec<Delivery>> = futures_util::future::join_all(sends).await;
        (0..reports.len()).map(|r| per_oracle.iter().map(|deliveries| deliveries[r].clone()).collect()).collect()
    }

    async fn submit_batch_to(&self, outbox: &Mutex<Outbox>, reports: &[SignedReport]) -> Vec<Delivery> {
        let mut deliveries = Vec::with_capacity(reports.len());
        for chunk in reports.chunks(fieldproof_reports::MAX_BATCH_REPORTS) {
            let client = {
                let mut o = lock(outbox);
                if o.away || !o.queue.is_empty() {
                    for report in chunk {
                        self.enqueue(&mut o, report.clone());
                    }
                    deliveries.extend(std::iter::repeat_n(Delivery::Queued, chunk.len()));
                    continue;
                }
                o.client.clone()
            };
            match client.submit_batch(chunk).await {
                Ok(outcomes) => {
                    for (report, outcome) in chunk.iter().zip(outcomes) {
                        deliveries.push(match outcome {
                            Ok(_) => Delivery::Accepted,
                            Err(OracleApiError::Rejected { code, .. }) => Delivery::Refused(code),
                            Err(_) => {
                                self.enqueue(&mut lock(outbox), report.clone());
                                Delivery::Queued
                            }
                        });
                    }
                }
                Err(OracleApiError::Rejected { code, .. }) => deliveries.extend(std::iter::repeat_n(Delivery::Refused(code), chunk.len())),
                Err(_) => {
                    let mut o = lock(outbox);
                    o.away = true;
                    for report in chunk {
                        self.enqueue(&mut o, report.clone());
                    }
                    deliveries.extend(std::iter::repeat_n(Delivery::Queued, chunk.len()));
                }
            }
        }
        deliveries
    }

    fn enqueue(&self, outbox: &mut Outbox, report: SignedReport) {
        if outbox.queue.len() >= self.max_queued {
            outbox.queue.pop_front();
            outbox.dropped += 1;
        }
        outbox.queue.push_back(report);
    }

    /// Resends the queued reports of every oracle, oldest first and in batches, as of `now_ms`:
    /// those older than the window are dropped; an oracle that still does not answer stays away.
    /// Returns how many were delivered (accepted or refused for good) per oracle.
    pub async fn resend(&self, now_ms: u64) -> Vec<usize> {
        let mut delivered = Vec::with_capacity(self.outboxes.len());
        for outbox in &self.outboxes {
            let mut sent = 0;
            loop {
                let (client, batch) = {
                    let mut o = lock(outbox);
                    let window = self.window_ms;
                    let before = o.queue.len();
                    o.queue.retain(|r| now_ms.saturating_sub(r.body.header().timestamp_ms) <= window);
                    o.dropped += (before - o.queue.len()) as u64;
                    if o.queue.is_empty() {
                        o.away = false;
                        break;
                    }
                    let batch: Vec<SignedReport> = o.queue.iter().take(fieldproof_reports::MAX_BATCH_REPORTS).cloned().collect();
                    (o.client.clone(), batch)
                };
                match client.submit_batch(&batch).await {
                    Ok(outcomes) => {
                        // Delivered: the leading reports that were stored or refused for good; from
                        // the first the oracle could not take now, the queue waits for the next
                        // resend, in order.
                        let done = outcomes.iter().take_while(|o| matches!(o, Ok(_) | Err(OracleApiError::Rejected { .. }))).count();
                        let mut o = lock(outbox);
                        o.queue.drain(..done);
                        o.away = false;
                        sent += done;
                        if done < batch.len() {
                            break;
                        }
                    }
                    Err(OracleApiError::Rejected { .. }) => {
                        // The batch as a whole (it cannot be too large: it is at most the
                        // protocol's maximum); an oracle configured for smaller batches gets
                        // the queue one report at a time.
                        let Some(report) = batch.first() else { break };
                        match client.submit_report(report).await {
                            Ok(_) | Err(OracleApiError::Rejected { .. }) => {
                                lock(outbox).queue.pop_front();
                                sent += 1;
                            }
                            Err(_) => {
                                lock(outbox).away = true;
                                break;
                            }
                        }
                    }
                    Err(_) => {
                        lock(outbox).away = true;
                        break;
                    }
                }
            }
            delivered.push(sent);
        }
        delivered
    }

    /// Every oracle's queue.
    pub fn status(&self) -> Vec<OracleStatus> {
        self.outboxes
            .iter()
            .map(|outbox| {
                let o = lock(outbox);
                OracleStatus { url: o.url.clone(), away: o.away, queued: o.queue.len(), dropped: o.dropped }
            })
            .collect()
    }
}

fn lock(outbox: &Mutex<Outbox>) -> std::sync::MutexGuard<'_, Outbox> {
    outbox.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
