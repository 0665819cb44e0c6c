//! Where an owner's dashcams drove is served only against a challenge this oracle issued, not
//! expired, signed by the owner's own key: every other request is refused by name and nothing is
//! looked up. The HTTP layer is served here over a fixed table of owners' cells; which dashcams
//! an owner holds comes, in the oracle, from its index of the device trees (tests/owners.rs on a
//! node, and the wallet app's browser tests end to end).
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::response::Response;
use ed25519_dalek::{Signer, SigningKey};
use fieldproof_oracle::owner_challenge::{self, Challenge, OwnerChallengeState, OwnerChallenges, OwnerDashcams, OwnerMappedCells, DEFAULT_CHALLENGE_TTL_SECS};

const CHALLENGE_TTL_MS: i64 = 1_000 * DEFAULT_CHALLENGE_TTL_SECS as i64;
use fieldproof_sdk::Pubkey;
use h3o::Resolution;
use serde_json::{json, Value};

/// Owners' mapped cells as a table; counts the lookups, so a test sees that a refused request
/// looked nothing up.
struct CellsTable {
    cells: BTreeMap<Pubkey, BTreeSet<u64>>,
    lookups: AtomicUsize,
}

impl OwnerDashcams for CellsTable {
    async fn mapped_cells(&self, owner: &Pubkey, _since_ms: i64) -> Result<OwnerMappedCells, Box<Response>> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        Ok(OwnerMappedCells { cells: self.cells.get(owner).cloned().unwrap_or_default(), judged_through_ms: Some(1) })
    }

    fn resolution(&self) -> Resolution {
        Resolution::Ten
    }
}

struct Oracle {
    url: String,
    challenges: Arc<OwnerChallenges>,
    state: Arc<OwnerChallengeState<CellsTable>>,
    http: reqwest::Client,
}

fn owner_key(seed: u8) -> (SigningKey, Pubkey) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let address = Pubkey::new_from_array(key.verifying_key().to_bytes());
    (key, address)
}

const CELL: u64 = 0x8a283082a677fff;

async fn oracle() -> Oracle {
    let (_, owner) = owner_key(1);
    let challenges = Arc::new(OwnerChallenges::default());
    let table = CellsTable { cells: BTreeMap::from([(owner, BTreeSet::from([CELL]))]), lookups: AtomicUsize::new(0) };
    let state = Arc::new(OwnerChallengeState { challenges: challenges.clone(), dashcams: table });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = owner_challenge::router(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Oracle { url, challenges, state, http: reqwest::Client::new() }
}

impl Oracle {
    async fn challenge(&self, owner: &str) -> (u16, Value) {
        let answer = self.http.post(format!("{}/v1/owners/{owner}/challenge", self.url)).send().await.unwrap();
        (answer.status().as_u16(), answer.json().await.unwrap())
    }

    async fn mapped_cells(&self, owner: &str, body: String) -> (u16, Value) {
        let answer = self.http.post(format!("{}/v1/owners/{owner}/mapped-cells", self.url)).body(body).send().await.unwrap();
        (answer.status().as_u16(), answer.json().await.unwrap())
    }

    fn lookups(&self) -> usize {
        self.state.dashcams.lookups.load(Ordering::SeqCst)
    }

    /// Sends `body` for `owner` and expects the refusal `code` with `status`, and no lookup.
    async fn assert_refused(&self, owner: &str, body: String, status: u16, code: &str) {
        let before = self.lookups();
        let (got, answer) = self.mapped_cells(owner, body).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)), "{answer}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()), "{answer}");
        assert!(answer.get("cells").is_none());
        assert_eq!(self.lookups(), before, "a refused request looks nothing up");
    }
}

