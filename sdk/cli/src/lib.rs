//! `fieldproof`, the command-line tool for hotspot owners and operators. Every command runs
//! over the SDK's [`Chain`], so the tests drive the same code against an in-process bank that
//! the binary drives against an RPC node.
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use fieldproof_sdk::device_registry::DeviceInfo;
use fieldproof_sdk::{AssetProof, Chain, Client, DasClient, OracleClient, OwnershipSource, OwnershipSourceError, Pubkey, RewardFile, SdkError, TreeHistory};
use solana_transaction::versioned::VersionedTransaction;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;

pub mod failure;
pub mod keypair;

pub use failure::Failure;

/// Command line of `fieldproof`.
#[derive(Debug, Parser)]
#[command(name = "fieldproof", version, about = "Fieldproof for hotspot owners and operators: pools, rewards, claims, device reports")]
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
}

fn default_keypair() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(".config/solana/id.json")
}

fn parse_h3(text: &str) -> Result<u64, String> {
    u64::from_str_radix(text.trim_start_matches("0x"), 16).map_err(|e| format!("not a hex H3 cell index: {e}"))
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

/// A command's result, for people and for scripts.
#[derive(Debug)]
pub struct Outcome {
    /// Lines for a terminal.
    pub human: String,
    /// The same facts as JSON.
    pub json: Value,
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

fn address(what: &str, text: &str) -> Result<Pubkey, Failure> {
    text.parse().map_err(|_| Failure::BadInput(format!("{what} is not a base58 address: {text:?}")))
}

fn reward_file(path: &std::path::Path) -> Result<RewardFile, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| Failure::BadInput(format!("cannot read reward file {}: {e}", path.display())))?;
    RewardFile::from_json(&text).map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bar(show: bool, len: usize, what: &'static str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64).with_message(what);
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} {elapsed}") {
        bar.set_style(style);
    }
    bar
}

/// Runs one chain command (every command but `heartbeat`, see [`heartbeat`]).
pub async fn execute<C: Chain, O: OwnershipSource>(command: &Command, ctx: &Context<C, O>) -> Result<Outcome, Failure> {
    match command {
        Command::Pool { pool } => show_pool(ctx, address("pool", pool)?).await,
        Command::CreateLookupTable { pool, trees } => {
            let trees = trees.iter().map(|t| address("tree", t)).collect::<Result<Vec<_>, _>>()?;
            create_lookup_table(ctx, address("pool", pool)?, &trees).await
        }
        Command::Devices { network } => devices(ctx, address("network", network)?).await,
        Command::Rewards { file, assets } => rewards(ctx, &reward_file(file)?, assets).await,
        Command::Claim { file: Some(file), assets, .. } => claim(ctx, &reward_file(file)?, assets).await,
        Command::Claim { file: None, .. } => Err(Failure::BadInput("claiming through the oracle takes its URL: see claim_through_oracle".into())),
        Command::SetDestination { pool, asset, to } => {
            set_destination(ctx, address("pool", pool)?, address("asset", asset)?, address("destination", to)?).await
        }
        Command::AssertLocation { asset, h3, elevation, gain } => {
            let location = fieldproof_sdk::device_registry::Location { h3_cell: *h3, elevation: *elevation, gain: *gain };
            assert_location(ctx, address("asset", asset)?, location).await
        }
        Command::Bootstrap { plan, keys } => bootstrap(ctx, plan, keys.as_deref()).await,
        Command::Heartbeat { .. } => Err(Failure::BadInput("heartbeat talks to the oracle, not the chain".into())),
    }
}

