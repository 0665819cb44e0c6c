//! `fieldproof-oracle`: the proof service's command line.
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use fieldproof_oracle::config::OracleConfig;
use fieldproof_oracle::devices::DeviceDirectory;

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
    }
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
