//! Where an owner's dashcams drove is the owner's alone: the cells they mapped are served only
//! to whoever proves they hold the owner's key, by signing a short-lived challenge with their
//! wallet (in the manner of Sign-In-With-Solana). Everything else about an owner's devices stays
//! public (`GET /v1/owners/{owner}/devices`).
//!
//! - `POST /v1/owners/{owner}/challenge`: a challenge naming the owner, a nonce and an expiry:
//!   `{"owner", "nonce", "issued_at_ms", "expires_at_ms", "message", "token"}`. `message` is the
//!   text the wallet signs (`signMessage`, its UTF-8 bytes); `token` is this oracle's mark that it
//!   issued exactly that challenge, so nobody can make one up with a later expiry.
//! - `POST /v1/owners/{owner}/mapped-cells` with `{"nonce", "issued_at_ms", "expires_at_ms",
//!   "token", "signature"}` (`signature`: the owner's ed25519 signature over `message`, hex): the
//!   cells the owner's dashcams' valid segments covered in the last day.
//!
//! The oracle keeps nothing per challenge: it rebuilds the message from the owner in the path and
//! the fields sent back, checks its own token over it, the expiry, then the owner's signature. A
//! signed challenge can be shown again until it expires (the app keeps it for the page's life),
//! and a restart of the oracle retires every challenge it issued (its token key lives in memory).
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use fieldproof_sdk::Pubkey;
use h3o::Resolution;
use serde::{Deserialize, Serialize};

use crate::devices::DeviceKind;
use crate::epoch::{device_cells, RewardStream};
use crate::owners::{index_failure, json, OwnerApiState};
use crate::refusal::{parse_address, refuse};
use crate::storage::Store;
use crate::verify::Window;

/// How long a challenge may be shown by default (`owner_challenge_ttl_secs`): long enough to
/// read a page, short enough that a signature left behind is soon worth nothing.
pub const DEFAULT_CHALLENGE_TTL_SECS: u64 = 600;
/// How far back a dashcam's valid segments count as cells it mapped.
pub const MAPPED_WINDOW_MS: i64 = 24 * 60 * 60 * 1_000;
/// Separates the oracle's tokens from anything else its token key could sign.
const TOKEN_DOMAIN: &[u8] = b"fieldproof:owner-challenge:v1";

/// Issues challenges and checks them when they come back signed.
pub struct OwnerChallenges {
    /// Made at start, never stored: a restart retires every challenge issued before it.
    token_key: SigningKey,
    ttl_ms: i64,
}

/// A challenge as issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub owner: String,
    /// 16 random bytes, hex.
    pub nonce: String,
    pub issued_at_ms: i64,
    pub expires_at_ms: i64,
    /// What the owner's wallet signs.
    pub message: String,
    /// This oracle's signature over the message, hex.
    pub token: String,
}

/// A challenge sent back with the owner's signature.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedChallenge {
    pub nonce: String,
    pub issued_at_ms: i64,
    pub expires_at_ms: i64,
    pub token: String,
    /// The owner's ed25519 signature over the challenge's message, hex.
    pub signature: String,
}

/// Why a signed challenge is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeRefusal {
    #[error("{0}")]
    Malformed(String),
    #[error("this oracle issued no such challenge for this owner (or it was altered, or issued before the oracle restarted): ask for a new one")]
    UnknownChallenge,
    #[error("the challenge expired at {expires_at_ms} (Unix ms): ask for a new one and sign it")]
    Expired { expires_at_ms: i64 },
    #[error("the signature is not the owner's over this challenge: sign it with the wallet of {owner}")]
    NotSignedByOwner { owner: String },
}

impl ChallengeRefusal {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            Self::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed_encoding"),
            Self::UnknownChallenge => (StatusCode::UNAUTHORIZED, "unknown_challenge"),
            Self::Expired { .. } => (StatusCode::UNAUTHORIZED, "challenge_expired"),
            Self::NotSignedByOwner { .. } => (StatusCode::UNAUTHORIZED, "not_signed_by_owner"),
        };
        refuse(status, code, self.to_string())
    }
}

impl Default for OwnerChallenges {
    fn default() -> Self {
        Self::new(1_000 * DEFAULT_CHALLENGE_TTL_SECS as i64)
    }
}

impl OwnerChallenges {
    pub fn new(ttl_ms: i64) -> Self {
        Self { token_key: SigningKey::from_bytes(&rand::random::<[u8; 32]>()), ttl_ms }
    }

