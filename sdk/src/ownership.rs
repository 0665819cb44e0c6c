//! Where a device cNFT's ownership proof comes from. The chain keeps only a tree's roots, its
//! recent changes and its canopy; the path of a leaf is served by an indexer of the tree. On a
//! cluster with the Digital Asset Standard API (the RPC providers that index Bubblegum trees
//! serve it), [`DasClient`] reads it; anything else that can serve a leaf's path implements
//! [`OwnershipSource`]. The [`Client`](crate::Client) checks what a source says against the device
//! and the tree, and drops the levels the tree's canopy holds.
use std::future::Future;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::device_registry::DeviceInfo;

/// A leaf's ownership and path, as an indexer of the tree sees it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetProof {
    /// The tree the asset's leaf is in.
    pub tree: Pubkey,
    /// The asset's owner.
    pub owner: Pubkey,
    /// Its leaf delegate (the owner when nobody was delegated).
    pub delegate: Pubkey,
    /// The tree's root the path leads to.
    pub root: [u8; 32],
    /// Every sibling from the leaf up to the root, canopy levels included.
    pub path: Vec<[u8; 32]>,
}

/// The JSON form of an [`AssetProof`] (see [`AssetProof::to_json`]).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssetProofJson {
    asset: String,
    tree: String,
    owner: String,
    delegate: String,
    root: String,
    path: Vec<String>,
}

impl AssetProof {
    /// The JSON form of this proof of `asset`, as the oracle serves it (`GET
    /// /v1/ownership/{asset}`): addresses in base58, hashes in hex, `path` from the leaf up.
    /// ```json
    /// {"asset": "<base58>", "tree": "<base58>", "owner": "<base58>", "delegate": "<base58>",
    ///  "root": "<64 hex>", "path": ["<64 hex>", "..."]}
    /// ```
    pub fn to_json(&self, asset: &Pubkey) -> String {
        let json = AssetProofJson {
            asset: asset.to_string(),
            tree: self.tree.to_string(),
            owner: self.owner.to_string(),
            delegate: self.delegate.to_string(),
            root: hex::encode(self.root),
            path: self.path.iter().map(hex::encode).collect(),
        };
        serde_json::to_string(&json).unwrap_or_default()
    }

    /// Parses the JSON form: the asset it proves and the proof.
    pub fn from_json(text: &str) -> Result<(Pubkey, Self), OwnershipSourceError> {
        let bad = |what: String| OwnershipSourceError::Unexpected(format!("not an asset proof: {what}"));
        let json: AssetProofJson = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let address = |field: &str, text: &str| text.parse::<Pubkey>().map_err(|_| bad(format!("{field} is not a base58 address")));
        let hash = |field: &str, text: &str| -> Result<[u8; 32], OwnershipSourceError> {
            hex::decode(text).ok().and_then(|v| v.try_into().ok()).ok_or_else(|| bad(format!("{field} is not 32 hex bytes")))
        };
        let path = json.path.iter().enumerate().map(|(i, node)| hash(&format!("path[{i}]"), node)).collect::<Result<_, _>>()?;
        let proof = AssetProof {
            tree: address("tree", &json.tree)?,
            owner: address("owner", &json.owner)?,
            delegate: address("delegate", &json.delegate)?,
            root: hash("root", &json.root)?,
            path,
        };
        Ok((address("asset", &json.asset)?, proof))
    }
}

/// Why an ownership proof could not be had.
#[derive(Debug, thiserror::Error)]
pub enum OwnershipSourceError {
    /// The source could not be reached or kept failing after every retry.
    #[error("the asset index is unavailable: {0}")]
    Unavailable(String),
    /// The source does not know the asset (not indexed yet, or not a cNFT).
    #[error("the asset index does not know asset {asset}: {reason}")]
    UnknownAsset {
        /// The asset asked for.
        asset: Pubkey,
        /// What the source said.
        reason: String,
    },
    /// The source answered something that is not its API.
    #[error("unexpected answer from the asset index: {0}")]
    Unexpected(String),
}

