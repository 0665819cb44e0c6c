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
    /// Simulate a fleet: write its devices file, and/or send its traffic (honest devices plus
    /// the cheaters asked for) to oracles, a beacon round every ten minutes. The same seed is the
    /// same fleet.
    Simulate {
        #[command(flatten)]
        fleet: FleetArgs,
        /// Write the fleet's devices file here (for `serve --devices`).
        #[arg(long)]
        write_devices: Option<PathBuf>,
        /// Send the traffic to this oracle (e.g. http://127.0.0.1:8080); repeat it to send every
        /// report to each of several oracles, as devices of a network with a quorum of oracles do.
        #[arg(long)]
        oracle: Vec<String>,
        /// Beacon rounds to send, ten minutes apart, each report when its timestamp comes (a
        /// round takes about a minute and a half); 0 sends rounds until stopped.
        #[arg(long, default_value_t = 1)]
        rounds: u64,
        /// An oracle that is away gets its reports later, for as long as it still accepts them:
        /// its clock-skew window (`[ingest] max_clock_skew_secs`).
        #[arg(long, default_value_t = 300)]
        resend_window_secs: u64,
        #[command(flatten)]
        onboard: OnboardArgs,
    },
    /// What a simulated fleet (the same fleet arguments as `simulate`) earned, by role, in the
    /// newest published epoch of each pool: the devices found by key in the directory that epoch
    /// recorded. Exits 1 when a role that cheats in every report it sends earned anything.
    Tally {
        #[command(flatten)]
        fleet: FleetArgs,
        /// A reward pool (base58); repeat it for each pool.
        #[arg(long, required = true)]
        pool: Vec<String>,
        /// Overrides `epochs_store`.
        #[arg(long)]
        epochs_store: Option<String>,
    },
    /// Compute a pool's reward epoch from this oracle's report log (its sealed segments of the
    /// epoch) and publish its reward file and manifest to the epoch store. Rerunning an epoch
    /// already published changes nothing.
    Epoch {
        #[command(flatten)]
        target: EpochTarget,
        /// The reward stream the pool pays.
        #[arg(long, value_enum)]
        stream: fieldproof_oracle::epoch::RewardStream,
        /// Tokens the treasury emitted into the pool for this epoch.
        #[arg(long)]
        emission: u64,
    },
    /// Recompute a published epoch from what its manifest names alone — the log segments of its
    /// reports (from the log store), the directory, blocks, denylist and configurations it
    /// recorded (from the epoch store) — and check the published root. Needs no database, no
    /// chain and no other configuration: read access to the two stores. Exits 1 and names the
    /// first differing leaf when it differs.
    VerifyEpoch {
        /// The reward pool (base58).
        #[arg(long)]
        pool: String,
        #[arg(long)]
        epoch: u64,
        /// Overrides `epochs_store`.
        #[arg(long)]
        epochs_store: Option<String>,
        /// Overrides `log.store`.
        #[arg(long)]
        log_store: Option<String>,
    },
    /// Rebuild the database's index of the report log (the reports and the segments held) from
    /// the log store alone, e.g. into a new or lost database. Safe over a live index.
    RebuildIndex {
        /// Overrides `database_url`.
        #[arg(long, env = "FIELDPROOF_DATABASE_URL")]
        database_url: Option<String>,
        /// Overrides `log.store`.
        #[arg(long)]
        log_store: Option<String>,
    },
    /// Print the configuration in effect, every default filled in, as TOML (a file --config reads).
    Config,
    /// Measure this machine: the ed25519 ceiling, HTTP ingest, the verifier and the peak memory
    /// of a million stored reports, side by side (see README). Ignores --config.
    Bench(fieldproof_oracle::bench::BenchOptions),
    /// Measure the epoch side: one epoch of a million-device network, the reward tree against
    /// rs_merkle, the proof API under wrk, side by side (see README). Ignores --config.
    BenchEpoch(fieldproof_oracle::bench_epoch::EpochBenchOptions),
}

