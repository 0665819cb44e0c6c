//! Running the API: bind, serve, and on shutdown stop accepting, finish the requests in flight
//! and commit everything the writer holds before returning — nothing acknowledged is lost and
//! nothing in flight is dropped.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::info;

use crate::config::OracleConfig;
use fieldproof_sdk::RpcChain;
use solana_commitment_config::CommitmentConfig;

use crate::devices::DeviceDirectory;
use crate::ingest::{router, IngestState};
use crate::log::PeerLog;
use crate::log_api::LogApiState;
use crate::objects::Objects;
use crate::registry_sync::{self, RegistryFollower};
use crate::storage::Store;
use crate::dc_burns::DcBurner;
use crate::epoch::EpochFiles;
use crate::owners::{self, OwnerApiState};
use crate::chain_blocks::{BlockCache, BlockSource};
use crate::quorum::{api, EpochDriver, Peer};
use crate::wallet;

pub struct RunningOracle {
    pub addr: SocketAddr,
    /// Where the operator endpoints are served, with `admin_listen`.
    pub admin_addr: Option<SocketAddr>,
    pub store: Store,
    /// This instance's report writer and sealer (the API's and the sealing task's).
    pub writer: crate::log::ReportWriter,
    pub sealer: Arc<crate::log::Sealer>,
    /// Tells both servers to stop taking connections.
    stop: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    admin_server: Option<JoinHandle<std::io::Result<()>>>,
    writer_task: JoinHandle<()>,
    /// Seals the log's buckets as they close.
    sealing: JoinHandle<()>,
    pruner: JoinHandle<()>,
    /// Keeps the newest finalized block at hand for `GET /v1/entropy`.
    entropy: JoinHandle<()>,
    /// Keeps the device directory in step with the chain, when configured.
    registry: Option<JoinHandle<()>>,
    /// The epoch pipeline, when `[quorum]` has a key.
    epochs: Option<JoinHandle<()>>,
    /// Usage burns, when `[dc_burns]` has a burn authority.
    burns: Option<JoinHandle<()>>,
    /// Keeps the owner endpoints' index of the device trees current, with `[registry]`.
    index: Option<JoinHandle<()>>,
    /// Forgets what is past `[retention]`.
    retention: JoinHandle<()>,
}

