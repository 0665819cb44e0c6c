//! The Rust SDK for Fieldproof integrators.
//!
//! - Program addresses, instruction builders and the programs' own account types:
//!   [`reward_pool`], [`treasury`], [`data_credits`], [`device_registry`].
//! - Device cNFT ownership proofs: [`ownership`] ([`DasClient`], or any [`OwnershipSource`]).
//! - Decoding accounts: [`decode_account`], or [`Client::account`].
//! - Chain access behind one small interface, [`Chain`]: [`RpcChain`] over JSON-RPC, and
//!   `BanksChain` over an in-process program-test bank with the `program-test` feature.
//! - [`Client`]: sending with compute budget, priority fee, blockhash refresh and named program
//!   errors ([`SdkError::Program`], [`program_error_name`]); the claim flow, one asset or many
//!   packed into few transactions ([`Client::claim_all`]); root posting.
//! - [`RewardFile`]: an epoch's rewards, from which every proof is rebuilt locally.
//! - Device reports: [`reports`] (the `fieldproof-reports` crate) builds and signs them,
//!   [`OracleClient`] submits them.
//!
//! # Drift
//! Builders fill the programs' generated `accounts::*` / `instruction::*` types, and the error
//! tables name every variant of the programs' error enums through exhaustive matches, so a
//! program change that the SDK does not follow fails to compile. The tests send every builder's
//! instruction to the programs in an in-process bank (`tests/reward_pool.rs`, `tests/treasury.rs`,
//! `tests/data_credits.rs`).
//!
//! # Claiming a reward
//! A claim pays the device cNFT's current owner, who proves it with the leaf's path in the
//! device tree. The chain keeps only the tree's roots and canopy; the path comes from an index of
//! the tree, here the Digital Asset Standard API many RPC providers serve ([`DasClient`]).
//! ```no_run
//! use std::time::Duration;
//! use fieldproof_sdk::{Client, DasClient, RewardLeaf, RpcChain, SdkError};
//! use solana_commitment_config::CommitmentConfig;
//! use solana_keypair::Keypair;
//! # async fn example(owner: Keypair, pool: anchor_lang::prelude::Pubkey, leaf: RewardLeaf) -> Result<(), SdkError> {
//! let url = "http://127.0.0.1:8899";
//! let client = Client::new(RpcChain::new(url, Duration::from_secs(10), CommitmentConfig::confirmed()));
//! let index = DasClient::new(url, Duration::from_secs(10))?;
//! // The leaf (asset, cumulative amount, reward proof) comes from the epoch's reward file.
//! let (paid, signature) = client.claim(&owner, &owner, &pool, &leaf, &index).await?;
//! println!("claimed {paid} in {signature}");
//! # Ok(()) }
//! ```
//!
//! # Claiming many devices from a reward file
//! Every reward proof comes from the epoch's reward file itself; the claims are packed into as
//! few transactions as fit.
//! ```no_run
//! use fieldproof_sdk::{Client, DasClient, Pubkey, RewardFile, RpcChain};
//! use solana_keypair::Keypair;
//! # async fn example(client: Client<RpcChain>, index: DasClient, owner: Keypair, my_assets: Vec<Pubkey>) -> Result<(), Box<dyn std::error::Error>> {
//! let file = RewardFile::from_json(&std::fs::read_to_string("rewards.json")?)?;
//! let leaves: Vec<_> = my_assets.iter().filter_map(|asset| file.leaf(asset)).collect();
//! let summary = client.claim_all(&owner, &owner, &file.pool, &leaves, &index).await?;
//! println!("paid {} in {} transaction(s)", summary.paid, summary.transactions.len());
//! # Ok(()) }
//! ```
//!
//! # Checking a reward file against a posted root
//! ```
//! use fieldproof_sdk::{merkle, Pubkey, RewardFile};
//! let (pool, asset) = (Pubkey::new_unique(), Pubkey::new_unique());
//! let file = RewardFile::new(pool, 7, vec![(asset, 1_500), (Pubkey::new_unique(), 20)]).unwrap();
//! // `file.root()` is what the oracles must have posted for epoch 7; each leaf proves against it.
//! let leaf = file.leaf(&asset).unwrap();
//! assert!(merkle::verify(&file.root(), merkle::leaf_hash(&asset.to_bytes(), 1_500), &leaf.proof));
//! ```
//!
//! # Posting a root (oracle side)
//! ```no_run
//! use fieldproof_sdk::reward_pool::{self, PostRootArgs};
//! use fieldproof_sdk::{Chain, Client, SdkError};
//! # async fn example<C: Chain>(client: &Client<C>, payer: solana_keypair::Keypair, pool: anchor_lang::prelude::Pubkey,
//! #     oracles: Vec<ed25519_dalek::SigningKey>, args: PostRootArgs) -> Result<(), SdkError> {
//! // Each oracle signs the same message; any k of them make a quorum.
//! let signatures: Vec<_> = oracles.iter().map(|key| reward_pool::sign_root(key, &pool, &args)).collect();
//! client.post_root(&payer, &pool, args, &signatures).await?;
//! # Ok(()) }
//! ```
//!
//! # Submitting a device report
//! ```no_run
//! use std::time::Duration;
//! use fieldproof_sdk::reports::{ed25519_dalek::SigningKey, HeartbeatReport, ReportBody, ReportHeader};
//! use fieldproof_sdk::OracleClient;
//! # async fn example(device: SigningKey, now_ms: u64, nonce: [u8; 16]) -> Result<(), Box<dyn std::error::Error>> {
//! let header = ReportHeader { device_key: device.verifying_key().to_bytes(), timestamp_ms: now_ms, nonce };
//! let report = ReportBody::from(HeartbeatReport { header, location_h3: 0x8a2a1072b59ffff, uptime_s: 60, firmware_version: 1 })
//!     .sign(&device)?;
//! let oracle = OracleClient::new("http://127.0.0.1:8080", Duration::from_secs(5))?;
//! let id = oracle.submit_report(&report).await?;
//! println!("stored as {id}");
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod accounts;
mod chain;
mod claim_transactions;
mod client;
pub mod data_credits;
pub mod device_registry;
mod error;
mod oracle_api;
pub mod ownership;
mod program_errors;
mod report_broadcast;
mod reward_file;
mod reward_proof;
mod signed_root;
pub mod reward_pool;
pub mod treasury;
mod tree_history;