/// Which simulated fleet: the same arguments give the same devices, keys and cheaters.
#[derive(clap::Args)]
struct FleetArgs {
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[arg(long, default_value_t = 30)]
    hotspots: usize,
    #[arg(long, default_value_t = 10)]
    mappers: usize,
    /// Cheaters of every class among them (grinders in pairs): spoofers, loud witnesses,
    /// replayers, location and power liars, fabricators, grinders, self-dealers, teleporting,
    /// stitching, overlapping, backdating and stale-track dashcams.
    #[arg(long, default_value_t = 1)]
    cheaters: usize,
}

impl FleetArgs {
    fn spec(&self) -> FleetSpec {
        FleetSpec { seed: self.seed, hotspots: self.hotspots, mappers: self.mappers, cheaters: fieldproof_oracle::simulate::Cheaters::each(self.cheaters) }
    }
}

/// Which epoch of which pool, and the stores to read it from.
#[derive(clap::Args)]
struct EpochTarget {
    /// The reward pool (base58).
    #[arg(long)]
    pool: String,
    /// The epoch number; by default the last one that has ended.
    #[arg(long)]
    epoch: Option<u64>,
    /// Overrides `database_url`.
    #[arg(long, env = "FIELDPROOF_DATABASE_URL")]
    database_url: Option<String>,
    /// Overrides `devices_file`.
    #[arg(long)]
    devices: Option<PathBuf>,
    /// Overrides `epochs_store`.
    #[arg(long)]
    epochs_store: Option<String>,
    /// Overrides `log.store`.
    #[arg(long)]
    log_store: Option<String>,
}

/// Issuing the fleet's devices on a network first (a local network: see scripts/localnet.sh).
#[derive(clap::Args)]
struct OnboardArgs {
    /// Issue every device as a cNFT and assert the hotspots' locations on this RPC node first.
    #[arg(long, requires_all = ["network", "maker_keypair", "payer_keypair", "owner_keypair"])]
    onboard_url: Option<String>,
    /// The registry's network account.
    #[arg(long)]
    network: Option<String>,
    /// The maker's attestation keypair; its public key is the maker's id unless --maker-id says otherwise.
    #[arg(long)]
    maker_keypair: Option<PathBuf>,
    #[arg(long)]
    maker_id: Option<String>,
    /// Pays the transactions, and the DC with its network tokens.
    #[arg(long)]
    payer_keypair: Option<PathBuf>,
    /// Owns the device cNFTs; created when the file does not exist.
    #[arg(long)]
    owner_keypair: Option<PathBuf>,
    /// A submitter of the DC price oracle: submits --price first and lets the payer buy the DC.
    #[arg(long)]
    price_submitter_keypair: Option<PathBuf>,
    /// The network token's price in the price oracle's exponent (-8: 150000000 is $1.50).
    #[arg(long, default_value_t = 150_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    price: u64,
}

fn keypair(path: &std::path::Path) -> anyhow::Result<solana_keypair::Keypair> {
    solana_keypair::read_keypair_file(path).map_err(|e| anyhow::anyhow!("cannot read a keypair from {}: {e}", path.display()))
}

/// The keypair at `path`, created (readable by its owner only) when the file does not exist.
fn keypair_or_new(path: &std::path::Path) -> anyhow::Result<solana_keypair::Keypair> {
    if path.exists() {
        return keypair(path);
    }
    let created = solana_keypair::Keypair::new();
    solana_keypair::write_keypair_file(&created, path).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(created)
}