async fn show_pool<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, address: Pubkey) -> Result<Outcome, Failure> {
    let pool = ctx.client.pool(&address).await?;
    let oracles: Vec<String> = pool.oracles.keys().iter().map(|k| k.to_string()).collect();
    let root = |r: &fieldproof_sdk::reward_pool::RootState| {
        json!({"epoch": r.epoch, "root": hex(&r.root), "cumulative_total": r.cumulative_total, "leaf_count": r.leaf_count})
    };
    let pending = pool.pending.as_ref().map(|p| json!({"root": root(&p.root), "activates_at": p.activates_at}));
    let mut human = format!(
        "pool {address}\n  network     {}\n  mint        {}\n  authority   {}\n  guardian    {}\n  time lock   {} s\n  dispute     {} s\n  oracles     {} of {} must sign (config version {})\n  active      epoch {}, total {}, {} leaves, root {}\n  claimed     {}\n",
        pool.network,
        pool.mint,
        pool.authority,
        pool.guardian,
        pool.timelock_secs,
        pool.dispute_window_secs,
        pool.oracles.threshold,
        pool.oracles.count,
        pool.config_version,
        pool.active.epoch,
        pool.active.cumulative_total,
        pool.active.leaf_count,
        hex(&pool.active.root),
        pool.total_claimed,
    );
    if let Some(p) = &pool.pending {
        human.push_str(&format!("  pending     epoch {}, total {}, active from unix time {}\n", p.root.epoch, p.root.cumulative_total, p.activates_at));
    }
    // What the guardian watches: every loosening change waiting out the time lock.
    let mut changes = Vec::new();
    if let Some(p) = &pool.pending_oracles {
        let keys: Vec<String> = p.set.keys().iter().map(|k| k.to_string()).collect();
        human.push_str(&format!("  proposed    oracles {} of {} [{}], applicable from unix time {}\n", p.set.threshold, p.set.count, keys.join(", "), p.applicable_at));
        changes.push(json!({"change": "oracle_set", "oracles": keys, "threshold": p.set.threshold, "applicable_at": p.applicable_at}));
    }
    if let Some(p) = &pool.pending_config {
        human.push_str(&format!("  proposed    dispute window {} s, breaker {:?}, applicable from unix time {}\n", p.config.dispute_window_secs, p.config.breaker, p.applicable_at));
        changes.push(json!({"change": "config", "dispute_window_secs": p.config.dispute_window_secs, "breaker": format!("{:?}", p.config.breaker), "applicable_at": p.applicable_at}));
    }
    if let Some(p) = &pool.pending_guardian {
        human.push_str(&format!("  proposed    guardian {}, applicable from unix time {}\n", p.guardian, p.applicable_at));
        changes.push(json!({"change": "guardian", "guardian": p.guardian.to_string(), "applicable_at": p.applicable_at}));
    }
    let json = json!({
        "pool": address.to_string(), "network": pool.network.to_string(), "mint": pool.mint.to_string(), "authority": pool.authority.to_string(),
        "guardian": pool.guardian.to_string(), "oracles": oracles, "threshold": pool.oracles.threshold,
        "config_version": pool.config_version, "timelock_secs": pool.timelock_secs, "dispute_window_secs": pool.dispute_window_secs,
        "active": root(&pool.active), "pending": pending, "pending_changes": changes,
        "total_claimed": pool.total_claimed,
    });
    Ok(Outcome { human, json })
}

async fn create_lookup_table<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, pool_address: Pubkey, trees: &[Pubkey]) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    let pool = ctx.client.pool(&pool_address).await?;
    let token_program = ctx.client.chain().get_account(&pool.mint).await.map_err(fieldproof_sdk::SdkError::from)?.map(|a| a.owner);
    let token_program = token_program.ok_or_else(|| Failure::NotFound(format!("the pool's mint {} does not exist", pool.mint)))?;
    let addresses = fieldproof_sdk::claim_lookup_addresses(&pool_address, &pool, &token_program, trees);
    let table = ctx.client.create_lookup_table(&signer, &addresses).await?;
    Ok(Outcome {
        human: format!("lookup table {} holds the {} accounts claims from pool {pool_address} share; claimants pass --lookup-table {}\n", table.key, addresses.len(), table.key),
        json: json!({"lookup_table": table.key.to_string(), "addresses": addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>()}),
    })
}

async fn devices<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, network: Pubkey) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    // Reading the network first turns a wrong address into "not found" instead of an empty list.
    ctx.client.account::<fieldproof_sdk::device_registry::NetworkConfig>(&network).await?;
    let mine = ctx.client.devices_of(&network, &signer.pubkey(), &ctx.ownership).await?;
    let mut human = format!("{} device(s) of {} in network {network}\n", mine.len(), signer.pubkey());
    let mut rows = Vec::with_capacity(mine.len());
    for (address, device) in &mine {
        let (kind, status) = (format!("{:?}", device.kind).to_lowercase(), format!("{:?}", device.status).to_lowercase());
        let location = (device.location_asserts > 0).then(|| format!("{:x}", device.location.h3_cell));
        human.push_str(&format!("{:<44} {kind:<8} {status:<8} {}\n", device.asset.to_string(), location.as_deref().unwrap_or("not located")));
        rows.push(json!({
            "asset": device.asset.to_string(), "device": address.to_string(), "device_key": device.device_key.to_string(),
            "kind": kind, "status": status, "h3_cell": location, "elevation": device.location.elevation, "gain": device.location.gain,
        }));
    }
    Ok(Outcome { human, json: json!({"network": network.to_string(), "owner": signer.pubkey().to_string(), "devices": rows}) })
}