pub use accounts::decode_account;
pub use anchor_lang::prelude::Pubkey;
pub use solana_message::AddressLookupTableAccount;
pub use fieldproof_circuit_breaker::{BreakerConfig, Threshold};
pub use fieldproof_merkle as merkle;
#[cfg(feature = "program-test")]
pub use chain::BanksChain;
pub use claim_transactions::{wire_base64, ClaimTransactions, ClaimTransactionsError};
pub use chain::{AccountFilter, Chain, ChainError, ProgramChanges, RetryPolicy, RpcChain};
pub use client::{claim_lookup_addresses, transaction_size, versioned_transaction_size, ClaimAllSummary, ClaimPlan, Client, PreparedClaim, RewardLeaf, SendOptions, MAX_TRANSACTION_BYTES};
pub use error::SdkError;
pub use fieldproof_reports as reports;
pub use oracle_api::{LastSignedEpoch, LogBucket, LogSegment, OracleApiError, OracleClient, OracleHealth};
pub use ownership::{AssetProof, DasClient, OwnershipSource, OwnershipSourceError};
pub use report_broadcast::{Delivery, OracleStatus, ReportBroadcast};
pub use reward_file::{content_hash, RewardFile, RewardFileError};
pub use reward_proof::{RewardProof, RewardProofError};
pub use signed_root::{SignedRoot, SignedRootError};
pub use tree_history::TreeHistory;
pub use program_errors::{program_error_name, ProgramErrorName};
