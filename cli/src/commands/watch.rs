//! `fieldproof watch`: the guardian's watchtower over a pool (see [`crate::watchtower`]).
use std::time::Duration;

use clap::Args;
use fieldproof_sdk::{Chain, Client, OracleClient};
use serde_json::json;
use solana_signer::Signer;

use crate::failure::Failure;
use crate::input::address;
use crate::output::Outcome;
use crate::keypair;
use crate::watchtower::{Bounds, Decision, Policy, Watchtower};

/// (guardian) Watch a pool: check every posted root against the reward file its content hash
/// names, fetched from the oracles, and against the bounds; veto a wrong one inside its dispute
/// window (or only report it). Logs JSON lines; runs until interrupted.
#[derive(Debug, Args)]
pub struct Watch {
    /// The pool's address.
    #[arg(long)]
    pool: String,
    /// An oracle to fetch reward files from, repeated for each; the global --oracle when none.
    #[arg(long = "oracle-url")]
    oracle_urls: Vec<String>,
    /// Most the pool's cumulative total may grow per epoch since the active root.
    #[arg(long)]
    max_total_growth: Option<u64>,
    /// Most one device's cumulative reward may grow per epoch since the active root.
    #[arg(long)]
    max_leaf_growth: Option<u64>,
    /// Only report wrong roots (as error log lines); never veto.
    #[arg(long)]
    alert_only: bool,
    /// A root whose file no oracle has served this many seconds before it activates is vetoed as
    /// unverifiable.
    #[arg(long, default_value_t = 10)]
    verify_within_secs: u64,
    /// Seconds between two looks at the pool.
    #[arg(long, default_value_t = 2)]
    poll_secs: u64,
}

/// Watches until Ctrl-C or SIGTERM, then says what it decided.
pub async fn watch<C: Chain>(client: Client<C>, oracle: &str, timeout: Duration, keypair: &std::path::Path, args: &Watch) -> Result<Outcome, Failure> {
    let pool = address("pool", &args.pool)?;
    let guardian = keypair::load(keypair)?;
    // Reading the pool first turns a wrong address into "not found" before anything starts.
    let read = client.pool(&pool).await?;
    if read.guardian != guardian.pubkey() && !args.alert_only {
        return Err(Failure::BadInput(format!("the signer {} is not the pool's guardian {}: pass --alert-only to only report", guardian.pubkey(), read.guardian)));
    }
    let urls: Vec<&str> = if args.oracle_urls.is_empty() { vec![oracle] } else { args.oracle_urls.iter().map(String::as_str).collect() };
    let oracles = urls.iter().map(|url| OracleClient::new(*url, timeout)).collect::<Result<Vec<_>, _>>()?;
    let bounds = Bounds { max_total_growth: args.max_total_growth, max_leaf_growth: args.max_leaf_growth };
    let policy = Policy { alert_only: args.alert_only, verify_within: Duration::from_secs(args.verify_within_secs) };
    let mut tower = Watchtower::new(client, guardian, oracles, pool, bounds, policy);
    let mut decisions: Vec<Decision> = Vec::new();
    tokio::select! {
        () = tower.run(Duration::from_secs(args.poll_secs.max(1)), |d| decisions.push(d.clone())) => {}
        () = stopped() => tracing::info!(pool = %pool, "stopping"),
    }
    let vetoed = decisions.iter().filter(|d| matches!(d, Decision::Vetoed { .. })).count();
    Ok(Outcome {
        human: format!("watched pool {pool}: {} root(s) decided, {vetoed} vetoed\n", decisions.len()),
        json: json!({"pool": pool.to_string(), "decisions": decisions.iter().map(Decision::to_json).collect::<Vec<_>>()}),
    })
}

/// Ctrl-C, or SIGTERM where there is one.
async fn stopped() {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        return;
    }
    // Without a handler, only the end of the process stops the watch.
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
