//! `fieldproof`, the command-line tool for hotspot owners and operators. Every command runs
//! over the SDK's [`Chain`], so the tests drive the same code against an in-process bank that
//! the binary drives against an RPC node. The command line is defined here; each command's work
//! is a module of [`commands`].
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use fieldproof_sdk::device_registry::DeviceInfo;
use fieldproof_sdk::{AssetProof, Chain, Client, DasClient, OwnershipSource, OwnershipSourceError, TreeHistory};

pub mod commands;
pub mod failure;
pub mod input;
pub mod keypair;
pub mod output;
pub mod progress;
pub mod watchtower;

pub use commands::claim::claim_through_oracle;
pub use commands::heartbeat::heartbeat;
pub use failure::Failure;
pub use output::Outcome;

use input::{address, parse_h3, reward_file};

/// Command line of `fieldproof`.
#[derive(Debug, Parser)]
#[command(name = "fieldproof", version, about = "Fieldproof for hotspot owners, makers, operators and guardians: devices, data credits, pools, rewards, claims, governance")]
pub struct Cli {
    /// JSON-RPC endpoint of a Solana node.
    #[arg(long, global = true, env = "FIELDPROOF_RPC_URL", default_value = "http://127.0.0.1:8899")]
    pub url: String,
    /// The Digital Asset Standard API that serves device cNFTs' ownership proofs (many RPC
    /// providers serve it at their RPC URL). Without it, the proofs are rebuilt from the device
    /// tree's history on the RPC node, which suits a localnet or a small network.
    #[arg(long, global = true, env = "FIELDPROOF_DAS_URL")]
    pub das_url: Option<String>,
    /// An address lookup table to send through (the pool's, from `create-lookup-table`): claims in
    /// a network of about a million devices fit a transaction only with it.
    #[arg(long, global = true, env = "FIELDPROOF_LOOKUP_TABLE")]
    pub lookup_table: Option<String>,
    /// The oracle's HTTP API.
    #[arg(long, global = true, env = "FIELDPROOF_ORACLE_URL", default_value = "http://127.0.0.1:8080")]
    pub oracle: String,
    /// Keypair file that signs and pays (`-` reads it from standard input).
    #[arg(long, short = 'k', global = true, env = "FIELDPROOF_KEYPAIR", default_value_os_t = default_keypair())]
    pub keypair: PathBuf,
    /// Machine-readable output: one JSON object on standard output, errors included.
    #[arg(long, global = true)]
    pub json: bool,
    /// Timeout of one request to the node or the oracle, in seconds (failed requests are retried).
    #[arg(long, global = true, default_value_t = 10)]
    pub timeout_secs: u64,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show a reward pool: mint, roles, oracle set, active and pending roots.
    Pool {
        /// The pool's address.
        pool: String,
    },
    /// The signer's devices in a network: asset, hardware key, kind, status, location.
    Devices {
        /// The network's address (the registry's NetworkConfig).
        #[arg(long)]
        network: String,
    },
    /// Rewards per device of a reward file: granted, already paid, claimable now.
    Rewards {
        /// The epoch's reward file (JSON).
        #[arg(long)]
        file: PathBuf,
        /// Only these devices' assets (all of the file's when none is given).
        #[arg(long = "asset")]
        assets: Vec<String>,
    },
    /// Claim devices' rewards, in as few transactions as fit: from a reward file, or from a
    /// pool's active root through the oracle (`--oracle`), which prepares the transactions for
    /// every device the signer holds; the signer checks that they only claim, then signs them.
    Claim {
        /// The epoch's reward file (JSON).
        #[arg(long, required_unless_present = "pool", conflicts_with = "pool")]
        file: Option<PathBuf>,
        /// Claim from this pool through the oracle, without a reward file.
        #[arg(long)]
        pool: Option<String>,
        /// The devices' assets to claim for (with `--pool`: all the signer's devices when none).
        #[arg(long = "asset", required_unless_present = "pool")]
        assets: Vec<String>,
    },
    /// Create the address lookup table claimants of a pool send through (the operator, once).
    CreateLookupTable {
        /// The pool's address.
        #[arg(long)]
        pool: String,
        /// The network's device trees.
        #[arg(long = "tree", required = true)]
        trees: Vec<String>,
    },
    /// Pay a device's future rewards to another token account of the pool's mint.
    SetDestination {
        /// The pool's address.
        #[arg(long)]
        pool: String,
        /// The device's asset.
        #[arg(long)]
        asset: String,
        /// The token account to pay to.
        #[arg(long)]
        to: String,
    },
    /// Create a network from a plan (a TOML file), or finish or check one: every part missing is
    /// created, every part present is compared with the plan. Safe to run again; a rerun with the
    /// same plan sends nothing. The signer pays and holds every authority.
    Bootstrap {
        /// The network plan (e.g. migrations/localnet.toml).
        #[arg(long)]
        plan: PathBuf,
        /// Where the keys of the mint and the device tree are kept (created on first use);
        /// `<plan>-keys/` beside the plan by default.
        #[arg(long)]
        keys: Option<PathBuf>,
    },
    /// Assert where a device stands (its cNFT's owner signs; the location fee is burned from
    /// the owner's DC).
    AssertLocation {
        /// The device's asset.
        #[arg(long)]
        asset: String,
        /// The H3 cell, in hex (e.g. 8a2a1072b59ffff).
        #[arg(long, value_parser = parse_h3)]
        h3: u64,
        /// The antenna's height above ground, in metres.
        #[arg(long, default_value_t = 0)]
        elevation: i32,
        /// The antenna's gain, in tenths of dBi.
        #[arg(long, default_value_t = 0)]
        gain: i32,
    },
    /// (maker) Issue a device as a cNFT under the device's and the maker's signatures.
    IssueDevice(commands::issue_device::IssueDevice),
    /// Give a device cNFT to another owner.
    TransferDevice(commands::transfer_device::TransferDevice),
    /// Buy data credits with the network token.
    BuyDc(commands::buy_dc::BuyDc),
    /// Delegate data credits to a router's usage.
    DelegateDc(commands::delegate_dc::DelegateDc),
    /// Take back DC delegated to a router: give notice, then take what is left.
    WithdrawDc {
        #[command(subcommand)]
        action: commands::withdraw_dc::WithdrawDcAction,
    },
    /// (network authority) Deactivate or reactivate a device.
    DeviceStatus(commands::device_status::SetDeviceStatus),
    /// (network authority) Approve or revoke a hardware maker.
    Maker {
        #[command(subcommand)]
        action: commands::maker::MakerAction,
    },
    /// A pool's oracle set: propose, apply after the time lock, cancel.
    OracleSet {
        #[command(subcommand)]
        action: commands::oracle_set::OracleSetAction,
    },
    /// A pool's dispute window, breaker and time lock: tighten at once, or propose, apply, cancel.
    PoolConfig {
        #[command(subcommand)]
        action: commands::pool_config::PoolConfigAction,
    },
    /// The treasury's schedule, split, breaker and time lock: propose, apply, cancel.
    TreasuryParams {
        #[command(subcommand)]
        action: commands::treasury_params::TreasuryParamsAction,
    },
    /// The data-credits price source, staleness and breaker: tighten at once, or propose, apply, cancel.
    DcConfig {
        #[command(subcommand)]
        action: commands::dc_config::DcConfigAction,
    },
    /// A quorum price oracle's submitters: propose, apply after the time lock, cancel.
    PriceSubmitters {
        #[command(subcommand)]
        action: commands::price_submitters::PriceSubmittersAction,
    },
    /// Hand a role of a pool, the treasury, the DC configuration or the network over.
    Role {
        #[command(subcommand)]
        action: commands::role::RoleAction,
    },
    /// (guardian) Veto the pool's pending root: it never pays, and every signature gathered
    /// before (for any epoch) is void; the oracles sign again under the new config version.
    VetoRoot(input::PoolArg),
    /// Activate the pool's pending root once its dispute window has passed (anyone may; the
    /// signer pays the fee).
    ActivateRoot(input::PoolArg),
    /// (guardian) Watch a pool's posted roots, and veto the wrong ones.
    Watch(commands::watch::Watch),
    /// Sign a heartbeat with a device's key and submit it to the oracle.
    Heartbeat {
        /// The device's keypair file.
        #[arg(long)]
        device_keypair: PathBuf,
        /// The device's H3 cell, in hex (e.g. 8a2a1072b59ffff).
        #[arg(long, value_parser = parse_h3)]
        h3: u64,
        /// Seconds since the device booted.
        #[arg(long, default_value_t = 0)]
        uptime_s: u64,
        /// The device firmware's version.
        #[arg(long, default_value_t = 0)]
        firmware: u32,
    },
    /// Submit a file of devices' signed reports (a gateway's: the batch endpoint's encoding) to
    /// the oracle, in batches; say each one the oracle did not take.
    SubmitReports {
        /// The file: a u32 count, then each signed report as a u32 length and its bytes (little
        /// endian), as the SDK's `reports::encode_batch` writes it.
        #[arg(long)]
        file: PathBuf,
        /// Reports per request (the oracle's `[ingest] max_batch_reports` is the most it takes).
        #[arg(long, default_value_t = fieldproof_sdk::reports::MAX_BATCH_REPORTS)]
        batch: usize,
    },
}