/// The file's assets named on the command line (every one when none is), each known to the file.
fn chosen_assets(file: &RewardFile, assets: &[String]) -> Result<Vec<Pubkey>, Failure> {
    if assets.is_empty() {
        return Ok(file.leaves().iter().map(|(asset, _)| *asset).collect());
    }
    assets
        .iter()
        .map(|text| {
            let asset = address("asset", text)?;
            match file.leaf(&asset) {
                Some(_) => Ok(asset),
                None => Err(Failure::NotFound(format!("device asset {asset} has no reward in epoch {} of pool {}", file.epoch, file.pool))),
            }
        })
        .collect()
}

async fn rewards<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, file: &RewardFile, assets: &[String]) -> Result<Outcome, Failure> {
    let assets = chosen_assets(file, assets)?;
    let progress = bar(ctx.progress, assets.len(), "reading claim records");
    let mut rows = Vec::with_capacity(assets.len());
    let mut human = format!("pool {} epoch {}\n{:<44} {:>14} {:>14} {:>14}\n", file.pool, file.epoch, "asset", "granted", "paid", "claimable");
    for asset in &assets {
        let granted = file.leaf(asset).map_or(0, |leaf| leaf.cumulative_amount);
        let record = ctx.client.claim_record(&file.pool, asset).await?;
        let paid = record.as_ref().map_or(0, |r| r.claimed);
        let destination = record.map(|r| r.destination).filter(|d| *d != Pubkey::default());
        let claimable = granted.saturating_sub(paid);
        human.push_str(&format!("{:<44} {granted:>14} {paid:>14} {claimable:>14}\n", asset.to_string()));
        rows.push(json!({"asset": asset.to_string(), "granted": granted, "paid": paid, "claimable": claimable,
                         "destination": destination.map(|d| d.to_string())}));
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(Outcome { human, json: json!({"pool": file.pool.to_string(), "epoch": file.epoch, "rewards": rows}) })
}

async fn claim<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, file: &RewardFile, assets: &[String]) -> Result<Outcome, Failure> {
    let assets = chosen_assets(file, assets)?;
    let signer = keypair::load(&ctx.keypair)?;
    let leaves: Vec<_> = assets.iter().filter_map(|asset| file.leaf(asset)).collect();
    let plan = ctx.client.plan_claims(&signer.pubkey(), &signer.pubkey(), &file.pool, &leaves, &ctx.ownership).await?;
    if plan.claimed.is_empty() {
        return Err(Failure::NothingToClaim(format!("nothing to claim: the {} device(s) asked for are paid in full", plan.nothing_to_claim.len())));
    }
    let progress = bar(ctx.progress, plan.transactions.len(), "sending claims");
    let mut signatures = Vec::with_capacity(plan.transactions.len());
    for batch in &plan.transactions {
        match ctx.client.send(batch, &signer, &[]).await {
            Ok(signature) => signatures.push(signature.to_string()),
            Err(e) => {
                progress.abandon();
                return Err(after_landed(e.into(), &signatures));
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(claimed_outcome(plan.paid, &plan.claimed, &plan.nothing_to_claim, signatures))
}

/// A failure after `signatures` landed: the message says which did.
fn after_landed(failure: Failure, signatures: &[String]) -> Failure {
    if signatures.is_empty() {
        return failure;
    }
    let landed = format!(" ({} transaction(s) had landed: {})", signatures.len(), signatures.join(", "));
    match failure {
        Failure::Refused(m) => Failure::Refused(format!("{m}{landed}")),
        Failure::Unreachable(m) => Failure::Unreachable(format!("{m}{landed}")),
        other => other,
    }
}

/// What a claim paid, for people and for scripts.
fn claimed_outcome(paid: u64, claimed: &[Pubkey], nothing_to_claim: &[Pubkey], signatures: Vec<String>) -> Outcome {
    let human = format!(
        "claimed {paid} for {} device(s) in {} transaction(s){}\n{}\n",
        claimed.len(),
        signatures.len(),
        if nothing_to_claim.is_empty() { String::new() } else { format!("; {} already paid in full", nothing_to_claim.len()) },
        signatures.join("\n"),
    );
    let json = json!({
        "paid": paid,
        "claimed": claimed.iter().map(Pubkey::to_string).collect::<Vec<_>>(),
        "nothing_to_claim": nothing_to_claim.iter().map(Pubkey::to_string).collect::<Vec<_>>(),
        "transactions": signatures,
    });
    Outcome { human, json }
}

/// `claim --pool`: the oracle prepares the claims of `pool`'s active root for the devices the
/// signer holds now (or only `assets`); they are checked to only claim, then signed and sent in
/// order.
pub async fn claim_through_oracle<C: Chain>(chain: &C, oracle: &OracleClient, keypair: &std::path::Path, pool: &str, assets: &[String], progress: bool) -> Result<Outcome, Failure> {
    let pool = address("pool", pool)?;
    let signer = keypair::load(keypair)?;
    let asked: Vec<Option<Pubkey>> = if assets.is_empty() { vec![None] } else { assets.iter().map(|a| address("asset", a).map(Some)).collect::<Result<_, _>>()? };
    let (mut paid, mut claimed, mut nothing_to_claim, mut signatures) = (0u64, Vec::new(), Vec::new(), Vec::new());
    for asset in asked {
        let claims = oracle.claim_transactions(&pool, &signer.pubkey(), asset.as_ref()).await?;
        claims.check_only_claims().map_err(|e| Failure::Refused(format!("the oracle's transactions were not signed: {e}")))?;
        let sending = bar(progress, claims.transactions.len(), "sending claims");
        for unsigned in claims.transactions {
            let signed = VersionedTransaction::try_new(unsigned.message, &[&signer]).map_err(|e| Failure::BadInput(format!("cannot sign the oracle's transaction: {e}")))?;
            match chain.send_transaction(&signed).await {
                Ok(signature) => signatures.push(signature.to_string()),
                Err(e) => {
                    sending.abandon();
                    return Err(after_landed(SdkError::Chain(e).into(), &signatures));
                }
            }
            sending.inc(1);
        }
        sending.finish_and_clear();
        paid += claims.paid;
        claimed.extend(claims.claimed);
        nothing_to_claim.extend(claims.nothing_to_claim);
    }
    if claimed.is_empty() {
        return Err(Failure::NothingToClaim(format!("nothing to claim from pool {pool}: {} device(s) paid in full", nothing_to_claim.len())));
    }
    Ok(claimed_outcome(paid, &claimed, &nothing_to_claim, signatures))
}

async fn set_destination<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, pool: Pubkey, asset: Pubkey, to: Pubkey) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    // Reading the pool first turns a wrong address into "not found" instead of a failed transaction.
    ctx.client.pool(&pool).await?;
    let signature = ctx.client.set_destination(&signer, &signer, &pool, &asset, to, &ctx.ownership).await?;
    Ok(Outcome {
        human: format!("rewards of {asset} from pool {pool} now go to {to}\n{signature}\n"),
        json: json!({"pool": pool.to_string(), "asset": asset.to_string(), "destination": to.to_string(), "transaction": signature.to_string()}),
    })
}

async fn assert_location<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, asset: Pubkey, location: fieldproof_sdk::device_registry::Location) -> Result<Outcome, Failure> {
    let signer = keypair::load(&ctx.keypair)?;
    let signature = ctx.client.assert_location(&signer, &signer, &asset, location, &ctx.ownership).await?;
    Ok(Outcome {
        human: format!("device {asset} now stands in H3 cell {:x} ({} m, {} tenths of dBi)\n{signature}\n", location.h3_cell, location.elevation, location.gain),
        json: json!({"asset": asset.to_string(), "h3_cell": format!("{:x}", location.h3_cell), "elevation": location.elevation, "gain": location.gain, "transaction": signature.to_string()}),
    })
}