async fn onboard(fleet: &Fleet, args: &OnboardArgs, url: &str) -> anyhow::Result<()> {
    use fieldproof_oracle::onboard::{onboard, Onboarding};
    use solana_signer::Signer as _;
    let required = |value: &Option<PathBuf>, flag: &str| value.clone().ok_or_else(|| anyhow::anyhow!("--onboard-url needs {flag}"));
    let network = args.network.as_deref().ok_or_else(|| anyhow::anyhow!("--onboard-url needs --network"))?;
    let network = network.parse().map_err(|_| anyhow::anyhow!("--network is not a base58 address: {network}"))?;
    let maker = keypair(&required(&args.maker_keypair, "--maker-keypair")?)?;
    let maker_id = match &args.maker_id {
        Some(id) => id.parse().map_err(|_| anyhow::anyhow!("--maker-id is not a base58 address: {id}"))?,
        None => maker.pubkey(),
    };
    let payer = keypair(&required(&args.payer_keypair, "--payer-keypair")?)?;
    let owner = keypair_or_new(&required(&args.owner_keypair, "--owner-keypair")?)?;
    let submitter = args.price_submitter_keypair.as_deref().map(keypair).transpose()?;
    let maker_key = ed25519_dalek::SigningKey::from_bytes(maker.secret_bytes());
    let timeout = std::time::Duration::from_secs(30);
    let chain = || fieldproof_sdk::RpcChain::new(url.to_string(), timeout, solana_commitment_config::CommitmentConfig::confirmed());
    let client = fieldproof_sdk::Client::new(chain());
    let index = fieldproof_sdk::TreeHistory::new(chain());
    let o = Onboarding { network, maker_id, maker_key: &maker_key, payer: &payer, owner: &owner, price: submitter.as_ref().map(|s| (s, args.price)) };
    let summary = onboard(&client, &index, fleet, &o).await?;
    println!(
        "onboarded the fleet in network {network}: {} issued, {} located, {} already in place; owner {}",
        summary.issued,
        summary.located,
        summary.in_place,
        owner.pubkey()
    );
    Ok(())
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
        Command::Simulate { fleet, write_devices, oracle, rounds, resend_window_secs, onboard } => {
            simulate(fleet.spec(), write_devices, &oracle, rounds, resend_window_secs, &onboard).await
        }
        Command::Tally { fleet, pool, epochs_store } => tally(&Fleet::new(fleet.spec()), &pool, &epochs_store.unwrap_or(config.epochs_store)).await,
        Command::RebuildIndex { database_url, log_store } => {
            let store = fieldproof_oracle::storage::Store::open(&database_url.unwrap_or(config.database_url)).await?;
            let log_store = log_store.unwrap_or(config.log.store.clone());
            let objects = fieldproof_oracle::objects::Objects::open(&log_store)?;
            let rebuilt = fieldproof_oracle::log::rebuild_index(&store, &objects, config.log.bucket_ms()).await?;
            println!("indexed {} reports of {} segments from {log_store}", rebuilt.reports, rebuilt.segments);
            Ok(())
        }
        Command::Config => {
            print!("{}", config.to_toml()?);
            Ok(())
        }
        Command::Epoch { target, stream, emission } => epoch(config, target, stream, emission).await,
        Command::VerifyEpoch { pool, epoch, epochs_store, log_store } => {
            verify_epoch(&pool, epoch, &epochs_store.unwrap_or(config.epochs_store), &log_store.unwrap_or(config.log.store)).await
        }
        Command::Bench(options) => fieldproof_oracle::bench::run(&options).await,
        Command::BenchEpoch(options) => fieldproof_oracle::bench_epoch::run(&options).await,
    }
}

/// What an epoch command reads: the store, the epoch files, the pool and the epoch.
struct EpochContext {
    store: fieldproof_oracle::storage::Store,
    files: fieldproof_oracle::epoch::EpochFiles,
    pool: fieldproof_sdk::Pubkey,
    epoch: u64,
}