/// Opens the store, starts the writer and serves the API on `config.listen`.
pub async fn start(
    config: &OracleConfig,
    devices: Arc<DeviceDirectory>,
    metrics: Option<PrometheusHandle>,
) -> anyhow::Result<RunningOracle> {
    let denylist = config.denylist()?;
    let registry_source = config.registry.source()?;
    config.verification.validate().map_err(|e| anyhow::anyhow!(e))?;
    let store = Store::open(&config.database_url).await?;
    let blocks = BlockCache { store: store.clone(), source: BlockSource::from_config(&config.entropy, config.registry.rpc_url.as_deref()) };
    if matches!(blocks.source, BlockSource::Simulated(_)) {
        tracing::warn!("no chain configured for entropy ([entropy] or [registry] rpc_url): devices get blocks of a simulated chain, which anyone can predict; for development only");
    }
    let oracle_id = config.oracle_id()?;
    let writer = crate::log::WriterConfig {
        // The window's edge is inclusive and a report is stored a moment after its check.
        recent_window_ms: i64::try_from(config.ingest.max_clock_skew_secs.saturating_mul(1_000)).unwrap_or(i64::MAX / 2).saturating_add(1_000),
        recent_max: config.ingest.recent_reports_max,
        ..crate::log::WriterConfig::default()
    };
    let log = crate::log::open_with(&config.log, store.clone(), oracle_id.clone(), config.seal_delay_ms(), writer).await?;
    let sealer_handle = Arc::new(log.sealer);
    let state = Arc::new(IngestState::new(config.ingest.clone(), store.clone(), log.writer.clone(), sealer_handle.clone(), devices, metrics));
    // Every configuration error is found before anything starts.
    let files = EpochFiles::open(&config.epochs_store)?;
    let driver = epoch_driver(config, store.clone(), files.clone(), log.objects.clone(), state.devices.clone(), denylist, blocks.clone())?;
    let burner = dc_burner(config, store.clone())?;
    // A directory synced from the chain must be whole before anything is judged by it: ingest
    // would refuse, and the verifier condemn, the reports of devices not loaded yet (after a
    // restart, the reports stored but not yet verified).
    let registry_follower = match &registry_source {
        Some((url, network)) => Some(first_sync(config, url, network, &state.devices).await),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let epoch_api = Arc::new(api::EpochApiState::new(store.clone(), files.clone()));
    let reads = crate::rate_limit::SourceLimit::per_minute(config.ingest.per_source_reads_per_minute);
    let mut source_limits = vec![reads.clone()];
    let mut more = api::router(epoch_api.clone()).merge(crate::log_api::router(Arc::new(LogApiState { store: store.clone(), objects: log.objects.clone(), oracle: oracle_id })));
    let mut owner_api = None;
    if let Some((url, _)) = &registry_source {
        let (url, timeout) = (url.clone(), config.registry.rpc_timeout_ms);
        let chain = move || RpcChain::new(url.clone(), Duration::from_millis(timeout), CommitmentConfig::confirmed());
        let owners = Arc::new(OwnerApiState::new(chain, state.devices.clone(), epoch_api.active.clone(), &config.claims)?);
        // What reads the chain for the request: its own, tighter budget.
        let chain_reads = crate::rate_limit::SourceLimit::per_minute(config.ingest.per_source_chain_reads_per_minute);
        source_limits.push(chain_reads.clone());
        let limited = |router: axum::Router| router.layer(axum::middleware::from_fn_with_state(chain_reads.clone(), crate::rate_limit::limit));
        more = more.merge(limited(owners::router(owners.clone())));
        let pools = config
            .quorum
            .pools
            .iter()
            .map(|p| p.address.parse().map(|address| (address, p.stream)).map_err(|_| anyhow::anyhow!("quorum.pools.address is not a base58 address: {}", p.address)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mapping_resolution = h3o::Resolution::try_from(config.epochs.mapping_resolution).map_err(|e| anyhow::anyhow!("epochs.mapping_resolution: {e}"))?;
        let wallet = wallet::WalletApiState { owners: owners.clone(), store: store.clone(), pools };
        more = more.merge(limited(wallet::router(Arc::new(wallet))));
        let dashcams = crate::owner_challenge::RegistryDashcams { owners: owners.clone(), store: store.clone(), resolution: mapping_resolution };
        let challenges = Arc::new(crate::owner_challenge::OwnerChallenges::new(config.owner_challenge_ttl_ms()));
        more = more.merge(limited(crate::owner_challenge::router(Arc::new(crate::owner_challenge::OwnerChallengeState { challenges, dashcams }))));
        owner_api = Some(owners);
    }
    more = more.merge(crate::network_page::router(Arc::new(crate::network_page::NetworkPageState::from_config(config, store.clone(), state.devices.clone(), sealer_handle.clone())?)));
    if let Some(path) = &config.local_test_wallet {
        let wallet = crate::local_wallet::LocalTestWallet::load(path, config.listen)?;
        tracing::warn!(address = wallet.address(), "serving the local network's test owner key at /v1/local/test-wallet (local_test_wallet)");
        more = more.merge(crate::local_wallet::router(Arc::new(wallet)));
    }
    if let Some(dir) = &config.app_dir {
        anyhow::ensure!(dir.join("index.html").is_file(), "app_dir {} holds no index.html: build the app first (app/: npm run build)", dir.display());
        more = more.fallback_service(tower_http::services::ServeDir::new(dir));
    }
    let more = more.layer(axum::middleware::from_fn_with_state(reads, crate::rate_limit::limit));
    let app = router(state.clone(), more);
    let (stop, stopped) = watch::channel(false);
    let stop_signal = |mut stopped: watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let limits = crate::http_server::ConnectionLimits {
        header_read_timeout: Duration::from_millis(config.ingest.header_read_timeout_ms),
        max_connections: config.ingest.max_connections,
    };
    // The requests in flight finish within their own timeout.
    let drain = Duration::from_millis(config.ingest.request_timeout_ms).saturating_add(Duration::from_secs(5));
    let server = tokio::spawn(crate::http_server::serve(listener, app, limits, drain, stop_signal(stopped.clone())));
    let (admin_addr, admin_server) = match config.admin_listen {
        Some(admin) => {
            let listener = tokio::net::TcpListener::bind(admin).await?;
            let admin_addr = listener.local_addr()?;
            info!(%admin_addr, "operator endpoints listening");
            let admin_app = crate::ingest::admin_router(state.clone());
            (Some(admin_addr), Some(tokio::spawn(crate::http_server::serve(listener, admin_app, limits, drain, stop_signal(stopped)))))
        }
        None => (None, None),
    };
    let index = owner_api.map(|owners| tokio::spawn(owners::keep_index_current(owners, Duration::from_secs(config.registry.refresh_secs.max(1)))));
    let pruner = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                state.prune_rate_limits();
                source_limits.iter().for_each(|limit| limit.prune());
            }
        })
    };
    let entropy = tokio::spawn(crate::ingest::keep_entropy_current(state.clone(), blocks, Duration::from_secs(config.entropy.refresh_secs.max(1))));
    let sealer = {
        let sealer = sealer_handle.clone();
        // A few passes per bucket, at most one a second.
        let every = Duration::from_secs((config.log.bucket_secs / 4).max(1));
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match sealer.seal_due(crate::ingest::unix_ms()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(buckets = n, "log buckets sealed"),
                    Err(e) => tracing::error!(error = %e, "sealing the log failed; retrying next pass"),
                }
            }
        })
    };
    let registry = registry_follower.map(|(chain, follower)| {
        info!(rpc = %config.registry.rpc_url.as_deref().unwrap_or_default(), every_secs = config.registry.refresh_secs, "following the device registry");
        let every = Duration::from_secs(config.registry.refresh_secs);
        tokio::spawn(registry_sync::keep_in_sync(chain, follower, state.devices.clone(), every))
    });
    let epochs = driver.map(|(driver, every)| {
        info!(pools = driver.pools.len(), peers = driver.peers.len(), "running the epoch pipeline");
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                driver.step(crate::ingest::unix_ms()).await;
            }
        })
    });
    let burns = burner.map(|(burner, every)| {
        info!(dc_config = %burner.dc_config, "burning data-transfer usage");
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match burner.step(crate::ingest::unix_ms()).await {
                    Ok(s) if s.sent + s.confirmed + s.failed + s.refused_sessions > 0 => info!(
                        sent = s.sent,
                        burned = s.burned,
                        confirmed = s.confirmed,
                        failed = s.failed,
                        refused_sessions = s.refused_sessions,
                        "usage burns"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "usage burn pass failed; retrying next tick"),
                }
            }
        })
    });
    let retention = tokio::spawn(crate::retention::keep_forgetting(store.clone(), config.retention.clone(), config.epochs.clone()));
    info!(%addr, database = %redact(&config.database_url), "oracle listening");
    // The router holds the only other handles to the writer: when the server stops, they go.
    drop(state);
    Ok(RunningOracle {
        addr,
        admin_addr,
        admin_server,
        store,
        writer: log.writer.clone(),
        sealer: sealer_handle,
        stop,
        server,
        writer_task: log.writer_task,
        sealing: sealer,
        pruner,
        entropy,
        registry,
        epochs,
        burns,
        index,
        retention,
    })
}