async fn bootstrap<C: Chain, O: OwnershipSource>(ctx: &Context<C, O>, plan_path: &std::path::Path, keys: Option<&std::path::Path>) -> Result<Outcome, Failure> {
    use fieldproof_migrations::{KeyDir, NetworkPlan, Outcome as Step};
    let plan = NetworkPlan::load(plan_path)?;
    let signer = keypair::load(&ctx.keypair)?;
    let keys = KeyDir::new(match keys {
        Some(dir) => dir.to_path_buf(),
        None => {
            let stem = plan_path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "network".into());
            plan_path.with_file_name(format!("{stem}-keys"))
        }
    });
    let verb = |outcome: &Step| match outcome {
        Step::Created => "created",
        Step::Updated => "updated",
        Step::Unchanged => "in place",
        Step::Differs(_) => "DIFFERS",
    };
    let steps = 5 + plan.pools.len() + plan.makers.len() + usize::from(plan.registry.device_tree.is_some());
    let progress = bar(ctx.progress, steps, "bootstrapping");
    let report = fieldproof_migrations::bootstrap(&ctx.client, &signer, &plan, &keys, |step| {
        progress.set_message(format!("{} {}", verb(&step.outcome), step.what));
        progress.inc(1);
    })
    .await;
    progress.finish_and_clear();
    let report = report?;
    let differences: Vec<String> = report.differences().map(|s| format!("{} {}: {}", s.what, s.address, match &s.outcome { Step::Differs(why) => why.as_str(), _ => "" })).collect();
    if !differences.is_empty() {
        return Err(Failure::Differs(format!(
            "the network differs from the plan where only a time-locked proposal may change it (nothing was sent for these):\n  {}",
            differences.join("\n  ")
        )));
    }
    let d = &report.deployment;
    let mut human = String::new();
    for step in &report.steps {
        human.push_str(&format!("{:<9} {:<20} {}\n", verb(&step.outcome), step.what, step.address));
    }
    // The oracles' reward epochs are the treasury's: their `[epochs]` start_ts and length_secs.
    let schedule = ctx.client.account::<fieldproof_sdk::treasury::Treasury>(&d.treasury).await?.params.schedule;
    human.push_str(&format!("epochs of {} s from {} (Unix time)\n", schedule.epoch_length_secs, schedule.start_ts));
    human.push_str(&format!("guardian {} (its key: {}/guardian.json unless the plan names one)\n", d.guardian, keys.path().display()));
    human.push_str(if report.changed() { "the network now matches the plan\n" } else { "nothing to do: the network already matches the plan\n" });
    let list = |keys: &[Pubkey]| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let json = json!({
        "changed": report.changed(),
        "steps": report.steps.iter().map(|s| json!({"what": s.what, "address": s.address.to_string(), "outcome": verb(&s.outcome)})).collect::<Vec<_>>(),
        "guardian": d.guardian.to_string(), "network_mint": d.network_mint.to_string(), "token_program": d.token_program.to_string(), "treasury": d.treasury.to_string(),
        "pools": list(&d.pools), "dc_config": d.dc_config.to_string(), "dc_mint": d.dc_mint.to_string(),
        "network": d.network.to_string(), "device_tree": d.device_tree.map(|t| t.to_string()), "makers": list(&d.makers),
        "keys": keys.path().display().to_string(),
        "epoch_start_ts": schedule.start_ts, "epoch_length_secs": schedule.epoch_length_secs,
    });
    Ok(Outcome { human, json })
}