    /// A fresh challenge for `owner`, valid from `now_ms` for the challenge lifetime.
    pub fn issue(&self, owner: &Pubkey, now_ms: i64) -> Challenge {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let expires_at_ms = now_ms.saturating_add(self.ttl_ms);
        let message = challenge_message(owner, &nonce, now_ms, expires_at_ms);
        let token = hex::encode(self.token_key.sign(&token_bytes(&message)).to_bytes());
        Challenge { owner: owner.to_string(), nonce, issued_at_ms: now_ms, expires_at_ms, message, token }
    }

    /// Accepts `signed` when this oracle issued it for `owner`, it has not expired at `now_ms`
    /// and the owner signed it; in that order, so that a made-up expiry is never looked at.
    pub fn check(&self, owner: &Pubkey, signed: &SignedChallenge, now_ms: i64) -> Result<(), ChallengeRefusal> {
        let token = hex_bytes::<64>("token", &signed.token)?;
        let signature = hex_bytes::<64>("signature", &signed.signature)?;
        if signed.nonce.len() != 32 || hex::decode(&signed.nonce).is_err() {
            return Err(ChallengeRefusal::Malformed(format!("nonce {:?} is not 32 hex digits", signed.nonce)));
        }
        let message = challenge_message(owner, &signed.nonce, signed.issued_at_ms, signed.expires_at_ms);
        self.token_key.verifying_key().verify(&token_bytes(&message), &Signature::from_bytes(&token)).map_err(|_| ChallengeRefusal::UnknownChallenge)?;
        if now_ms >= signed.expires_at_ms {
            return Err(ChallengeRefusal::Expired { expires_at_ms: signed.expires_at_ms });
        }
        let not_owners = || ChallengeRefusal::NotSignedByOwner { owner: owner.to_string() };
        let owner_key = VerifyingKey::from_bytes(&owner.to_bytes()).map_err(|_| not_owners())?;
        owner_key.verify_strict(message.as_bytes(), &Signature::from_bytes(&signature)).map_err(|_| not_owners())
    }
}

fn token_bytes(message: &str) -> Vec<u8> {
    [TOKEN_DOMAIN, message.as_bytes()].concat()
}

fn hex_bytes<const N: usize>(what: &str, text: &str) -> Result<[u8; N], ChallengeRefusal> {
    hex::decode(text)
        .ok()
        .and_then(|b| <[u8; N]>::try_from(b).ok())
        .ok_or_else(|| ChallengeRefusal::Malformed(format!("{what} is not {} hex digits", 2 * N)))
}

/// The text the owner's wallet shows and signs: what it is for, who, and until when.
pub fn challenge_message(owner: &Pubkey, nonce: &str, issued_at_ms: i64, expires_at_ms: i64) -> String {
    format!(
        "Fieldproof: sign in as the owner of your devices\n\
         {owner}\n\n\
         Signing shows you the cells your dashcams mapped. It sends no transaction and costs nothing.\n\n\
         Nonce: {nonce}\n\
         Issued At: {}\n\
         Expiration Time: {}",
        utc_text(issued_at_ms),
        utc_text(expires_at_ms)
    )
}

/// Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (RFC 3339, UTC); times before 1970, which
/// this oracle never issues, as 1970's first instant (the token check refuses them).
fn utc_text(ms: i64) -> String {
    let since_epoch = std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + since_epoch).to_string()
}

/// The cells an owner's dashcams mapped, and up to when reports were judged.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OwnerMappedCells {
    pub cells: BTreeSet<u64>,
    /// Reports count once an epoch judged them: the end of the newest judged mapping window.
    pub judged_through_ms: Option<i64>,
}

/// Who holds which dashcams, and what they mapped since a time.
pub trait OwnerDashcams: Send + Sync + 'static {
    fn mapped_cells(&self, owner: &Pubkey, since_ms: i64) -> impl Future<Output = Result<OwnerMappedCells, Box<Response>>> + Send;
    /// The H3 resolution of the cells.
    fn resolution(&self) -> Resolution;
}

/// The dashcams an owner holds now, from the oracle's index of the device trees, and their valid
/// segments in the oracle's store.
pub struct RegistryDashcams {
    pub owners: Arc<OwnerApiState>,
    pub store: Store,
    /// `[epochs] mapping_resolution`: the cells a segment covers.
    pub resolution: Resolution,
}

