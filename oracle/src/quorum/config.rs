//! The `[quorum]` section: this oracle's key, its peers, the pools it computes epochs for, and
//! the chain it posts to. Without `keypair` the oracle serves its API but runs no epochs.
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::epoch::RewardStream;

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct QuorumConfig {
    /// This oracle's signing key (a Solana keypair file); one of the pools' oracle keys.
    pub keypair: Option<PathBuf>,
    /// Pays post_root and activate_root; the oracle key when absent.
    pub payer_keypair: Option<PathBuf>,
    /// The node roots are posted through and pools and the treasury read from.
    pub rpc_url: Option<String>,
    /// The treasury whose emissions the pools pay out (base58).
    pub treasury: Option<String>,
    pub pools: Vec<PoolConfig>,
    pub peers: Vec<PeerConfig>,
    /// Seconds between two passes of the epoch pipeline.
    pub every_secs: u64,
    /// How long after an epoch's end its root's signatures stay postable.
    pub root_validity_secs: i64,
    /// Timeout of one request to the node or a peer; failed requests are retried with backoff.
    pub request_timeout_ms: u64,
    /// How long past its settling an epoch waits for a peer that answers but has not sealed its
    /// log of the epoch yet, before it is computed without (it is recomputed if the peer's
    /// segments turn up before a root is posted).
    pub peer_wait_secs: u64,
}

/// A pool this oracle computes epochs for.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PoolConfig {
    pub address: String,
    pub stream: RewardStream,
}

/// Another oracle of the pools' oracle sets.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// Its API, e.g. `http://10.0.0.2:8080`.
    pub url: String,
    /// Its oracle key (base58): only signatures by this key are taken from this peer.
    pub key: String,
}

impl Default for QuorumConfig {
    fn default() -> Self {
        Self {
            keypair: None,
            payer_keypair: None,
            rpc_url: None,
            treasury: None,
            pools: Vec::new(),
            peers: Vec::new(),
            every_secs: 30,
            root_validity_secs: 7 * 86_400,
            request_timeout_ms: 10_000,
            peer_wait_secs: 60,
        }
    }
}