fn signed(challenge: &Challenge, key: &SigningKey) -> Value {
    json!({
        "nonce": challenge.nonce,
        "issued_at_ms": challenge.issued_at_ms,
        "expires_at_ms": challenge.expires_at_ms,
        "token": challenge.token,
        "signature": hex::encode(key.sign(challenge.message.as_bytes()).to_bytes()),
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

#[tokio::test]
async fn the_owners_signature_over_a_fresh_challenge_shows_the_cells() {
    let oracle = oracle().await;
    let (key, owner) = owner_key(1);
    let (status, issued) = oracle.challenge(&owner.to_string()).await;
    assert_eq!(status, 200, "{issued}");
    let challenge: Challenge = serde_json::from_value(issued).unwrap();
    assert_eq!(challenge.owner, owner.to_string());
    assert_eq!(challenge.expires_at_ms - challenge.issued_at_ms, CHALLENGE_TTL_MS);
    // The wallet shows what it signs: who, the nonce and until when.
    for part in [owner.to_string(), format!("Nonce: {}", challenge.nonce), "Expiration Time: ".into(), "costs nothing".into()] {
        assert!(challenge.message.contains(&part), "{part:?} in {}", challenge.message);
    }
    let (status, answer) = oracle.mapped_cells(&owner.to_string(), signed(&challenge, &key).to_string()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["cells"], json!([format!("{CELL:x}")]));
    assert_eq!(answer["owner"], owner.to_string());
    assert_eq!(answer["resolution"], 10);
    assert_eq!(answer["challenge_expires_at_ms"], challenge.expires_at_ms);
    // Two challenges are never the same.
    let (_, again) = oracle.challenge(&owner.to_string()).await;
    assert_ne!(again["nonce"], json!(challenge.nonce));
}

#[tokio::test]
async fn an_expired_challenge_is_refused() {
    let oracle = oracle().await;
    let (key, owner) = owner_key(1);
    // Issued by this very oracle, but long enough ago to have expired.
    let stale = oracle.challenges.issue(&owner, now_ms() - CHALLENGE_TTL_MS - 1_000);
    oracle.assert_refused(&owner.to_string(), signed(&stale, &key).to_string(), 401, "challenge_expired").await;
}

#[tokio::test]
async fn another_wallets_signature_is_refused() {
    let oracle = oracle().await;
    let (_, owner) = owner_key(1);
    let (someone_else, _) = owner_key(2);
    let (_, issued) = oracle.challenge(&owner.to_string()).await;
    let challenge: Challenge = serde_json::from_value(issued).unwrap();
    oracle.assert_refused(&owner.to_string(), signed(&challenge, &someone_else).to_string(), 401, "not_signed_by_owner").await;
    // The owner's signature over another message is no better.
    let (owner_key_, _) = owner_key(1);
    let mut body = signed(&challenge, &owner_key_);
    body["signature"] = json!(hex::encode(owner_key_.sign(b"something else").to_bytes()));
    oracle.assert_refused(&owner.to_string(), body.to_string(), 401, "not_signed_by_owner").await;
}

#[tokio::test]
async fn a_challenge_not_issued_here_for_this_owner_is_refused() {
    let oracle = oracle().await;
    let (key, owner) = owner_key(1);
    let (other_key, other) = owner_key(2);
    let (_, issued) = oracle.challenge(&other.to_string()).await;
    let others: Challenge = serde_json::from_value(issued).unwrap();
    // Another owner's challenge, signed by that owner, shown for this owner.
    oracle.assert_refused(&owner.to_string(), signed(&others, &other_key).to_string(), 401, "unknown_challenge").await;
    // A later expiry, made up.
    let (_, issued) = oracle.challenge(&owner.to_string()).await;
    let mut mine: Challenge = serde_json::from_value(issued).unwrap();
    mine.expires_at_ms += 86_400_000;
    oracle.assert_refused(&owner.to_string(), signed(&mine, &key).to_string(), 401, "unknown_challenge").await;
    // Issued by another oracle, or by this one before it restarted.
    let elsewhere = OwnerChallenges::default().issue(&owner, now_ms());
    oracle.assert_refused(&owner.to_string(), signed(&elsewhere, &key).to_string(), 401, "unknown_challenge").await;
}

#[tokio::test]
async fn malformed_requests_are_refused_by_name() {
    let oracle = oracle().await;
    let (key, owner) = owner_key(1);
    let (status, answer) = oracle.challenge("not-an-address").await;
    assert_eq!((status, answer["code"].as_str()), (400, Some("malformed_encoding")), "{answer}");
    let challenge = oracle.challenges.issue(&owner, now_ms());
    oracle.assert_refused("not-an-address", signed(&challenge, &key).to_string(), 400, "malformed_encoding").await;
    oracle.assert_refused(&owner.to_string(), "not json".into(), 400, "malformed_encoding").await;
    oracle.assert_refused(&owner.to_string(), "{}".into(), 400, "malformed_encoding").await;
    for (field, value) in [("signature", json!("abcd")), ("token", json!("zz")), ("nonce", json!("short")), ("issued_at_ms", json!("soon"))] {
        let mut body = signed(&challenge, &key);
        body[field] = value;
        oracle.assert_refused(&owner.to_string(), body.to_string(), 400, "malformed_encoding").await;
    }
    let mut extra = signed(&challenge, &key);
    extra["owner"] = json!(owner.to_string());
    oracle.assert_refused(&owner.to_string(), extra.to_string(), 400, "malformed_encoding").await;
}