/// Bytes of an account-compression tree account's header: account type, header version, max
/// buffer size, max depth, authority, creation slot, batch flag and padding.
const TREE_HEADER_BYTES: usize = 56;

/// The depth of a concurrent merkle tree and how many of its top levels its canopy holds, read
/// from the tree account's data: after the header come the tree (sequence number, active index,
/// buffer size, the changelog buffer and the rightmost path) and then the canopy, a full binary
/// tree of `2^(canopy_depth + 1) - 2` nodes.
pub fn tree_depths(data: &[u8]) -> Option<(usize, usize)> {
    let field = |at: usize| data.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let buffer = usize::try_from(field(2)?).ok()?;
    let depth = usize::try_from(field(6)?).ok()?;
    let tree = tree_bytes_without_canopy(depth, buffer)?;
    let canopy_nodes = data.len().checked_sub(tree)?;
    if canopy_nodes % 32 != 0 {
        return None;
    }
    let canopy_depth = (canopy_nodes / 32 + 2).checked_ilog2()? as usize - 1;
    ((1usize << (canopy_depth + 1)) - 2 == canopy_nodes / 32 && canopy_depth <= depth).then_some((depth, canopy_depth))
}

/// Bytes of a tree account before its canopy: the header, the tree's sequence number, active
/// index and buffer size, its changelog buffer and its rightmost path.
fn tree_bytes_without_canopy(depth: usize, buffer: usize) -> Option<usize> {
    let change_log = 32usize.checked_mul(depth)?.checked_add(40)?;
    let rightmost_path = 32usize.checked_mul(depth)?.checked_add(40)?;
    TREE_HEADER_BYTES.checked_add(24)?.checked_add(buffer.checked_mul(change_log)?)?.checked_add(rightmost_path)
}

/// Bytes of the account of a tree `depth` deep with a changelog of `buffer` entries and the top
/// `canopy` levels stored (what a tree account must be allocated with).
pub fn tree_account_size(depth: u32, buffer: u32, canopy: u32) -> usize {
    let without = tree_bytes_without_canopy(depth as usize, buffer as usize).unwrap_or(usize::MAX);
    without.saturating_add(((1usize << (canopy + 1)) - 2) * 32)
}

/// The root a concurrent merkle tree holds now: the root of the newest entry of its changelog
/// buffer (after the header: sequence number, active index, buffer size, then the entries).
pub fn tree_current_root(data: &[u8]) -> Option<[u8; 32]> {
    let (depth, _) = tree_depths(data)?;
    let active = u64::from_le_bytes(data.get(TREE_HEADER_BYTES + 8..TREE_HEADER_BYTES + 16)?.try_into().ok()?);
    let entry = usize::try_from(active).ok()?.checked_mul(32 + 32 * depth + 8)?;
    let at = TREE_HEADER_BYTES.checked_add(24)?.checked_add(entry)?;
    data.get(at..at.checked_add(32)?)?.try_into().ok()
}

/// Serves the current owner and leaf path of a device cNFT.
pub trait OwnershipSource: Send + Sync {
    /// The device's cNFT as the source sees it now.
    fn asset_proof(&self, device: &DeviceInfo) -> impl Future<Output = Result<AssetProof, OwnershipSourceError>> + Send;
}

impl<T: OwnershipSource> OwnershipSource for &T {
    fn asset_proof(&self, device: &DeviceInfo) -> impl Future<Output = Result<AssetProof, OwnershipSourceError>> + Send {
        (**self).asset_proof(device)
    }
}

/// A client of the Digital Asset Standard JSON-RPC methods `getAsset` and `getAssetProof`.
#[derive(Clone, Debug)]
pub struct DasClient {
    http: reqwest::Client,
    url: String,
    attempts: u32,
    initial_backoff: Duration,
}

