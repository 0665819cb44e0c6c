//! A client of the oracle's HTTP API: device-side submission of signed reports, the epochs
//! oracles publish (reward files, root signatures), and the owner side: reward proofs, device
//! cNFT ownership proofs from the oracle's own index of the device trees (an [`OracleClient`] is
//! an [`OwnershipSource`]), and ready-to-sign claim transactions.
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use fieldproof_reports::{ReportId, SignedReport};

use crate::device_registry::DeviceInfo;
use crate::ownership::{AssetProof, OwnershipSource, OwnershipSourceError};
use crate::{ClaimTransactions, RewardFile, RewardProof, SignedRoot};
use serde::Deserialize;

/// Why a request to the oracle failed.
#[derive(Debug, thiserror::Error)]
pub enum OracleApiError {
    /// The oracle refused the request (a 4xx answer); resending it will not help.
    #[error("the oracle refused the request ({status}): {code}: {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The oracle's snake_case error code, e.g. `bad_signature`.
        code: String,
        /// The oracle's explanation.
        message: String,
    },
    /// The oracle could not be reached or kept failing (5xx, 429, timeouts) after every retry.
    #[error("the oracle is unavailable: {0}")]
    Unavailable(String),
    /// The oracle answered something that is not its API.
    #[error("unexpected answer from the oracle: {0}")]
    Unexpected(String),
    /// The oracle accepted the report under another id than the report's own.
    #[error("the oracle stored the report as {returned}, but its id is {expected}")]
    IdMismatch {
        /// The report's id.
        expected: ReportId,
        /// The id the oracle answered.
        returned: String,
    },
}

impl OracleApiError {
    /// The oracle already holds this exact report: for a sender, as good as stored.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, OracleApiError::Rejected { code, .. } if code == DUPLICATE_REPORT)
    }
}

#[derive(Deserialize)]
struct Accepted {
    id: String,
}

/// The answer to `POST /v1/reports/batch`: one entry per report, in order.
#[derive(Deserialize)]
struct BatchAnswer {
    results: Vec<BatchItem>,
}

#[derive(Deserialize)]
struct BatchItem {
    status: u16,
    id: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

/// One time bucket of an oracle's report log (`GET /v1/log/buckets`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct LogBucket {
    /// The bucket: reports signed in `[bucket · bucket_ms, (bucket + 1) · bucket_ms)`.
    pub bucket: u64,
    /// Whether the oracle takes no more reports of the bucket.
    pub sealed: bool,
    /// The segments of the bucket the oracle holds.
    pub segments: Vec<LogSegment>,
}

/// A sealed segment of a report log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct LogSegment {
    /// sha256 of its bytes, hex: its name.
    pub hash: String,
    /// The oracle (its key, base58) that sealed it.
    pub oracle: String,
    /// The oracle's ingest instance that sealed it.
    pub instance: String,
    /// Reports it holds.
    pub reports: u64,
}

/// What an oracle says of itself (`GET /v1/network/oracle`): whether its write path works and
/// the newest epoch of each pool it signed; what a network's status page shows per oracle.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct OracleHealth {
    /// The oracle's quorum key (base58), or `local` for an oracle without one.
    pub oracle: String,
    /// Whether a report accepted now would be durable (the same probe as `GET /health`).
    pub healthy: bool,
    /// What fails, when it is not healthy.
    pub problem: Option<String>,
    /// Per pool the oracle computes, the newest epoch it signed a root of (none yet: `None`).
    pub last_signed: Vec<LastSignedEpoch>,
}

/// The newest epoch of one pool an oracle signed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct LastSignedEpoch {
    /// The pool (base58).
    pub pool: String,
    /// The epoch, or `None` before the oracle signed any of the pool.
    pub epoch: Option<u64>,
}

#[derive(Deserialize)]
struct EntropyAnswer {
    slot: u64,
    blockhash: String,
}

#[derive(Deserialize)]
struct Refusal {
    code: String,
    message: String,
}

/// A client of the oracle's HTTP API.
#[derive(Clone, Debug)]
pub struct OracleClient {
    http: reqwest::Client,
    base_url: String,
    attempts: u32,
    initial_backoff: Duration,
}

impl OracleClient {
    /// A client of the oracle at `base_url` (e.g. `http://127.0.0.1:8080`), with `timeout` per
    /// request and 4 attempts per submission, backing off from 250 ms.
    pub fn new(base_url: impl Into<String>, timeout: Duration) -> Result<Self, OracleApiError> {
        let http = reqwest::Client::builder().timeout(timeout).build().map_err(|e| OracleApiError::Unexpected(e.to_string()))?;
        Ok(Self { http, base_url: base_url.into().trim_end_matches('/').to_string(), attempts: 4, initial_backoff: Duration::from_millis(250) })
    }