impl RunningOracle {
    /// Graceful shutdown; returns once every accepted report is committed.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        self.server.await??;
        if let Some(admin) = self.admin_server {
            admin.await??;
        }
        // The epoch pipeline and the burner store each state before acting on it: stopping them
        // anywhere resumes.
        // Sealing is idempotent: stopping it anywhere, the next start finishes it.
        for task in [Some(self.sealing), Some(self.pruner), Some(self.entropy), Some(self.retention), self.registry, self.epochs, self.burns, self.index].into_iter().flatten() {
            task.abort();
            let _ = task.await;
        }
        // The writer stops once its last handle is gone: the API's went with the server.
        drop(self.writer);
        self.writer_task.await?;
        info!("oracle stopped");
        Ok(())
    }
}

/// Reads the network's devices from the registry once, retrying until the node answers; the
/// follower then goes on from there.
async fn first_sync(config: &OracleConfig, url: &str, network: &fieldproof_sdk::Pubkey, devices: &DeviceDirectory) -> (RpcChain, RegistryFollower) {
    let chain = RpcChain::new(url.to_string(), Duration::from_millis(config.registry.rpc_timeout_ms), CommitmentConfig::confirmed());
    let mut follower = RegistryFollower::new(*network);
    loop {
        match follower.pass(&chain, devices).await {
            Ok(summary) => {
                info!(%network, devices = summary.devices, "device directory loaded from the registry");
                return (chain, follower);
            }
            Err(e) => {
                tracing::warn!(%network, error = %e, "the registry cannot be read yet; the oracle starts once it can");
                tokio::time::sleep(Duration::from_secs(config.registry.refresh_secs.max(1))).await;
            }
        }
    }
}

fn read_keypair(path: &std::path::Path) -> anyhow::Result<solana_keypair::Keypair> {
    solana_keypair::read_keypair_file(path).map_err(|e| anyhow::anyhow!("cannot read a keypair from {}: {e}", path.display()))
}