async fn epoch_context(config: &mut OracleConfig, target: EpochTarget) -> anyhow::Result<EpochContext> {
    config.database_url = target.database_url.unwrap_or(config.database_url.clone());
    config.devices_file = target.devices.or(config.devices_file.clone());
    config.epochs_store = target.epochs_store.unwrap_or(config.epochs_store.clone());
    config.log.store = target.log_store.unwrap_or(config.log.store.clone());
    config.epochs.validate().map_err(|e| anyhow::anyhow!(e))?;
    let pool = target.pool.parse().map_err(|_| anyhow::anyhow!("--pool is not a base58 address: {}", target.pool))?;
    let now_ms = i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis())?;
    let epoch = match target.epoch {
        Some(epoch) => epoch,
        None => config
            .epochs
            .epoch_at(now_ms)
            .and_then(|current| current.checked_sub(1))
            .ok_or_else(|| anyhow::anyhow!("no epoch has ended yet (epochs.start_ts is {})", config.epochs.start_ts))?,
    };
    Ok(EpochContext {
        store: fieldproof_oracle::storage::Store::open(&config.database_url).await?,
        files: fieldproof_oracle::epoch::EpochFiles::open(&config.epochs_store)?,
        pool,
        epoch,
    })
}

/// The device directory an epoch ending at `end_ms` is judged by: the devices file and, when
/// configured, one pass over the registry, as of the epoch's end.
async fn directory(config: &OracleConfig, end_ms: i64) -> anyhow::Result<fieldproof_oracle::devices::DirectorySnapshot> {
    let directory = DeviceDirectory::default();
    if let Some(path) = &config.devices_file {
        directory.load_file(path)?;
    }
    if let Some((url, network)) = config.registry.source()? {
        let chain = fieldproof_sdk::RpcChain::new(
            url.clone(),
            std::time::Duration::from_millis(config.registry.rpc_timeout_ms),
            solana_commitment_config::CommitmentConfig::finalized(),
        );
        fieldproof_oracle::registry_sync::RegistryFollower::new(network)
            .pass(&chain, &directory)
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the device registry at {url}: {e}"))?;
    }
    anyhow::ensure!(!directory.is_empty(), "the device directory is empty: give --devices or configure [registry]");
    directory.snapshot_at(end_ms).ok_or_else(|| anyhow::anyhow!("the chain's clock has not reached the epoch's end ({end_ms} ms): compute it once it has"))
}

async fn epoch(mut config: OracleConfig, target: EpochTarget, stream: fieldproof_oracle::epoch::RewardStream, emission: u64) -> anyhow::Result<()> {
    use fieldproof_oracle::chain_blocks::{BlockCache, BlockSource};
    use fieldproof_oracle::epoch::{publish_epoch, stream_input, BlockFacts, EpochInputs, EpochSpec, ReportSet};
    let cx = epoch_context(&mut config, target).await?;
    let (start_ms, end_ms) = config.epochs.window_ms(cx.epoch).ok_or_else(|| anyhow::anyhow!("epoch {} is out of range", cx.epoch))?;
    let directory = directory(&config, end_ms).await?;
    let denylist = config.denylist()?;
    let blocks = BlockCache { store: cx.store.clone(), source: BlockSource::from_config(&config.entropy, config.registry.rpc_url.as_deref()) };
    let (_, span) = stream_input(stream, fieldproof_oracle::verify::Window { start_ms, end_ms }, &config.verification);
    let segments = fieldproof_oracle::log::local(&cx.store, fieldproof_oracle::log::buckets_of(span, config.log.bucket_ms())).await?;
    let log = fieldproof_oracle::objects::Objects::open(&config.log.store)?;
    let inputs = EpochInputs {
        reports: ReportSet { objects: &log, segments: &segments },
        directory: &directory,
        denylist: &denylist,
        verification: &config.verification,
        blocks: BlockFacts::Chain(&blocks),
    };
    let spec = EpochSpec { pool: cx.pool, stream, epoch: cx.epoch, emission };
    let computed = publish_epoch(&cx.store, &cx.files, &inputs, &spec, &config.epochs).await?;
    let m = &computed.manifest;
    println!("epoch {} of pool {} published to {}", m.epoch, m.pool, config.epochs_store);
    println!("  judged {} reports: {} valid, {} refused", m.input.reports, m.valid, m.refused.values().sum::<u64>());
    for (reason, n) in &m.refused {
        println!("    {n} {reason}");
    }
    println!("  allocated {} of {} to {} assets; cumulative total {} over {} leaves", m.allocated, m.emission, m.earning_assets, m.cumulative_total, m.leaf_count);
    println!("  root {}", m.root.as_deref().unwrap_or("none (nothing earned yet)"));
    if let Some(hash) = &m.content_hash {
        println!("  content hash {hash}");
    }
    if m.devices_without_asset > 0 {
        println!("  {} devices earned units but have no cNFT in the directory: paid nothing", m.devices_without_asset);
    }
    Ok(())
}