#[derive(Deserialize)]
struct RpcAnswer<T> {
    result: Option<T>,
    error: Option<RpcFailure>,
}

/// JSON-RPC's code for a method the endpoint does not have.
const METHOD_NOT_FOUND: i64 = -32601;

#[derive(Deserialize)]
struct RpcFailure {
    code: i64,
    message: String,
}

#[derive(Deserialize)]
struct DasAsset {
    ownership: DasOwnership,
    compression: DasCompression,
}

#[derive(Deserialize)]
struct DasOwnership {
    owner: String,
    delegate: Option<String>,
}

#[derive(Deserialize)]
struct DasCompression {
    tree: String,
    compressed: bool,
}

#[derive(Deserialize)]
struct DasProof {
    root: String,
    proof: Vec<String>,
    tree_id: String,
}

fn base58_32(what: &str, value: &str) -> Result<[u8; 32], OwnershipSourceError> {
    let mut bytes = [0u8; 32];
    match bs58::decode(value).onto(&mut bytes) {
        Ok(32) => Ok(bytes),
        _ => Err(OwnershipSourceError::Unexpected(format!("{what} is not base58 of 32 bytes: {value:?}"))),
    }
}

impl DasClient {
    /// A client of the DAS endpoint at `url` (often the cluster's RPC URL itself), with `timeout`
    /// per request and 4 attempts per call, backing off from 250 ms.
    pub fn new(url: impl Into<String>, timeout: Duration) -> Result<Self, OwnershipSourceError> {
        let http = reqwest::Client::builder().timeout(timeout).build().map_err(|e| OwnershipSourceError::Unexpected(e.to_string()))?;
        Ok(Self { http, url: url.into(), attempts: 4, initial_backoff: Duration::from_millis(250) })
    }

    /// Changes how many attempts a call gets and the first backoff (doubled per retry).
    pub fn with_retries(mut self, attempts: u32, initial_backoff: Duration) -> Self {
        self.attempts = attempts.max(1);
        self.initial_backoff = initial_backoff;
        self
    }

    /// One JSON-RPC call about `asset`, retried on transport failures, 5xx and 429.
    async fn call<T: serde::de::DeserializeOwned>(&self, method: &str, asset: &Pubkey) -> Result<T, OwnershipSourceError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": {"id": asset.to_string()}});
        let mut backoff = self.initial_backoff;
        let mut attempt = 1;
        loop {
            let failure = match self.http.post(&self.url).json(&body).send().await {
                Ok(response) if response.status().is_success() => {
                    let answer: RpcAnswer<T> = response.json().await.map_err(|e| OwnershipSourceError::Unexpected(format!("{method}: {e}")))?;
                    return match (answer.result, answer.error) {
                        (Some(result), _) => Ok(result),
                        (None, Some(RpcFailure { code: METHOD_NOT_FOUND, .. })) => {
                            Err(OwnershipSourceError::Unexpected(format!("{} does not serve the DAS method {method}", self.url)))
                        }
                        // Indexers answer an asset they do not hold with an error object or null.
                        (None, Some(RpcFailure { message, .. })) => Err(OwnershipSourceError::UnknownAsset { asset: *asset, reason: message }),
                        (None, None) => Err(OwnershipSourceError::UnknownAsset { asset: *asset, reason: format!("{method} returned null") }),
                    };
                }
                Ok(response) if response.status().is_server_error() || response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => {
                    format!("HTTP {}", response.status())
                }
                Ok(response) => return Err(OwnershipSourceError::Unexpected(format!("{method}: HTTP {}", response.status()))),
                Err(error) => error.to_string(),
            };
            if attempt >= self.attempts {
                return Err(OwnershipSourceError::Unavailable(format!("{method}: {failure} after {attempt} attempts")));
            }
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
            attempt += 1;
        }
    }
}

