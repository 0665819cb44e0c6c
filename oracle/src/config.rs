//! The oracle's configuration: one TOML file, every field optional with a documented default.
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OracleConfig {
    /// Address the HTTP API listens on.
    pub listen: SocketAddr,
    /// Address of the operator endpoints (`/metrics`, and `/health` as on the API), kept off the
    /// public one; none serves no metrics.
    pub admin_listen: Option<SocketAddr>,
    /// `sqlite://FILE` (embedded, the default) or `postgres://USER@HOST/DB`.
    pub database_url: String,
    /// JSON file listing the devices the oracle accepts reports from (see `devices.rs`).
    pub devices_file: Option<PathBuf>,
    pub ingest: IngestConfig,
    /// The report log: the source of truth of the reports this oracle accepted.
    pub log: crate::log::LogConfig,
    pub verification: crate::verify::VerificationConfig,
    /// Signed denylist file and the hex public key of the authority that signs it.
    pub denylist_file: Option<PathBuf>,
    pub denylist_authority: Option<String>,
    pub registry: RegistryConfig,
    /// The chain whose blocks devices take their entropy from.
    pub entropy: crate::chain_blocks::EntropyConfig,
    /// Reward epochs: their boundaries and every parameter of the reward computation.
    pub epochs: crate::epoch::RewardConfig,
    /// Where epoch files are published: a local directory, or `s3://bucket[/prefix]`.
    pub epochs_store: String,
    /// The epoch pipeline: this oracle's key, its peers and pools.
    pub quorum: crate::quorum::QuorumConfig,
    /// Data-credit usage burns of the accepted data-transfer sessions.
    pub dc_burns: crate::dc_burns::DcBurnConfig,
    /// Ready-to-sign claim transactions (served with `[registry]`).
    pub claims: crate::owners::ClaimsConfig,
    /// How long the database keeps reports, refusals and client addresses (the log keeps the
    /// reports for good).
    pub retention: crate::storage::RetentionConfig,
    /// A built wallet app (`app/`'s `npm run build` output) to serve at `/`, so that the page and
    /// the API it reads share one origin.
    pub app_dir: Option<PathBuf>,
    /// Local networks only: a keypair file (the local network's test owner) served at
    /// `GET /v1/local/test-wallet` for the wallet app's local test wallet, on a loopback address
    /// only (see `local_wallet.rs`). Absent: no such route.
    pub local_test_wallet: Option<PathBuf>,
    /// How long a challenge an owner signs to see their dashcams' cells may be shown (see
    /// `owner_challenge.rs`).
    pub owner_challenge_ttl_secs: u64,
}

/// Where the device directory comes from on chain. With `rpc_url` and `network` set, the oracle
/// reads the network's DeviceInfo accounts at start and every `refresh_secs` after; entries of a
/// devices file are kept unless the chain has the same device key.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RegistryConfig {
    /// JSON-RPC endpoint of a Solana node.
    pub rpc_url: Option<String>,
    /// The device-registry network account (base58).
    pub network: Option<String>,
    pub refresh_secs: u64,
    /// Timeout of one RPC request; failed requests are retried with backoff.
    pub rpc_timeout_ms: u64,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self { rpc_url: None, network: None, refresh_secs: 30, rpc_timeout_ms: 10_000 }
    }
}

impl RegistryConfig {
    /// The endpoint and network to sync from, if syncing is configured; half a configuration
    /// is an error rather than a silently empty directory.
    pub fn source(&self) -> anyhow::Result<Option<(String, fieldproof_sdk::Pubkey)>> {
        match (&self.rpc_url, &self.network) {
            (None, None) => Ok(None),
            (Some(url), Some(network)) => {
                let network = network.parse().map_err(|e| anyhow::anyhow!("registry.network is not a base58 public key: {e}"))?;
                anyhow::ensure!(self.refresh_secs > 0, "registry.refresh_secs must be at least 1");
                Ok(Some((url.clone(), network)))
            }
            (Some(_), None) => anyhow::bail!("registry.rpc_url needs registry.network, the network whose devices to load"),
            (None, Some(_)) => anyhow::bail!("registry.network needs registry.rpc_url, the node to read it from"),
        }
    }
}