fn default_keypair() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(".config/solana/id.json")
}

/// Where the commands get device cNFTs' ownership proofs.
pub enum AssetIndex {
    /// A DAS indexer.
    Das(DasClient),
    /// The device tree's history on the RPC node.
    History(TreeHistory),
}

impl OwnershipSource for AssetIndex {
    async fn asset_proof(&self, device: &DeviceInfo) -> Result<AssetProof, OwnershipSourceError> {
        match self {
            AssetIndex::Das(das) => das.asset_proof(device).await,
            AssetIndex::History(history) => history.asset_proof(device).await,
        }
    }
}

/// What the commands run with besides their arguments.
pub struct Context<C, O> {
    /// The SDK client over the chain.
    pub client: Client<C>,
    /// Where device cNFTs' ownership proofs come from.
    pub ownership: O,
    /// Where the signing keypair comes from.
    pub keypair: PathBuf,
    /// Show progress bars (on a terminal, without `--json`).
    pub progress: bool,
}

/// Runs one chain command (every command but `heartbeat`, see [`heartbeat`]).
pub async fn execute<C: Chain, O: OwnershipSource>(command: &Command, ctx: &Context<C, O>) -> Result<Outcome, Failure> {
    match command {
        Command::Pool { pool } => commands::pool::show_pool(ctx, address("pool", pool)?).await,
        Command::CreateLookupTable { pool, trees } => {
            let trees = trees.iter().map(|t| address("tree", t)).collect::<Result<Vec<_>, _>>()?;
            commands::create_lookup_table::create_lookup_table(ctx, address("pool", pool)?, &trees).await
        }
        Command::Devices { network } => commands::devices::devices(ctx, address("network", network)?).await,
        Command::Rewards { file, assets } => commands::rewards::rewards(ctx, &reward_file(file)?, assets).await,
        Command::Claim { file: Some(file), assets, .. } => commands::claim::claim(ctx, &reward_file(file)?, assets).await,
        Command::Claim { file: None, .. } => Err(Failure::BadInput("claiming through the oracle takes its URL: see claim_through_oracle".into())),
        Command::SetDestination { pool, asset, to } => {
            commands::set_destination::set_destination(ctx, address("pool", pool)?, address("asset", asset)?, address("destination", to)?).await
        }
        Command::AssertLocation { asset, h3, elevation, gain } => {
            let location = fieldproof_sdk::device_registry::Location { h3_cell: *h3, elevation: *elevation, gain: *gain };
            commands::assert_location::assert_location(ctx, address("asset", asset)?, location).await
        }
        Command::Bootstrap { plan, keys } => commands::bootstrap::bootstrap(ctx, plan, keys.as_deref()).await,
        Command::IssueDevice(args) => commands::issue_device::issue_device(ctx, args).await,
        Command::TransferDevice(args) => commands::transfer_device::transfer_device(ctx, args).await,
        Command::BuyDc(args) => commands::buy_dc::buy_dc(ctx, args).await,
        Command::DelegateDc(args) => commands::delegate_dc::delegate_dc(ctx, args).await,
        Command::WithdrawDc { action } => commands::withdraw_dc::withdraw_dc(ctx, action).await,
        Command::DeviceStatus(args) => commands::device_status::device_status(ctx, args).await,
        Command::Maker { action } => commands::maker::maker(ctx, action).await,
        Command::OracleSet { action } => commands::oracle_set::oracle_set(ctx, action).await,
        Command::PoolConfig { action } => commands::pool_config::pool_config(ctx, action).await,
        Command::TreasuryParams { action } => commands::treasury_params::treasury_params(ctx, action).await,
        Command::DcConfig { action } => commands::dc_config::dc_config(ctx, action).await,
        Command::PriceSubmitters { action } => commands::price_submitters::price_submitters(ctx, action).await,
        Command::Role { action } => commands::role::role(ctx, action).await,
        Command::VetoRoot(args) => commands::veto_root::veto_root(ctx, args).await,
        Command::ActivateRoot(args) => commands::activate_root::activate_root(ctx, args).await,
        Command::Heartbeat { .. } | Command::SubmitReports { .. } => Err(Failure::BadInput("this command talks to the oracle, not the chain".into())),
        Command::Watch(_) => Err(Failure::BadInput("watch talks to the oracles too: see commands::watch::watch".into())),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn every_command_line_is_well_formed() {
        // Clap checks a command's arguments only when that command is parsed: check them all.
        super::Cli::command().debug_assert();
    }
}
