//! Bootstraps a Fieldproof network on any cluster from a [`NetworkPlan`] (a TOML file): the
//! network token mint, the reward pools with their oracle sets, guardians and dispute windows,
//! the treasury and its emission schedule, data credits and their price oracle, the device
//! registry's network, its Bubblegum device tree and the approved makers, created in the order
//! the programs' chain of custody requires (the mint authority creates the data-credits config,
//! its authority the network, the network's authority the pools; then the treasury takes the
//! mint authority).
//!
//! Idempotent: every step reads the chain first, so a second run with the same plan sends
//! nothing and says so, and a run cut short (a crash, a dropped connection) is finished by
//! running it again. The keys of accounts created at fresh addresses (the mint, the tree) are
//! stored in a [`KeyDir`] before the accounts are created.
//!
//! ```no_run
//! # async fn run() -> Result<(), fieldproof_migrations::BootstrapError> {
//! use fieldproof_migrations::{bootstrap, KeyDir, NetworkPlan};
//! use fieldproof_sdk::{Client, RpcChain};
//!
//! let plan = NetworkPlan::load("migrations/localnet.toml".as_ref())?;
//! let chain = RpcChain::new("http://127.0.0.1:8899", std::time::Duration::from_secs(30), Default::default());
//! let deployer = solana_keypair::Keypair::new();
//! let report = bootstrap(&Client::new(chain), &deployer, &plan, &KeyDir::new("localnet-keys"), |step| {
//!     println!("{:?} {} {}", step.outcome, step.what, step.address)
//! })
//! .await?;
//! println!("the network: {}", report.deployment.network);
//! # Ok(()) }
//! ```
mod bootstrap;
mod keys;
mod plan;

pub use bootstrap::{bootstrap, Deployment, Outcome, Report, Step};
pub use keys::KeyDir;
pub use plan::{DataCreditsPlan, MakerPlan, NetworkPlan, PoolPlan, RegistryPlan, TokenPlan, TreasuryPlan, TreePlan, CLAIM_PROOF_NODES, DEFAULT_TIMELOCK_SECS};

/// Why a bootstrap stopped. Everything created before the error stays, and a rerun continues.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("the plan is not valid: {0}")]
    Plan(String),
    #[error("the key directory: {0}")]
    Keys(String),
    #[error(transparent)]
    Sdk(#[from] fieldproof_sdk::SdkError),
    #[error(transparent)]
    Chain(#[from] fieldproof_sdk::ChainError),
    #[error("{0}")]
    Unexpected(String),
}