/// Limits of the ingest API.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Largest accepted request body in bytes; larger bodies get `oversize_body` unread.
    pub max_body_bytes: usize,
    /// Most reports in one `POST /v1/reports/batch`; more get `batch_too_large`.
    pub max_batch_reports: usize,
    /// Largest batch body in bytes; larger ones get `oversize_body` unread.
    pub max_batch_bytes: usize,
    /// How far a report's timestamp may be from the oracle's clock, either way.
    pub max_clock_skew_secs: u64,
    /// Single-report requests' signatures are checked in batches of at most this many...
    pub signature_batch: usize,
    /// ...gathered for at most this long after the first (0: only those already waiting).
    pub signature_wait_us: u64,
    /// Reports one device may send per minute (burst up to the same number).
    pub per_device_per_minute: u32,
    /// Requests one source address may send per minute, whatever they carry.
    pub per_source_per_minute: u32,
    /// Requests to the read endpoints (epochs, rewards, the log, the app) one source address may
    /// send per minute...
    pub per_source_reads_per_minute: u32,
    /// ...and of those, to the endpoints that read the chain for it (ownership, claims, owners'
    /// devices, destinations).
    pub per_source_chain_reads_per_minute: u32,
    /// Requests handled at once; more are refused with `overloaded` instead of queueing.
    pub max_in_flight: usize,
    /// A request not answered within this time gets `timeout`.
    pub request_timeout_ms: u64,
    /// A connection that has not sent a request's headers within this time (from when it
    /// opened or its previous answer) is closed.
    pub header_read_timeout_ms: u64,
    /// Connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Reports (of the clock-skew window) the writer remembers, to answer resends and replayed
    /// nonces without the database; beyond it the database's unique indexes answer. About 200
    /// bytes each.
    pub recent_reports_max: usize,
}

impl Default for OracleConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            admin_listen: None,
            database_url: "sqlite://fieldproof-oracle.sqlite".into(),
            devices_file: None,
            ingest: IngestConfig::default(),
            log: crate::log::LogConfig::default(),
            verification: crate::verify::VerificationConfig::default(),
            denylist_file: None,
            denylist_authority: None,
            registry: RegistryConfig::default(),
            entropy: crate::chain_blocks::EntropyConfig::default(),
            epochs: crate::epoch::RewardConfig::default(),
            epochs_store: "fieldproof-epochs".into(),
            quorum: crate::quorum::QuorumConfig::default(),
            dc_burns: crate::dc_burns::DcBurnConfig::default(),
            claims: crate::owners::ClaimsConfig::default(),
            retention: crate::storage::RetentionConfig::default(),
            app_dir: None,
            local_test_wallet: None,
            owner_challenge_ttl_secs: crate::owner_challenge::DEFAULT_CHALLENGE_TTL_SECS,
        }
    }
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: fieldproof_reports::MAX_REPORT_BYTES,
            max_batch_reports: fieldproof_reports::MAX_BATCH_REPORTS,
            max_batch_bytes: fieldproof_reports::MAX_BATCH_BYTES,
            max_clock_skew_secs: 300,
            signature_batch: 64,
            signature_wait_us: 500,
            per_device_per_minute: 120,
            per_source_per_minute: 60_000,
            per_source_reads_per_minute: 6_000,
            per_source_chain_reads_per_minute: 600,
            max_in_flight: 4_096,
            request_timeout_ms: 10_000,
            header_read_timeout_ms: 10_000,
            max_connections: 10_000,
            recent_reports_max: 1_000_000,
        }
    }
}

impl OracleConfig {
    /// How long after its end a log bucket is sealed: the clock-skew window (no report of it can
    /// be accepted any more after it) and a grace for the requests in flight.
    pub fn seal_delay_ms(&self) -> i64 {
        let secs = self.ingest.max_clock_skew_secs.saturating_add(self.log.seal_grace_secs);
        i64::try_from(secs.saturating_mul(1_000)).unwrap_or(i64::MAX)
    }

    pub fn owner_challenge_ttl_ms(&self) -> i64 {
        i64::try_from(self.owner_challenge_ttl_secs.saturating_mul(1_000)).unwrap_or(i64::MAX)
    }

