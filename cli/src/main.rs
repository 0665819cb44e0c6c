//! The `fieldproof` binary: parses the command line, runs the command over an RPC node, prints
//! the outcome (or the failure) for people or, with `--json`, for scripts, and exits with the
//! failure's code.
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use fieldproof_cli::{claim_through_oracle, commands, execute, heartbeat, keypair, AssetIndex, Cli, Command, Context, Failure, Outcome};
use fieldproof_sdk::{Client, DasClient, OracleClient, RpcChain, TreeHistory};
use solana_commitment_config::CommitmentConfig;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let (text, code) = match run(&cli).await {
        Ok(outcome) if cli.json => (format!("{}\n", outcome.json), ExitCode::SUCCESS),
        Ok(outcome) => (outcome.human, ExitCode::SUCCESS),
        Err(failure) if cli.json => (format!("{}\n", failure.to_json()), ExitCode::from(failure.exit_code())),
        Err(failure) => {
            write_stderr(&format!("error: {failure}\n"));
            (String::new(), ExitCode::from(failure.exit_code()))
        }
    };
    match write_stdout(&text) {
        Ok(()) => code,
        // The reader went away (`fieldproof ... | head`): what it did not read is not wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code,
        Err(e) => {
            write_stderr(&format!("error: cannot write the output: {e}\n"));
            ExitCode::FAILURE
        }
    }
}

/// Writes `text` to standard output (`print!` would panic on a closed pipe).
fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes `text` to standard error, if anyone still reads it (`eprint!` would panic on a closed
/// pipe, as in `fieldproof ... 2>&1 | head`).
fn write_stderr(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

async fn run(cli: &Cli) -> Result<Outcome, Failure> {
    let timeout = Duration::from_secs(cli.timeout_secs.max(1));
    if let Command::Heartbeat { device_keypair, h3, uptime_s, firmware } = &cli.command {
        let device = keypair::load(device_keypair)?;
        return heartbeat(&cli.oracle, timeout, &device, *h3, *uptime_s, *firmware).await;
    }
    if let Command::SubmitReports { file, batch } = &cli.command {
        return commands::submit_reports::submit_reports(&cli.oracle, timeout, file, *batch).await;
    }
    let chain = RpcChain::new(cli.url.clone(), timeout, CommitmentConfig::confirmed());
    if let Command::Watch(args) = &cli.command {
        // A long-running service: JSON log lines, like the oracle's (RUST_LOG filters them).
        // A log reader that goes away does not stop the guardian's watch: lines nobody reads are
        // dropped without a word.
        tracing_subscriber::fmt()
            .json()
            .log_internal_errors(false)
            .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
            .init();
        return commands::watch::watch(Client::new(chain), &cli.oracle, timeout, &cli.keypair, args).await;
    }
    let progress = !cli.json && std::io::stderr().is_terminal();
    if let Command::Claim { file: None, pool: Some(pool), assets } = &cli.command {
        let oracle = OracleClient::new(cli.oracle.clone(), timeout)?;
        return claim_through_oracle(&chain, &oracle, &cli.keypair, pool, assets, progress).await;
    }
    let index = match &cli.das_url {
        Some(url) => AssetIndex::Das(DasClient::new(url.clone(), timeout).map_err(|e| Failure::BadInput(e.to_string()))?),
        None => AssetIndex::History(TreeHistory::new(RpcChain::new(cli.url.clone(), timeout, CommitmentConfig::confirmed()))),
    };
    let mut client = Client::new(chain);
    if let Some(table) = &cli.lookup_table {
        let table = table.parse().map_err(|_| Failure::BadInput(format!("the lookup table is not a base58 address: {table:?}")))?;
        let table = client.lookup_table(&table).await?;
        client = client.with_lookup_tables(vec![table]);
    }
    let ctx = Context { client, ownership: index, keypair: cli.keypair.clone(), progress };
    execute(&cli.command, &ctx).await
}