impl OwnershipSource for DasClient {
    async fn asset_proof(&self, device: &DeviceInfo) -> Result<AssetProof, OwnershipSourceError> {
        let asset: DasAsset = self.call("getAsset", &device.asset).await?;
        if !asset.compression.compressed {
            return Err(OwnershipSourceError::Unexpected(format!("asset {} is not compressed", device.asset)));
        }
        let proof: DasProof = self.call("getAssetProof", &device.asset).await?;
        let tree = Pubkey::new_from_array(base58_32("tree_id", &proof.tree_id)?);
        if base58_32("compression.tree", &asset.compression.tree)? != tree.to_bytes() {
            return Err(OwnershipSourceError::Unexpected(format!("getAsset and getAssetProof name different trees for {}", device.asset)));
        }
        let owner = Pubkey::new_from_array(base58_32("ownership.owner", &asset.ownership.owner)?);
        let delegate = match asset.ownership.delegate.as_deref() {
            Some(delegate) => Pubkey::new_from_array(base58_32("ownership.delegate", delegate)?),
            None => owner,
        };
        let path = proof.proof.iter().map(|node| base58_32("proof node", node)).collect::<Result<_, _>>()?;
        Ok(AssetProof { tree, owner, delegate, root: base58_32("root", &proof.root)?, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree account's data of `depth`, `buffer` and `canopy`, its header fields set.
    fn tree_account(depth: u32, buffer: u32, canopy: u32) -> Vec<u8> {
        let mut data = vec![0u8; tree_account_size(depth, buffer, canopy)];
        data[2..6].copy_from_slice(&buffer.to_le_bytes());
        data[6..10].copy_from_slice(&depth.to_le_bytes());
        data
    }

    #[test]
    fn an_asset_proof_round_trips_through_its_json_form() {
        let asset = Pubkey::new_unique();
        let proof = AssetProof { tree: Pubkey::new_unique(), owner: Pubkey::new_unique(), delegate: Pubkey::new_unique(), root: [4; 32], path: vec![[1; 32], [2; 32]] };
        assert_eq!(AssetProof::from_json(&proof.to_json(&asset)).unwrap(), (asset, proof.clone()));
        let bad = proof.to_json(&asset).replace(&hex::encode([2u8; 32]), "02");
        assert!(AssetProof::from_json(&bad).unwrap_err().to_string().contains("path[1] is not 32 hex bytes"));
        assert!(AssetProof::from_json(r#"{"asset":"x"}"#).is_err());
    }

    #[test]
    fn depth_and_canopy_are_read_from_the_tree_account() {
        assert_eq!(tree_depths(&tree_account(3, 8, 0)), Some((3, 0)));
        assert_eq!(tree_depths(&tree_account(5, 8, 2)), Some((5, 2)));
        assert_eq!(tree_depths(&tree_account(20, 64, 15)), Some((20, 15)));
        // Not a whole canopy, a truncated account, a header only.
        let mut partial = tree_account(5, 8, 2);
        partial.truncate(partial.len() - 32);
        assert_eq!(tree_depths(&partial), None);
        assert_eq!(tree_depths(&tree_account(5, 8, 0)[..100]), None);
        assert_eq!(tree_depths(&[0u8; 8]), None);
    }

    #[test]
    fn the_current_root_is_the_active_changelog_entrys() {
        let mut data = tree_account(3, 8, 0);
        let entry = 32 + 32 * 3 + 8;
        data[TREE_HEADER_BYTES + 8..TREE_HEADER_BYTES + 16].copy_from_slice(&2u64.to_le_bytes());
        data[TREE_HEADER_BYTES + 24 + 2 * entry..][..32].copy_from_slice(&[7; 32]);
        assert_eq!(tree_current_root(&data), Some([7; 32]));
        // An active index past the buffer is not a tree.
        data[TREE_HEADER_BYTES + 8..TREE_HEADER_BYTES + 16].copy_from_slice(&800u64.to_le_bytes());
        assert_eq!(tree_current_root(&data), None);
    }
}