/// Signs a heartbeat with the device's key and submits it to the oracle at `oracle`.
pub async fn heartbeat(oracle: &str, timeout: Duration, device: &Keypair, h3: u64, uptime_s: u64, firmware: u32) -> Result<Outcome, Failure> {
    use fieldproof_sdk::reports::{ed25519_dalek::SigningKey, HeartbeatReport, ReportBody, ReportHeader};
    let key = SigningKey::from_bytes(device.secret_bytes());
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| Failure::BadInput(format!("the system clock is before 1970: {e}")))?
        .as_millis();
    let header = ReportHeader {
        device_key: key.verifying_key().to_bytes(),
        timestamp_ms: u64::try_from(now_ms).unwrap_or(u64::MAX),
        nonce: rand::random(),
    };
    let report = ReportBody::from(HeartbeatReport { header, location_h3: h3, uptime_s, firmware_version: firmware })
        .sign(&key)
        .map_err(|e| Failure::BadInput(format!("cannot sign the heartbeat: {e}")))?;
    let client = fieldproof_sdk::OracleClient::new(oracle, timeout)?;
    let id = client.submit_report(&report).await?;
    Ok(Outcome {
        human: format!("heartbeat of device {} stored by the oracle as {id}\n", device.pubkey()),
        json: json!({"device": device.pubkey().to_string(), "report_id": id.to_string()}),
    })
}
