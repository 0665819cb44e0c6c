//! `fieldproof-oracle`: the proof service's command line.
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use fieldproof_oracle::config::OracleConfig;
use fieldproof_oracle::devices::DeviceDirectory;
use fieldproof_oracle::simulate::{Fleet, FleetSpec};

#[derive(Parser)]
#[command(name = "fieldproof-oracle", version, about = "The Fieldproof proof service")]
struct Cli {
    /// TOML configuration file; every field has a default (see README).
    #[arg(long, global = true, env = "FIELDPROOF_ORACLE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the ingest API until Ctrl-C or SIGTERM, then shut down without losing a report.
    Serve {
        /// Overrides `listen`.
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Overrides `database_url` (sqlite://FILE or postgres://...).
        #[arg(long, env = "FIELDPROOF_DATABASE_URL")]
        database_url: Option<String>,
        /// Overrides `devices_file`.
        #[arg(long)]
        devices: Option<PathBuf>,
    },
    /// Simulate a fleet: write its devices file, and/or send one round of its traffic (honest
    /// devices plus the cheaters asked for) to an oracle. The same seed is the same fleet.
    Simulate {
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long, default_value_t = 30)]
        hotspots: usize,
        #[arg(long, default_value_t = 6)]
        mappers: usize,
        #[arg(long, default_value_t = 2)]
        spoofers: usize,
        #[arg(long, default_value_t = 2)]
        loud_witnesses: usize,
        #[arg(long, default_value_t = 1)]
        teleporters: usize,
        #[arg(long, default_value_t = 1)]
        replayers: usize,
        /// Write the fleet's devices file here (for `serve --devices`).
        #[arg(long)]
        write_devices: Option<PathBuf>,
        /// Send the traffic to this oracle (e.g. http://127.0.0.1:8080).
        #[arg(long)]
        oracle: Option<String>,
    },
    /// Measure this machine: the ed25519 ceiling, HTTP ingest, the verifier and the peak memory
    /// of a million stored reports, side by side (see README). Ignores --config.
    Bench(fieldproof_oracle::bench::BenchOptions),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "fatal");
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = match &cli.config {
        Some(path) => OracleConfig::load(path)?,
        None => OracleConfig::default(),
    };
    match cli.command {
        Command::Serve { listen, database_url, devices } => {
            config.listen = listen.unwrap_or(config.listen);
            config.database_url = database_url.unwrap_or(config.database_url);
            config.devices_file = devices.or(config.devices_file);
            let directory = Arc::new(DeviceDirectory::default());
            if let Some(path) = &config.devices_file {
                let n = directory.load_file(path)?;
                tracing::info!(devices = n, file = %path.display(), "device directory loaded");
            }
            let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()?;
            let oracle = fieldproof_oracle::serve::start(&config, directory, Some(metrics)).await?;
            shutdown_signal().await;
            tracing::info!("shutting down: finishing requests in flight");
            oracle.shutdown().await
        }
        Command::Simulate { seed, hotspots, mappers, spoofers, loud_witnesses, teleporters, replayers, write_devices, oracle } => {
            let spec = FleetSpec { seed, hotspots, mappers, spoofers, loud_witnesses, teleporters, replayers };
            simulate(spec, write_devices, oracle).await
        }
        Command::Bench(options) => fieldproof_oracle::bench::run(&options).await,
    }
}

async fn simulate(spec: FleetSpec, write_devices: Option<PathBuf>, oracle: Option<String>) -> anyhow::Result<()> {
    let fleet = Fleet::new(spec);
    if let Some(path) = &write_devices {
        std::fs::write(path, serde_json::to_string_pretty(&fleet.devices_json())?)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        println!("wrote {} devices to {}", fleet.devices.len(), path.display());
    }
    let Some(url) = oracle else {
        anyhow::ensure!(write_devices.is_some(), "nothing to do: give --write-devices and/or --oracle");
        return Ok(());
    };
    let client = fieldproof_sdk::OracleClient::new(url.clone(), std::time::Duration::from_secs(10))?;
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as u64;
    // One round that ended a minute ago: every timestamp is within the clock-skew window.
    let traffic = fleet.traffic(now_ms.saturating_sub(120_000), 1);
    let mut accepted = 0usize;
    let mut refused: std::collections::BTreeMap<String, usize> = Default::default();
    for sim in &traffic {
        match client.submit_report(&sim.report).await {
            Ok(_) => accepted += 1,
            Err(fieldproof_sdk::OracleApiError::Rejected { code, .. }) => *refused.entry(code).or_default() += 1,
            Err(e) => anyhow::bail!("oracle at {url} unavailable: {e}"),
        }
    }
    println!("sent {} reports to {url}: {accepted} accepted", traffic.len());
    for (code, n) in refused {
        println!("  refused {n} with {code}");
    }
    println!("cheating reports stored for the verifier to catch: {}", traffic.iter().filter(|s| s.cheat).count());
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
