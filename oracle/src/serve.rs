//! Running the API: bind, serve, and on shutdown stop accepting, finish the requests in flight
//! and commit everything the writer holds before returning — nothing acknowledged is lost and
//! nothing in flight is dropped.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::info;

use crate::config::OracleConfig;
use fieldproof_sdk::RpcChain;
use solana_commitment_config::CommitmentConfig;

use crate::devices::DeviceDirectory;
use crate::ingest::{router, IngestState};
use crate::registry_sync;
use crate::storage::{ReportWriter, Store, WriterConfig};
use crate::verify::Verifier;

pub struct RunningOracle {
    pub addr: SocketAddr,
    pub store: Store,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    writer: JoinHandle<()>,
    pruner: JoinHandle<()>,
    verifier: JoinHandle<()>,
    /// Keeps the device directory in step with the chain, when configured.
    registry: Option<JoinHandle<()>>,
}

/// Opens the store, starts the writer and serves the API on `config.listen`.
pub async fn start(
    config: &OracleConfig,
    devices: Arc<DeviceDirectory>,
    metrics: Option<PrometheusHandle>,
) -> anyhow::Result<RunningOracle> {
    let denylist = config.denylist()?;
    let registry_source = config.registry.source()?;
    let store = Store::open(&config.database_url).await?;
    let (writer, writer_task) = ReportWriter::start(store.clone(), WriterConfig::default()).await?;
    let state = Arc::new(IngestState::new(config.ingest.clone(), store.clone(), writer, devices, metrics));
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let pruner = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                state.prune_rate_limits();
            }
        })
    };
    let verifier = {
        let verifier = Verifier::new(store.clone(), state.devices.clone(), denylist, config.verification.clone());
        let every = Duration::from_secs(config.verify_every_secs.max(1));
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            loop {
                ticks.tick().await;
                match verifier.verify_settled(crate::ingest::unix_ms()).await {
                    Ok(0) => {}
                    Ok(n) => info!(reports = n, "verified"),
                    Err(e) => tracing::error!(error = %e, "verification pass failed; retrying next tick"),
                }
            }
        })
    };
    let registry = registry_source.map(|(url, network)| {
        info!(rpc = %url, %network, every_secs = config.registry.refresh_secs, "syncing the device directory from the registry");
        let chain = RpcChain::new(url, Duration::from_millis(config.registry.rpc_timeout_ms), CommitmentConfig::confirmed());
        let every = Duration::from_secs(config.registry.refresh_secs);
        tokio::spawn(registry_sync::keep_in_sync(chain, network, state.devices.clone(), every))
    });
    info!(%addr, database = %redact(&config.database_url), "oracle listening");
    // The router holds the only other handles to the writer: when the server stops, they go.
    drop(state);
    Ok(RunningOracle { addr, store, stop, server, writer: writer_task, pruner, verifier, registry })
}

impl RunningOracle {
    /// Graceful shutdown; returns once every accepted report is committed.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.server.await??;
        // Verification is a transaction per batch: aborting between batches loses nothing.
        for task in [Some(self.pruner), Some(self.verifier), self.registry].into_iter().flatten() {
            task.abort();
            let _ = task.await;
        }
        self.writer.await?;
        info!("oracle stopped");
        Ok(())
    }
}

/// The URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***@{}", &url[..scheme], &url[at + 1..]),
        _ => url.to_string(),
    }
}