async fn verify_epoch(pool: &str, epoch: u64, epochs_store: &str, log_store: &str) -> anyhow::Result<()> {
    use fieldproof_oracle::epoch::Verification;
    let pool: fieldproof_sdk::Pubkey = pool.parse().map_err(|_| anyhow::anyhow!("--pool is not a base58 address: {pool}"))?;
    let files = fieldproof_oracle::epoch::EpochFiles::open(epochs_store)?;
    let log = fieldproof_oracle::objects::Objects::open(log_store)?;
    match fieldproof_oracle::epoch::verify_epoch(&log, &files, &pool, epoch).await? {
        Verification::Matches { root } => {
            println!("epoch {epoch} of pool {pool}: recomputed, identical; root {}", root.as_deref().unwrap_or("none"));
            Ok(())
        }
        Verification::Differs { published_root, recomputed_root, first } => {
            let first = first.map_or_else(|| "the leaves agree; the manifest differs".to_string(), |d| format!("first differing leaf: {d}"));
            anyhow::bail!(
                "epoch {epoch} of pool {pool} differs: published root {}, recomputed {}; {first}",
                published_root.as_deref().unwrap_or("none"),
                recomputed_root.as_deref().unwrap_or("none")
            )
        }
    }
}

async fn tally(fleet: &Fleet, pools: &[String], epochs_store: &str) -> anyhow::Result<()> {
    let files = fieldproof_oracle::epoch::EpochFiles::open(epochs_store)?;
    let mut paid_cheaters = Vec::new();
    for pool in pools {
        let address: fieldproof_sdk::Pubkey = pool.parse().map_err(|_| anyhow::anyhow!("--pool is not a base58 address: {pool}"))?;
        let Some(file) = files.latest_file_before(&address, u64::MAX).await? else {
            println!("pool {pool}: no reward file published yet");
            continue;
        };
        let manifest = files.manifest(&address, file.epoch).await?.ok_or_else(|| anyhow::anyhow!("pool {pool}: epoch {} has a reward file but no manifest", file.epoch))?;
        let hash = &manifest.input.directory;
        let bytes = files.input_object("directory", &fieldproof_oracle::epoch::EpochFiles::directory_path(hash), hash).await?;
        let directory = fieldproof_oracle::devices::DirectorySnapshot::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("pool {pool}: the directory of epoch {} does not decode: {e}", file.epoch))?;
        let leaves: Vec<([u8; 32], u64)> = file.leaves().iter().map(|(asset, amount)| (asset.to_bytes(), *amount)).collect();
        let kind = match manifest.stream {
            fieldproof_oracle::epoch::RewardStream::Coverage => fieldproof_oracle::devices::DeviceKind::Hotspot,
            fieldproof_oracle::epoch::RewardStream::Mapping => fieldproof_oracle::devices::DeviceKind::Mapper,
        };
        println!("pool {pool}, epoch {} ({} stream): cumulative rewards of the fleet's {kind:?}s by role", file.epoch, manifest.stream.as_str());
        println!("  {:<14} {:>7} {:>7} {:>20}", "role", "devices", "earning", "amount");
        for (role, earned) in fleet.earnings(Some(kind), &directory.entries, leaves.iter().map(|(asset, amount)| (asset, *amount))) {
            println!("  {:<14} {:>7} {:>7} {:>20}", format!("{role:?}"), earned.devices, earned.earning, earned.amount);
            if role.earns_nothing() && earned.amount > 0 {
                paid_cheaters.push(format!("{role:?} in {pool}"));
            }
        }
    }
    // Replayers, stitchers, self-dealers and loud witnesses also send honest reports, which earn.
    anyhow::ensure!(paid_cheaters.is_empty(), "cheaters were paid: {}", paid_cheaters.join(", "));
    println!("every device that only cheats earned nothing");
    Ok(())
}