impl OwnerDashcams for RegistryDashcams {
    async fn mapped_cells(&self, owner: &Pubkey, since_ms: i64) -> Result<OwnerMappedCells, Box<Response>> {
        let storage_failure = |e: &dyn std::fmt::Display| Box::new(refuse(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", e.to_string()));
        let assets = self.owners.assets_of(owner).await.map_err(|e| Box::new(index_failure(&e)))?;
        let by_asset = self.owners.devices().of_assets(&assets.iter().map(Pubkey::to_bytes).collect());
        let judged = self.store.judged_through_ms(RewardStream::Mapping.as_str()).await.map_err(|e| storage_failure(&e))?;
        let mut cells = BTreeSet::new();
        if let Some(judged_ms) = judged {
            for key in by_asset.values().filter(|(_, entry)| entry.kind == DeviceKind::Mapper).map(|(key, _)| key) {
                let window = Window { start_ms: since_ms, end_ms: judged_ms };
                cells.extend(device_cells(&self.store, key, window, self.resolution).await.map_err(|e| storage_failure(&e))?);
            }
        }
        Ok(OwnerMappedCells { cells, judged_through_ms: judged })
    }

    fn resolution(&self) -> Resolution {
        self.resolution
    }
}

pub struct OwnerChallengeState<D> {
    pub challenges: Arc<OwnerChallenges>,
    pub dashcams: D,
}

pub fn router<D: OwnerDashcams>(state: Arc<OwnerChallengeState<D>>) -> Router {
    Router::new()
        .route("/v1/owners/{owner}/challenge", post(issue::<D>))
        .route("/v1/owners/{owner}/mapped-cells", post(mapped_cells::<D>))
        .with_state(state)
}

async fn issue<D: OwnerDashcams>(State(state): State<Arc<OwnerChallengeState<D>>>, Path(owner): Path<String>) -> Response {
    match parse_address("owner", &owner) {
        Ok(owner) => json(serde_json::to_string(&state.challenges.issue(&owner, crate::ingest::unix_ms())).unwrap_or_default()),
        Err(refusal) => *refusal,
    }
}

#[derive(Serialize)]
struct MappedCellsAnswer {
    owner: String,
    /// H3 cells (hex) at `resolution`.
    cells: Vec<String>,
    resolution: u8,
    /// Segments signed from here on count.
    since_ms: i64,
    /// ...up to the end of the newest judged mapping window (none judged yet: null).
    judged_through_ms: Option<i64>,
    /// The signed challenge can be shown again until then.
    challenge_expires_at_ms: i64,
}

async fn mapped_cells<D: OwnerDashcams>(State(state): State<Arc<OwnerChallengeState<D>>>, Path(owner): Path<String>, body: Bytes) -> Response {
    let owner = match parse_address("owner", &owner) {
        Ok(owner) => owner,
        Err(refusal) => return *refusal,
    };
    let signed: SignedChallenge = match serde_json::from_slice(&body) {
        Ok(signed) => signed,
        Err(e) => {
            return ChallengeRefusal::Malformed(format!("the body must be the signed challenge {{\"nonce\", \"issued_at_ms\", \"expires_at_ms\", \"token\", \"signature\"}}: {e}")).into_response()
        }
    };
    let now_ms = crate::ingest::unix_ms();
    if let Err(refusal) = state.challenges.check(&owner, &signed, now_ms) {
        return refusal.into_response();
    }
    let since_ms = now_ms.saturating_sub(MAPPED_WINDOW_MS);
    match state.dashcams.mapped_cells(&owner, since_ms).await {
        Ok(mapped) => {
            let answer = MappedCellsAnswer {
                owner: owner.to_string(),
                cells: mapped.cells.into_iter().map(|c| format!("{c:x}")).collect(),
                resolution: state.dashcams.resolution().into(),
                since_ms,
                judged_through_ms: mapped.judged_through_ms,
                challenge_expires_at_ms: signed.expires_at_ms,
            };
            json(serde_json::to_string(&answer).unwrap_or_default())
        }
        Err(refusal) => *refusal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_text_reads_as_the_calendar_does() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc_text(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(utc_text(1_764_400_000_123), "2025-11-29T07:06:40.123Z");
        assert_eq!(utc_text(-1), "1970-01-01T00:00:00.000Z");
    }
}
