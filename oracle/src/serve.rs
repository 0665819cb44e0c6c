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
use crate::devices::DeviceDirectory;
use crate::ingest::{router, IngestState};
use crate::storage::{ReportWriter, Store, WriterConfig};

pub struct RunningOracle {
    pub addr: SocketAddr,
    pub store: Store,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    writer: JoinHandle<()>,
    pruner: JoinHandle<()>,
}

/// Opens the store, starts the writer and serves the API on `config.listen`.
pub async fn start(
    config: &OracleConfig,
    devices: Arc<DeviceDirectory>,
    metrics: Option<PrometheusHandle>,
) -> anyhow::Result<RunningOracle> {
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
    info!(%addr, database = %redact(&config.database_url), "oracle listening");
    // The router holds the only other handles to the writer: when the server stops, they go.
    drop(state);
    Ok(RunningOracle { addr, store, stop, server, writer: writer_task, pruner })
}

impl RunningOracle {
    /// Graceful shutdown; returns once every accepted report is committed.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.server.await??;
        self.pruner.abort();
        let _ = self.pruner.await;
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