async fn simulate(spec: FleetSpec, write_devices: Option<PathBuf>, oracles: &[String], rounds: u64, resend_window_secs: u64, onboarding: &OnboardArgs) -> anyhow::Result<()> {
    let fleet = Fleet::new(spec);
    if let Some(url) = &onboarding.onboard_url {
        onboard(&fleet, onboarding, url).await?;
    }
    if let Some(path) = &write_devices {
        std::fs::write(path, serde_json::to_string_pretty(&fleet.devices_json())?)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        println!("wrote {} devices to {}", fleet.devices.len(), path.display());
    }
    if oracles.is_empty() {
        anyhow::ensure!(write_devices.is_some() || onboarding.onboard_url.is_some(), "nothing to do: give --onboard-url, --write-devices and/or --oracle");
        return Ok(());
    }
    // Each report to every oracle; an oracle that is away gets its reports later, within the
    // window in which it still accepts them.
    let clients = oracles
        .iter()
        .map(|url| Ok((url.clone(), fieldproof_sdk::OracleClient::new(url.clone(), std::time::Duration::from_secs(3))?.with_retries(2, std::time::Duration::from_millis(250)))))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let broadcast = std::sync::Arc::new(fieldproof_sdk::ReportBroadcast::new(clients.clone(), 1_000_000, resend_window_secs.saturating_mul(1_000)));
    let resender = tokio::spawn(keep_resending(broadcast.clone()));
    // The first round with the replayers' replays, then the fleet's endless rounds after it,
    // each made with the newest block an oracle hands out when it starts.
    let start_ms = unix_now_ms();
    let limit = if rounds == 0 { u64::MAX } else { rounds };
    for round in 0..limit {
        let round_ms = start_ms + round * fieldproof_oracle::simulate::BEACON_EVERY_MS;
        tokio::time::sleep(std::time::Duration::from_millis(round_ms.saturating_sub(unix_now_ms()))).await;
        let entropy = match fetch_entropy(&clients).await {
            Ok(entropy) => entropy,
            Err(e) => {
                println!("round {round}: skipped, {e}");
                continue;
            }
        };
        let traffic = if round == 0 { fleet.traffic(round_ms, 1, |_| entropy) } else { fleet.round(round, round_ms, entropy) };
        let cheating = traffic.iter().filter(|s| s.cheat).count();
        let sent = traffic.len();
        let tally = send_round(&broadcast, traffic).await;
        for (i, (url, _)) in clients.iter().enumerate() {
            println!("round {round}: sent {sent} reports to {url}: {} accepted, {} queued while it is away", tally.accepted[i], tally.queued[i]);
            for ((_, code), n) in tally.refused.iter().filter(|((j, _), _)| *j == i) {
                println!("  refused {n} with {code}");
            }
        }
        println!("round {round}: cheating reports stored for the verifiers to catch: {cheating}; sent at most {} ms late", tally.latest_ms);
    }
    // What is still queued gets its chance before the fleet stops.
    broadcast.resend(unix_now_ms()).await;
    resender.abort();
    Ok(())
}

