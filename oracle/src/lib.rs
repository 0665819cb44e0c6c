//! The Fieldproof oracle: collects signed device reports, stores them durably, verifies them
//! off-chain and turns them into reward epochs.
pub mod bench;
pub mod bench_epoch;
pub mod chain_blocks;
pub mod config;
pub mod dc_burns;
pub mod devices;
pub mod epoch;
pub mod http_server;
pub mod ingest;
pub mod local_wallet;
/// The report log and the object store are their own crate.
pub use fieldproof_log as log;
pub mod log_api;
pub mod network_page;
pub use fieldproof_log::objects;
pub mod onboard;
pub mod owner_challenge;
pub mod owners;
pub mod quorum;
pub mod rate_limit;
mod refusal;
pub mod registry_sync;
pub mod retention;
pub mod serve;
pub mod simulate;
/// The database is its own crate too; the service reaches it by its old name.
pub use fieldproof_store as storage;
/// The verifier is its own crate; the service reaches it by its old name.
pub use fieldproof_verifier as verify;
pub mod wallet;