/// The usage burner `[dc_burns]` describes, and how often it runs; none without a key.
fn dc_burner(config: &OracleConfig, store: Store) -> anyhow::Result<Option<(DcBurner<RpcChain>, Duration)>> {
    let b = &config.dc_burns;
    let Some(keypair) = &b.burn_authority_keypair else { return Ok(None) };
    let rpc_url = b.rpc_url.clone().ok_or_else(|| anyhow::anyhow!("dc_burns.burn_authority_keypair needs dc_burns.rpc_url"))?;
    let dc_config = b.dc_config.as_deref().ok_or_else(|| anyhow::anyhow!("dc_burns.burn_authority_keypair needs dc_burns.dc_config"))?;
    let dc_config = dc_config.parse().map_err(|_| anyhow::anyhow!("dc_burns.dc_config is not a base58 address: {dc_config}"))?;
    let timeout = Duration::from_millis(config.quorum.request_timeout_ms);
    let burner = DcBurner {
        store,
        client: fieldproof_sdk::Client::new(RpcChain::new(rpc_url, timeout, CommitmentConfig::confirmed())),
        burn_authority: read_keypair(keypair)?,
        dc_config,
        category: b.category,
        resend_after_ms: i64::try_from(b.resend_after_secs.saturating_mul(1_000)).unwrap_or(i64::MAX),
    };
    Ok(Some((burner, Duration::from_secs(b.every_secs.max(1)))))
}

/// The epoch pipeline `[quorum]` describes, and how often it runs; none without a key.
fn epoch_driver(
    config: &OracleConfig,
    store: Store,
    files: EpochFiles,
    log: Objects,
    devices: Arc<DeviceDirectory>,
    denylist: crate::verify::Denylist,
    blocks: BlockCache,
) -> anyhow::Result<Option<(EpochDriver<RpcChain>, Duration)>> {
    let q = &config.quorum;
    let Some(keypair) = &q.keypair else { return Ok(None) };
    let oracle = read_keypair(keypair)?;
    let payer = match &q.payer_keypair {
        Some(path) => read_keypair(path)?,
        None => oracle.insecure_clone(),
    };
    let address = |field: &str, text: &str| text.parse().map_err(|_| anyhow::anyhow!("quorum.{field} is not a base58 address: {text}"));
    let rpc_url = q.rpc_url.clone().ok_or_else(|| anyhow::anyhow!("quorum.keypair needs quorum.rpc_url, the node roots are posted through"))?;
    let treasury = address("treasury", q.treasury.as_deref().ok_or_else(|| anyhow::anyhow!("quorum.keypair needs quorum.treasury"))?)?;
    anyhow::ensure!(!q.pools.is_empty(), "quorum.keypair needs at least one [[quorum.pools]]");
    config.epochs.validate().map_err(|e| anyhow::anyhow!(e))?;
    let timeout = Duration::from_millis(q.request_timeout_ms);
    let peers = q
        .peers
        .iter()
        .map(|p| Ok(Peer { client: fieldproof_sdk::OracleClient::new(p.url.clone(), timeout)?, key: address("peers.key", &p.key)? }))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let peer_logs = peers.iter().map(|p| PeerLog { name: p.key.to_string(), client: p.client.clone() }).collect();
    let pools = q.pools.iter().map(|p| Ok((address("pools.address", &p.address)?, p.stream))).collect::<anyhow::Result<Vec<_>>>()?;
    let secs_ms = |secs: u64| i64::try_from(secs.saturating_mul(1_000)).unwrap_or(i64::MAX);
    let driver = EpochDriver {
        store,
        files,
        devices,
        client: fieldproof_sdk::Client::new(RpcChain::new(rpc_url, timeout, CommitmentConfig::confirmed())),
        key: ed25519_dalek::SigningKey::from_bytes(oracle.secret_bytes()),
        payer,
        peers,
        pools,
        treasury,
        rewards: config.epochs.clone(),
        verification: config.verification.clone(),
        denylist,
        blocks,
        log,
        peer_logs,
        oracle_id: config.oracle_id()?,
        bucket_ms: config.log.bucket_ms(),
        root_validity_secs: q.root_validity_secs,
        // Witnesses of the epoch's last beacons are signed up to twice the witness lag after its
        // end; the log bucket that holds them is sealed a bucket and the seal delay later.
        settle_ms: config.verification.witness_reach_ms().saturating_add(config.log.bucket_ms()).saturating_add(config.seal_delay_ms()),
        peer_wait_ms: secs_ms(q.peer_wait_secs),
    };
    Ok(Some((driver, Duration::from_secs(q.every_secs.max(1)))))
}

/// The URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***@{}", &url[..scheme], &url[at + 1..]),
        _ => url.to_string(),
    }
}