    /// This oracle's identity in the log: its quorum key (base58), or `local` without one.
    pub fn oracle_id(&self) -> anyhow::Result<String> {
        match &self.quorum.keypair {
            Some(path) => {
                let key = solana_keypair::read_keypair_file(path).map_err(|e| anyhow::anyhow!("cannot read a keypair from {}: {e}", path.display()))?;
                Ok(solana_signer::Signer::pubkey(&key).to_string())
            }
            None => Ok("local".into()),
        }
    }

    /// The signed denylist, when one is configured; an unreadable or forged file is an error.
    pub fn denylist(&self) -> anyhow::Result<crate::verify::Denylist> {
        match (&self.denylist_file, &self.denylist_authority) {
            (None, _) => Ok(crate::verify::Denylist::default()),
            (Some(path), Some(authority)) => {
                let key = hex::decode(authority)
                    .ok()
                    .and_then(|k| <[u8; 32]>::try_from(k).ok())
                    .and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok())
                    .ok_or_else(|| anyhow::anyhow!("denylist_authority must be a 64-hex-digit ed25519 public key"))?;
                crate::verify::Denylist::load(path, &key)
            }
            (Some(_), None) => anyhow::bail!("denylist_file needs denylist_authority, the key that signs it"),
        }
    }

    /// Reads a TOML file; fields it leaves out keep their defaults.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("invalid config {}: {e}", path.display()))
    }

    /// The whole configuration, defaults filled in, as a file `load` reads back to the same.
    pub fn to_toml(&self) -> anyhow::Result<String> {
        toml::to_string(self).map_err(|e| anyhow::anyhow!("cannot write the configuration as TOML: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_the_defaults_and_unknown_fields_are_refused() {
        assert_eq!(toml::from_str::<OracleConfig>("").unwrap(), OracleConfig::default());
        let partial: OracleConfig = toml::from_str("[ingest]\nmax_clock_skew_secs = 5").unwrap();
        assert_eq!(partial.ingest.max_clock_skew_secs, 5);
        assert_eq!(partial.ingest.per_device_per_minute, 120);
        assert!(toml::from_str::<OracleConfig>("[ingest]\nmax_skew = 5").is_err());
    }

    #[test]
    fn a_written_configuration_reads_back_the_same() {
        let mut config = OracleConfig::default();
        config.quorum.keypair = Some("oracle.json".into());
        config.quorum.pools.push(crate::quorum::config::PoolConfig { address: "pool".into(), stream: crate::epoch::RewardStream::Mapping });
        config.quorum.peers.push(crate::quorum::config::PeerConfig { url: "http://10.0.0.2:8080".into(), key: "peer".into() });
        config.claims.lookup_tables.push("table".into());
        config.ingest.max_clock_skew_secs = 35;
        for written in [OracleConfig::default(), config] {
            assert_eq!(toml::from_str::<OracleConfig>(&written.to_toml().unwrap()).unwrap(), written);
        }
    }

    #[test]
    fn registry_sync_needs_both_endpoint_and_network() {
        let parse = |text: &str| toml::from_str::<OracleConfig>(text).unwrap().registry.source();
        assert!(parse("").unwrap().is_none());
        let network = fieldproof_sdk::Pubkey::new_unique();
        let both = parse(&format!("[registry]\nrpc_url = \"http://127.0.0.1:8899\"\nnetwork = \"{network}\"")).unwrap();
        assert_eq!(both, Some(("http://127.0.0.1:8899".to_string(), network)));
        for half in ["[registry]\nrpc_url = \"http://x\"", &format!("[registry]\nnetwork = \"{network}\"")] {
            assert!(parse(half).is_err(), "{half}");
        }
        let bad = parse("[registry]\nrpc_url = \"http://x\"\nnetwork = \"not-a-key\"").unwrap_err();
        assert!(bad.to_string().contains("registry.network"), "{bad}");
    }

    #[test]
    fn the_readme_documents_exactly_the_defaults() {
        let readme = include_str!("../../README.md");
        let section = readme.split("### Configuration").nth(1).expect("README has the configuration section");
        let block = section.split("```toml\n").nth(1).and_then(|b| b.split("```").next()).expect("a toml block");
        let documented: OracleConfig = toml::from_str(block).expect("the documented config parses");
        assert_eq!(documented, OracleConfig::default());
    }
}