    /// The oracle's address, as given (without a trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Changes how many attempts a submission gets and the first backoff (doubled per retry).
    pub fn with_retries(mut self, attempts: u32, initial_backoff: Duration) -> Self {
        self.attempts = attempts.max(1);
        self.initial_backoff = initial_backoff;
        self
    }

    /// `POST {oracle}/v1/reports` with the borsh-encoded report. Retries transport failures,
    /// 5xx, 408 and 429 with exponential backoff: a report is identified by its id, so sending it
    /// twice cannot count it twice, and a `duplicate_report` answer to a retry means an earlier
    /// attempt was stored although its answer was lost. Returns the id the oracle stored it
    /// under.
    pub async fn submit_report(&self, report: &SignedReport) -> Result<ReportId, OracleApiError> {
        let url = format!("{}/v1/reports", self.base_url);
        let body = report.to_bytes();
        let request = || self.http.post(&url).header(reqwest::header::CONTENT_TYPE, "application/octet-stream").body(body.clone());
        let (response, attempts) = self.send(request).await?;
        if response.status().is_success() {
            return accepted(report, response).await;
        }
        match refused(response).await {
            OracleApiError::Rejected { code, .. } if attempts > 1 && code == DUPLICATE_REPORT => Ok(report.report_id()),
            refusal => Err(refusal),
        }
    }

    /// `POST {oracle}/v1/reports/batch` with the reports in one body
    /// ([`fieldproof_reports::encode_batch`]; at most the oracle's `max_batch_reports`, by default
    /// [`fieldproof_reports::MAX_BATCH_REPORTS`]). The request is retried as
    /// [`submit_report`](Self::submit_report) retries one; the answer is each report's outcome,
    /// in order: its id, or why it was refused — [`OracleApiError::Rejected`] for good, or
    /// [`OracleApiError::Unavailable`] for a report to send again later (the device's rate limit,
    /// storage unavailable). A refusal of the whole batch (too many reports, too large, the
    /// source's rate limit) is the `Err`.
    pub async fn submit_batch(&self, reports: &[SignedReport]) -> Result<Vec<Result<ReportId, OracleApiError>>, OracleApiError> {
        let url = format!("{}/v1/reports/batch", self.base_url);
        let body = fieldproof_reports::encode_batch(reports);
        let request = || self.http.post(&url).header(reqwest::header::CONTENT_TYPE, "application/octet-stream").body(body.clone());
        let (response, attempts) = self.send(request).await?;
        if !response.status().is_success() {
            return Err(refused(response).await);
        }
        let answer: BatchAnswer = response.json().await.map_err(|e| OracleApiError::Unexpected(e.to_string()))?;
        if answer.results.len() != reports.len() {
            return Err(OracleApiError::Unexpected(format!("{} answers to a batch of {} reports", answer.results.len(), reports.len())));
        }
        Ok(reports.iter().zip(answer.results).map(|(report, item)| batch_outcome(report, item, attempts)).collect())
    }

