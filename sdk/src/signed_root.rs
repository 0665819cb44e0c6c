//! One oracle's signature over a root message, as oracles exchange it to form a quorum
//! (`GET /v1/epochs/{pool}/{epoch}/signature` of the oracle API). JSON, hex for bytes:
//! ```json
//! {"oracle": "<base58>", "signature": "<128 hex>", "args": {"config_version": 0, "epoch": 7,
//!  "root": "<64 hex>", "cumulative_total": 1500, "leaf_count": 3, "content_hash": "<64 hex>",
//!  "expires_at": 1800000000}}
//! ```
use anchor_lang::prelude::Pubkey;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::reward_pool::{OracleSignature, PostRootArgs};

/// An oracle's signature over the root message of `args` for one pool.
#[derive(Clone, Debug)]
pub struct SignedRoot {
    /// The oracle's ed25519 public key.
    pub oracle: Pubkey,
    /// The `post_root` arguments whose root message was signed.
    pub args: PostRootArgs,
    /// Its signature over `args.message(pool)`.
    pub signature: [u8; 64],
}

/// Why a signed root cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a signed root: {0}")]
pub struct SignedRootError(String);

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedRootJson {
    oracle: String,
    signature: String,
    args: ArgsJson,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArgsJson {
    config_version: u64,
    epoch: u64,
    root: String,
    cumulative_total: u64,
    leaf_count: u64,
    content_hash: String,
    expires_at: i64,
}

fn hex_array<const N: usize>(field: &str, text: &str) -> Result<[u8; N], SignedRootError> {
    hex::decode(text).ok().and_then(|v| v.try_into().ok()).ok_or_else(|| SignedRootError(format!("{field} is not {N} hex bytes")))
}

impl SignedRoot {
    /// Signs `args` for `pool` with an oracle key.
    pub fn sign(oracle: &ed25519_dalek::SigningKey, pool: &Pubkey, args: PostRootArgs) -> Self {
        let (key, signature) = crate::reward_pool::sign_root(oracle, pool, &args);
        Self { oracle: Pubkey::new_from_array(key), args, signature }
    }

    /// True when the signature is the oracle's over the root message of `args` for `pool`.
    pub fn verify(&self, pool: &Pubkey) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.oracle.to_bytes()) else { return false };
        key.verify(&self.args.message(*pool).to_bytes(), &Signature::from_bytes(&self.signature)).is_ok()
    }

    /// True when both sign the same root message for `pool`.
    pub fn same_message(&self, other: &PostRootArgs, pool: &Pubkey) -> bool {
        self.args.message(*pool) == other.message(*pool)
    }

    /// The form `post_root` takes.
    pub fn oracle_signature(&self) -> OracleSignature {
        (self.oracle.to_bytes(), self.signature)
    }

    /// The JSON form (see the module docs).
    pub fn to_json(&self) -> String {
        let a = &self.args;
        let json = SignedRootJson {
            oracle: self.oracle.to_string(),
            signature: hex::encode(self.signature),
            args: ArgsJson {
                config_version: a.config_version,
                epoch: a.epoch,
                root: hex::encode(a.root),
                cumulative_total: a.cumulative_total,
                leaf_count: a.leaf_count,
                content_hash: hex::encode(a.content_hash),
                expires_at: a.expires_at,
            },
        };
        // Strings and integers only: serializing cannot fail.
        serde_json::to_string(&json).unwrap_or_default()
    }

    /// Parses the JSON form.
    pub fn from_json(text: &str) -> Result<Self, SignedRootError> {
        let json: SignedRootJson = serde_json::from_str(text).map_err(|e| SignedRootError(e.to_string()))?;
        let a = json.args;
        Ok(Self {
            oracle: json.oracle.parse().map_err(|_| SignedRootError("oracle is not a base58 key".into()))?,
            signature: hex_array("signature", &json.signature)?,
            args: PostRootArgs {
                config_version: a.config_version,
                epoch: a.epoch,
                root: hex_array("args.root", &a.root)?,
                cumulative_total: a.cumulative_total,
                leaf_count: a.leaf_count,
                content_hash: hex_array("args.content_hash", &a.content_hash)?,
                expires_at: a.expires_at,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(epoch: u64) -> PostRootArgs {
        PostRootArgs { config_version: 2, epoch, root: [1; 32], cumulative_total: 10, leaf_count: 3, content_hash: [2; 32], expires_at: 99 }
    }

    #[test]
    fn round_trips_and_verifies_only_for_its_pool_and_message() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
        let pool = Pubkey::new_unique();
        let signed = SignedRoot::sign(&key, &pool, args(7));
        let again = SignedRoot::from_json(&signed.to_json()).unwrap();
        assert!(again.verify(&pool));
        assert!(!again.verify(&Pubkey::new_unique()), "a signature is for one pool");
        assert!(again.same_message(&args(7), &pool) && !again.same_message(&args(8), &pool));
        let mut forged = again.clone();
        forged.args.cumulative_total += 1;
        assert!(!forged.verify(&pool));
        assert!(SignedRoot::from_json(r#"{"oracle":"x"}"#).is_err());
    }
}