/// Resends the queued reports every few seconds, and says when an oracle goes away or comes
/// back.
async fn keep_resending(broadcast: std::sync::Arc<fieldproof_sdk::ReportBroadcast>) {
    let mut away: Vec<bool> = broadcast.status().iter().map(|s| s.away).collect();
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        ticks.tick().await;
        let resent = broadcast.resend(unix_now_ms()).await;
        for (i, status) in broadcast.status().into_iter().enumerate() {
            match (away[i], status.away) {
                (false, true) => println!("oracle {} is away: {} reports queued for it (dropped so far: {})", status.url, status.queued, status.dropped),
                (true, false) => println!("oracle {} is back: resent {} reports (dropped while away: {})", status.url, resent[i], status.dropped),
                _ => {}
            }
            away[i] = status.away;
        }
    }
}

/// The newest block the first oracle that answers hands out.
async fn fetch_entropy(clients: &[(String, fieldproof_sdk::OracleClient)]) -> anyhow::Result<fieldproof_reports::Entropy> {
    let mut reasons = Vec::new();
    for (url, client) in clients {
        match client.entropy().await {
            Ok(entropy) => return Ok(entropy),
            Err(e) => reasons.push(format!("{url}: {e}")),
        }
    }
    anyhow::bail!("no oracle hands out entropy: {}", reasons.join("; "))
}

/// What became of one round of a fleet's traffic at the oracles.
#[derive(Default)]
struct RoundTally {
    /// Per oracle, in the order given.
    accepted: Vec<usize>,
    queued: Vec<usize>,
    /// (oracle, error code) -> reports refused.
    refused: std::collections::BTreeMap<(usize, String), usize>,
    /// How long after its own timestamp the latest report went out.
    latest_ms: u64,
}

/// Sends a round as the devices' gateways do: each report once its timestamp has come, those
/// that came due together in one batch to every oracle at once (`POST /v1/reports/batch`), so
/// that a burst of witnesses goes out in a few requests instead of falling behind one by one
/// (the oracles would then refuse different late reports). Each device's reports keep their
/// order: a replayer's replays stay after the report they replay.
async fn send_round(broadcast: &fieldproof_sdk::ReportBroadcast, traffic: Vec<fieldproof_oracle::simulate::SimReport>) -> RoundTally {
    let oracles = broadcast.status().len();
    let mut reports: Vec<fieldproof_reports::SignedReport> = traffic.into_iter().map(|sim| sim.report).collect();
    reports.sort_by_key(|report| report.body.header().timestamp_ms);
    let mut tally = RoundTally { accepted: vec![0; oracles], queued: vec![0; oracles], ..Default::default() };
    let mut next = 0;
    while let Some(first) = reports.get(next) {
        let due = first.body.header().timestamp_ms;
        tokio::time::sleep(std::time::Duration::from_millis(due.saturating_sub(unix_now_ms()))).await;
        let now = unix_now_ms();
        tally.latest_ms = tally.latest_ms.max(now.saturating_sub(due));
        let ready = reports[next..].iter().take_while(|report| report.body.header().timestamp_ms <= now).count().max(1);
        let batch = &reports[next..next + ready];
        next += ready;
        for deliveries in broadcast.submit_batch(batch).await {
            for (i, delivery) in deliveries.into_iter().enumerate() {
                match delivery {
                    fieldproof_sdk::Delivery::Accepted => tally.accepted[i] += 1,
                    fieldproof_sdk::Delivery::Queued => tally.queued[i] += 1,
                    fieldproof_sdk::Delivery::Refused(code) => *tally.refused.entry((i, code)).or_default() += 1,
                }
            }
        }
    }
    tally
}

/// The clock as report timestamps count it.
fn unix_now_ms() -> u64 {
    u64::try_from(fieldproof_oracle::ingest::unix_ms()).unwrap_or(0)
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