    /// `GET {oracle}/v1/entropy`: the newest finalized block the oracle has read, as the entropy a
    /// device puts in its next beacons and mapping segments (retried like a submission while the
    /// oracle has read none yet).
    pub async fn entropy(&self) -> Result<fieldproof_reports::Entropy, OracleApiError> {
        let url = format!("{}/v1/entropy", self.base_url);
        let (response, _) = self.send(|| self.http.get(&url)).await?;
        if !response.status().is_success() {
            return Err(refused(response).await);
        }
        let answer: EntropyAnswer = response.json().await.map_err(|e| OracleApiError::Unexpected(e.to_string()))?;
        let blockhash = hex::decode(&answer.blockhash)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| OracleApiError::Unexpected(format!("blockhash {} is not 64 hex digits", answer.blockhash)))?;
        Ok(fieldproof_reports::Entropy { slot: answer.slot, blockhash })
    }

    /// `GET {oracle}/v1/epochs/{pool}/{epoch}/signature`: the oracle's signature over its root
    /// of that epoch, or `None` while it has not computed it. The signature is not checked here:
    /// see [`SignedRoot::verify`].
    pub async fn epoch_signature(&self, pool: &Pubkey, epoch: u64) -> Result<Option<SignedRoot>, OracleApiError> {
        let Some(text) = self.get_text(&format!("/v1/epochs/{pool}/{epoch}/signature")).await? else { return Ok(None) };
        SignedRoot::from_json(&text).map(Some).map_err(|e| OracleApiError::Unexpected(e.to_string()))
    }

    /// `GET {oracle}/v1/epochs/{pool}/{epoch}/file`: the reward file the oracle published for
    /// that epoch, or `None` when it has none.
    pub async fn reward_file(&self, pool: &Pubkey, epoch: u64) -> Result<Option<RewardFile>, OracleApiError> {
        let Some(bytes) = self.reward_file_bytes(pool, epoch).await? else { return Ok(None) };
        let text = String::from_utf8(bytes).map_err(|e| OracleApiError::Unexpected(format!("the reward file is not UTF-8: {e}")))?;
        RewardFile::from_json(&text).map(Some).map_err(|e| OracleApiError::Unexpected(e.to_string()))
    }

    /// The same file byte for byte, or `None` when the oracle has none: what a root's content hash
    /// names (see [`crate::content_hash`]), to be checked before it is read.
    pub async fn reward_file_bytes(&self, pool: &Pubkey, epoch: u64) -> Result<Option<Vec<u8>>, OracleApiError> {
        self.get_bytes(&format!("/v1/epochs/{pool}/{epoch}/file")).await
    }

    /// `GET {oracle}/v1/log/buckets?from=&to=`: what the oracle's report log holds of the time
    /// buckets `from..=to` — for each, whether the oracle has sealed it (takes no more reports of
    /// it) and the segments it holds of it, its own and those it fetched from its peers.
    pub async fn log_buckets(&self, from: u64, to: u64) -> Result<Vec<LogBucket>, OracleApiError> {
        let text = self.get_text(&format!("/v1/log/buckets?from={from}&to={to}")).await?.unwrap_or_else(|| "[]".into());
        serde_json::from_str(&text).map_err(|e| OracleApiError::Unexpected(e.to_string()))
    }

    /// `GET {oracle}/v1/log/segments/{hash}`: a sealed segment's bytes, or `None` when the oracle
    /// does not hold it. Check them against the hash they are named by.
    pub async fn log_segment(&self, hash: &[u8; 32]) -> Result<Option<Vec<u8>>, OracleApiError> {
        self.get_bytes(&format!("/v1/log/segments/{}", hex::encode(hash))).await
    }

    /// `GET {oracle}/v1/rewards/{pool}/{asset}`: the asset's leaf with its proof against the
    /// newest root of the pool the oracle saw activated, or `None` when the oracle has no such
    /// root or it has no leaf for the asset. Check it with [`RewardProof::verify`] and the root on chain.
    pub async fn reward_proof(&self, pool: &Pubkey, asset: &Pubkey) -> Result<Option<RewardProof>, OracleApiError> {
        let Some(text) = self.get_text(&format!("/v1/rewards/{pool}/{asset}")).await? else { return Ok(None) };
        RewardProof::from_json(&text).map(Some).map_err(|e| OracleApiError::Unexpected(e.to_string()))
    }

    /// `GET {oracle}/v1/claims/{pool}/{owner}`: the transactions that claim, from the pool's
    /// active root, everything the oracle's epochs grant the devices `owner` holds now, or only
    /// `asset` when given. `owner` pays their fees and signs them; see [`ClaimTransactions`].
    pub async fn claim_transactions(&self, pool: &Pubkey, owner: &Pubkey, asset: Option<&Pubkey>) -> Result<ClaimTransactions, OracleApiError> {
        let query = asset.map(|a| format!("?asset={a}")).unwrap_or_default();
        let url = format!("{}/v1/claims/{pool}/{owner}{query}", self.base_url);
        let (response, _) = self.send(|| self.http.get(&url)).await?;
        if !response.status().is_success() {
            return Err(refused(response).await);
        }
        let text = response.text().await.map_err(|e| OracleApiError::Unexpected(e.to_string()))?;
        ClaimTransactions::from_json(&text).map_err(|e| OracleApiError::Unexpected(e.to_string()))
    }

    /// `GET {oracle}/v1/network/oracle`: the oracle's own word on its health and the newest
    /// epoch of each pool it signed.
    pub async fn health(&self) -> Result<OracleHealth, OracleApiError> {
        let text = self.get_text("/v1/network/oracle").await?.ok_or_else(|| OracleApiError::Unexpected("the oracle serves no /v1/network/oracle".into()))?;
        serde_json::from_str(&text).map_err(|e| OracleApiError::Unexpected(e.to_string()))
    }

    /// `GET {oracle}/v1/ownership/{asset}`: the device cNFT's owner and leaf path as the oracle's
    /// index of the device trees sees them now.
    pub async fn asset_proof_of(&self, asset: &Pubkey) -> Result<AssetProof, OwnershipSourceError> {
        let unknown = |reason: String| OwnershipSourceError::UnknownAsset { asset: *asset, reason };
        let text = match self.get_text(&format!("/v1/ownership/{asset}")).await {
            Ok(Some(text)) => text,
            Ok(None) => return Err(unknown("the oracle has no leaf of it".into())),
            Err(OracleApiError::Unavailable(why)) => return Err(OwnershipSourceError::Unavailable(why)),
            Err(OracleApiError::Rejected { code, message, .. }) if code == "unknown_asset" => return Err(unknown(message)),
            Err(other) => return Err(OwnershipSourceError::Unexpected(other.to_string())),
        };
        let (proved, proof) = AssetProof::from_json(&text)?;
        if proved != *asset {
            return Err(OwnershipSourceError::Unexpected(format!("asked for asset {asset}, the oracle answered for {proved}")));
        }
        Ok(proof)
    }

    /// The body of a GET of `path`, byte for byte; `None` on 404.
    async fn get_bytes(&self, path: &str) -> Result<Option<Vec<u8>>, OracleApiError> {
        let url = format!("{}{path}", self.base_url);
        let (response, _) = self.send(|| self.http.get(&url)).await?;
        match response.status() {
            status if status.is_success() => response.bytes().await.map(|b| Some(b.to_vec())).map_err(|e| OracleApiError::Unexpected(e.to_string())),
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            _ => Err(refused(response).await),
        }
    }

    /// The body of a GET of `path`; `None` on 404.
    async fn get_text(&self, path: &str) -> Result<Option<String>, OracleApiError> {
        let url = format!("{}{path}", self.base_url);
        let (response, _) = self.send(|| self.http.get(&url)).await?;
        match response.status() {
            status if status.is_success() => response.text().await.map(Some).map_err(|e| OracleApiError::Unexpected(e.to_string())),
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            _ => Err(refused(response).await),
        }
    }

    /// Sends the request `build` makes until an answer that retrying cannot change: retries
    /// transport failures, 5xx, 408 and 429 with exponential backoff. Returns that answer and
    /// the number of attempts it took.
    async fn send(&self, build: impl Fn() -> reqwest::RequestBuilder) -> Result<(reqwest::Response, u32), OracleApiError> {
        let mut backoff = self.initial_backoff;
        let mut attempt = 1;
        loop {
            let retryable = match build().send().await {
                Ok(response) if !is_retryable(response.status()) => return Ok((response, attempt)),
                Ok(response) => format!("HTTP {}", response.status()),
                Err(error) => error.to_string(),
            };
            if attempt >= self.attempts {
                return Err(OracleApiError::Unavailable(format!("{retryable} after {attempt} attempts")));
            }
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
            attempt += 1;
        }
    }
}

impl OwnershipSource for OracleClient {
    async fn asset_proof(&self, device: &DeviceInfo) -> Result<AssetProof, OwnershipSourceError> {
        self.asset_proof_of(&device.asset).await
    }
}

/// The oracle's code for a report it already stored.
const DUPLICATE_REPORT: &str = "duplicate_report";

fn is_retryable(status: reqwest::StatusCode) -> bool {
    status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS || status == reqwest::StatusCode::REQUEST_TIMEOUT
}

async fn accepted(report: &SignedReport, response: reqwest::Response) -> Result<ReportId, OracleApiError> {
    let answer: Accepted = response.json().await.map_err(|e| OracleApiError::Unexpected(e.to_string()))?;
    let expected = report.report_id();
    match answer.id.parse::<ReportId>() {
        Ok(id) if id == expected => Ok(id),
        _ => Err(OracleApiError::IdMismatch { expected, returned: answer.id }),
    }
}

/// One report's outcome in a batch's answer, sent in `attempts` attempts.
fn batch_outcome(report: &SignedReport, item: BatchItem, attempts: u32) -> Result<ReportId, OracleApiError> {
    let expected = report.report_id();
    let status = reqwest::StatusCode::from_u16(item.status).map_err(|_| OracleApiError::Unexpected(format!("status {} in a batch answer", item.status)))?;
    if status.is_success() {
        let returned = item.id.unwrap_or_default();
        return match returned.parse::<ReportId>() {
            Ok(id) if id == expected => Ok(id),
            _ => Err(OracleApiError::IdMismatch { expected, returned }),
        };
    }
    let (code, message) = (item.code.unwrap_or_default(), item.message.unwrap_or_default());
    if attempts > 1 && code == DUPLICATE_REPORT {
        // An earlier attempt stored it although its answer was lost.
        return Ok(expected);
    }
    if is_retryable(status) {
        return Err(OracleApiError::Unavailable(format!("{code}: {message}")));
    }
    Err(OracleApiError::Rejected { status: item.status, code, message })
}

async fn refused(response: reqwest::Response) -> OracleApiError {
    let status = response.status().as_u16();
    match response.json::<Refusal>().await {
        Ok(refusal) => OracleApiError::Rejected { status, code: refusal.code, message: refusal.message },
        Err(e) => OracleApiError::Unexpected(format!("HTTP {status} without an error body: {e}")),
    }
}
