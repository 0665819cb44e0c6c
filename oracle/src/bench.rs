//! `fieldproof-oracle bench`: what this machine does, measured in one run and printed side by
//! side — (a) the ed25519 ceiling (batch verification on every core) and its CPU time per
//! signature, (b1) accepted reports per second through the real HTTP ingest a report per request
//! and (b2) in batches, with the server's CPU time per accepted report (the load generator is a
//! process of its own, `bench-load`, so its work is not counted), (c) the real verifier's reports
//! per second (an epoch's judgement: reading, decoding and judging the stored reports; signatures
//! were checked by ingest), and (d) the peak memory of storing and judging a million reports;
//! beside (b1), what bounds it here (HTTP alone, the reports stored alone). Every report is a
//! distinct signed report of a simulated honest fleet (`simulate.rs`) on the simulated chain;
//! each number counts only work that was done and succeeded.
use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ed25519_dalek::{Signature, VerifyingKey};
use fieldproof_reports::SignedReport;
use fieldproof_sdk::{OracleApiError, OracleClient};
use rayon::prelude::*;
use tracing::info;

use crate::chain_blocks::{BlockCache, BlockSource, SimulatedChain};
use crate::config::{IngestConfig, OracleConfig};
use crate::devices::DeviceDirectory;
use crate::epoch::{read_reports, stream_input, RewardStream};
use crate::simulate::{Cheaters, Fleet, FleetSpec};
use crate::log::{InsertOutcome, LogConfig, WriterConfig};
use crate::storage::{NewReport, Store};
use crate::verify::{ChainFacts, Denylist, VerificationConfig, Window};

/// Signatures the ceiling verifies together.
const SIGNATURE_BATCH: usize = 256;

/// Reports whose signatures make up the ceiling's sample (re-verified until `CEILING_TIME`).
const CEILING_SAMPLE: usize = 16_384;
const CEILING_TIME: Duration = Duration::from_secs(3);
/// Concurrent inserts into the writer: enough to fill its group commits.
const STORE_WORKERS: usize = 2 * 1024;
/// The fleet's placement keeps hotspots 400 m apart in a 10 km square; it cannot fit many more.
const MAX_HOTSPOTS: usize = 400;

#[derive(Clone, Debug, clap::Args)]
pub struct BenchOptions {
    /// Reports stored (through the storage writer, not HTTP) and verified for the peak-memory line (d).
    #[arg(long, default_value_t = 1_000_000)]
    pub reports: usize,
    /// Reports sent through the HTTP API for lines (b1) and (b2); line (c) verifies (b2)'s.
    #[arg(long, default_value_t = 100_000)]
    pub http_reports: usize,
    /// Concurrent HTTP clients of the load generator (tasks sharing one connection pool).
    #[arg(long, default_value_t = 128)]
    pub clients: usize,
    /// Reports per request of line (b2).
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// Hotspots of the simulated fleet (plus one dashcam per ten); each hears those within 6 km.
    #[arg(long, default_value_t = 200)]
    pub hotspots: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// `items` done in `elapsed`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throughput {
    pub items: usize,
    pub elapsed: Duration,
}

impl Throughput {
    pub fn per_second(&self) -> f64 {
        self.items as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// Outcomes of many attempts: how many succeeded, and the failures by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub ok: usize,
    pub failed: BTreeMap<String, usize>,
}

impl Tally {
    fn record(&mut self, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => self.ok += 1,
            Err(reason) => *self.failed.entry(reason).or_default() += 1,
        }
    }

    fn merge(&mut self, other: Tally) {
        self.ok += other.ok;
        for (reason, n) in other.failed {
            *self.failed.entry(reason).or_default() += n;
        }
    }
}

/// Lines (b1) and (b2): reports accepted (2xx) through HTTP, the server's CPU time, and the
/// store they went to.
pub struct IngestRun {
    pub sent: usize,
    pub accepted: Throughput,
    pub refused: BTreeMap<String, usize>,
    /// CPU time (user and system, every thread) of the process serving the API while the load
    /// generator, a process of its own, sent the reports.
    pub server_cpu: Duration,
    pub store: Store,
}

impl IngestRun {
    /// The server's CPU time per accepted report.
    pub fn cpu_per_report(&self) -> Duration {
        self.server_cpu / u32::try_from(self.accepted.items.max(1)).unwrap_or(u32::MAX)
    }
}

/// The load generator: a `fieldproof-oracle` binary (`bench-load`), its clients, and the
/// reports per request (1: `POST /v1/reports`; more: `POST /v1/reports/batch`).
#[derive(Clone, Debug)]
pub struct LoadGenerator {
    pub program: PathBuf,
    pub clients: usize,
    pub batch: usize,
}

/// `fieldproof-oracle bench-load`: the bench's load generator, run by `bench` as a process of its
/// own so that the server's CPU time can be told from the clients'.
#[derive(Clone, Debug, clap::Args)]
pub struct LoadOptions {
    /// The oracle's API.
    #[arg(long)]
    pub url: String,
    /// The reports, in the batch endpoint's encoding (any count).
    #[arg(long)]
    pub reports: PathBuf,
    #[arg(long)]
    pub clients: usize,
    /// Reports per request (1: one per `POST /v1/reports`).
    #[arg(long)]
    pub batch: usize,
    /// Where the outcome goes, as JSON (standard output carries the logs).
    #[arg(long)]
    pub result: PathBuf,
}

/// What the load generator saw: the 2xx answers, the time from the first request to the last
/// answer, and the refusals by code.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct LoadResult {
    accepted: usize,
    elapsed_us: u64,
    refused: BTreeMap<String, usize>,
}

/// A verification pass over everything stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VerifyRun {
    pub judged: Throughput,
    /// Reports judged valid (an honest fleet's should all be).
    pub valid: usize,
}

/// What bounds (b1) on this machine: HTTP alone, and the report rows stored alone (see
/// [`http_floor`] and [`rows_alone`]).
pub struct Bounds {
    pub http: Throughput,
    pub reports: Throughput,
}

/// Line (d): reports stored straight through the writer, verified, and the peak memory.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleRun {
    pub stored: Throughput,
    pub refused: BTreeMap<String, usize>,
    pub verified: VerifyRun,
    /// VmHWM of the whole process so far, where the OS reports it.
    pub peak_rss_mib: Option<f64>,
}

/// Runs every measurement and prints the table; the load generator is this same binary.
pub async fn run(options: &BenchOptions) -> anyhow::Result<()> {
    anyhow::ensure!((2..=MAX_HOTSPOTS).contains(&options.hotspots), "--hotspots must be between 2 and {MAX_HOTSPOTS}");
    anyhow::ensure!(options.reports > 0 && options.http_reports > 0, "--reports and --http-reports must be at least 1");
    anyhow::ensure!(options.clients > 0 && options.batch > 1, "--clients must be at least 1 and --batch at least 2");
    let program = std::env::current_exe()?;
    let fleet = Arc::new(honest_fleet(options.hotspots, options.seed));
    let directory = Arc::new(DeviceDirectory::default());
    fleet.register(&directory);
    let dir = tempfile::Builder::new().prefix("fieldproof-bench-").tempdir()?;
    let start_ms = u64::try_from(crate::ingest::unix_ms())?;

    info!(reports = CEILING_SAMPLE, "(a) ed25519 ceiling");
    let sample = signed_reports(&fleet, start_ms, CEILING_SAMPLE);
    let mix = ReportMix::of(&sample);
    let ceiling = ceiling(&sample, CEILING_TIME)?;
    drop(sample);

    // Before the HTTP runs, so that their reports held in memory do not count in (d)'s peak.
    info!(reports = options.reports, "(d) storing and verifying");
    let scale = scale(fleet.clone(), directory.clone(), &dir.path().join("scale.sqlite"), start_ms, options.reports).await?;

    let reports = signed_reports(&fleet, start_ms, options.http_reports);
    info!(reports = options.http_reports, clients = options.clients, "(b1) HTTP ingest, a report per request");
    let single = LoadGenerator { program: program.clone(), clients: options.clients, batch: 1 };
    let single = http_ingest(reports.clone(), directory.clone(), &dir.path().join("single.sqlite"), &single).await?;
    single.store.pool().close().await;
    info!(reports = options.http_reports, batch = options.batch, "(b2) HTTP ingest, in batches");
    let batched = LoadGenerator { program, clients: options.clients, batch: options.batch };
    let batched = http_ingest(reports.clone(), directory.clone(), &dir.path().join("batched.sqlite"), &batched).await?;
    info!(reports = batched.accepted.items, "(c) judging the ingested reports");
    let verified = judge_all(&batched.store, &directory).await?;
    batched.store.pool().close().await;
    info!(reports = options.http_reports, clients = options.clients, "(b1): HTTP alone, nothing checked or stored");
    let floor = http_floor(reports, options.clients).await?;
    info!("(b1): the reports stored alone");
    let bounds = Bounds { http: floor, reports: rows_alone(&dir.path().join("single.sqlite"), &dir.path().join("reports.sqlite"), WriterConfig::default().max_batch).await? };

    let ingest = Ingest { single, batched };
    print!("{}", table(options, &mix, ceiling, &ingest, &bounds, verified, &scale));
    Ok(())
}

/// Line (a) and its CPU time.
#[derive(Clone, Copy, Debug)]
pub struct Ceiling {
    pub verified: Throughput,
    /// CPU time of the process (every core) per signature verified.
    pub cpu_per_signature: Duration,
}

/// Lines (b1) and (b2).
pub struct Ingest {
    pub single: IngestRun,
    pub batched: IngestRun,
}

/// A fleet without cheaters: every report it sends must be accepted and judged valid.
pub fn honest_fleet(hotspots: usize, seed: u64) -> Fleet {
    Fleet::new(FleetSpec { seed, hotspots, mappers: hotspots / 10, cheaters: Cheaters::default() })
}

/// The first `count` reports of the fleet's traffic from `start_ms` on, with the simulated
/// chain's entropy.
pub fn signed_reports(fleet: &Fleet, start_ms: u64, count: usize) -> Vec<SignedReport> {
    let chain = SimulatedChain::default();
    fleet.rounds(start_ms, move |at| chain.entropy_at(at)).take_while(|round| !round.is_empty()).flatten().take(count).map(|sim| sim.report).collect()
}

/// Line (a): the sample's signatures checked with `verify_batch` in batches of the verifier's
/// size, the batches spread over every core by rayon, again and again for at least `min_time`.
/// Messages and keys are prepared beforehand: this is the cryptography alone. A signature that
/// does not verify is an error, not a number.
pub fn ceiling(sample: &[SignedReport], min_time: Duration) -> anyhow::Result<Ceiling> {
    let messages: Vec<Vec<u8>> = sample.iter().map(SignedReport::signing_bytes).collect();
    let signatures: Vec<Signature> = sample.iter().map(SignedReport::signature).collect();
    let keys = sample.iter().map(SignedReport::device_key).collect::<Result<Vec<VerifyingKey>, _>>()?;
    let message_refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let batch_starts: Vec<usize> = (0..sample.len()).step_by(SIGNATURE_BATCH).collect();
    let started = Instant::now();
    let cpu = cpu_time::ProcessTime::now();
    let mut verified = 0;
    loop {
        batch_starts.par_iter().try_for_each(|&first| {
            let batch = first..(first + SIGNATURE_BATCH).min(sample.len());
            ed25519_dalek::verify_batch(&message_refs[batch.clone()], &signatures[batch.clone()], &keys[batch])
        })?;
        verified += sample.len();
        if started.elapsed() >= min_time {
            let cpu_per_signature = cpu.elapsed() / u32::try_from(verified.max(1)).unwrap_or(u32::MAX);
            return Ok(Ceiling { verified: Throughput { items: verified, elapsed: started.elapsed() }, cpu_per_signature });
        }
    }
}

/// Lines (b1) and (b2): serves the real API on 127.0.0.1 over a fresh SQLite file at
/// `database`, with the rate limits lifted and the clock-skew window widened to the reports'
/// span, and has `load`'s process post every report once. Counts the 2xx answers (each one a
/// report durably stored) until the last answer, and this process's CPU time meanwhile: the
/// server's alone, the load generator being another process. Refusals are tallied by code.
pub async fn http_ingest(reports: Vec<SignedReport>, directory: Arc<DeviceDirectory>, database: &Path, load: &LoadGenerator) -> anyhow::Result<IngestRun> {
    let oracle = crate::serve::start(&unthrottled_config(database, &reports), directory, None).await?;
    let sent = reports.len();
    let reports_file = database.with_extension("reports");
    let result_file = database.with_extension("result.json");
    std::fs::write(&reports_file, fieldproof_reports::encode_batch(&reports))?;
    drop(reports);
    let mut command = std::process::Command::new(&load.program);
    command.arg("bench-load").arg("--url").arg(format!("http://{}", oracle.addr)).arg("--reports").arg(&reports_file);
    command.args(["--clients", &load.clients.to_string(), "--batch", &load.batch.to_string()]).arg("--result").arg(&result_file);
    command.env("RUST_LOG", "warn").stdout(std::process::Stdio::null());
    let cpu = cpu_time::ProcessTime::now();
    let output = tokio::task::spawn_blocking(move || command.output()).await??;
    // The index is written behind the answers: its work is the server's too.
    oracle.writer.indexed().await?;
    let server_cpu = cpu.elapsed();
    anyhow::ensure!(output.status.success(), "the load generator failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr));
    let result: LoadResult = serde_json::from_slice(&std::fs::read(&result_file)?)?;
    let store = oracle.store.clone();
    oracle.shutdown().await?;
    let accepted = Throughput { items: result.accepted, elapsed: Duration::from_micros(result.elapsed_us) };
    Ok(IngestRun { sent, accepted, refused: result.refused, server_cpu, store })
}

/// `bench-load`: posts every report of `options.reports` once, `options.batch` per request, from
/// `options.clients` concurrent tasks, and writes what it saw to `options.result`.
pub async fn load(options: &LoadOptions) -> anyhow::Result<()> {
    let bytes = std::fs::read(&options.reports)?;
    let reports = fieldproof_reports::decode_batch(&bytes, usize::MAX)?
        .into_iter()
        .map(SignedReport::from_bytes)
        .collect::<Result<Vec<_>, _>>()?;
    let (accepted, tally) = if options.batch <= 1 {
        post_all(options.url.clone(), reports, options.clients).await?
    } else {
        post_batches(options.url.clone(), reports, options.batch, options.clients).await?
    };
    let elapsed_us = u64::try_from(accepted.elapsed.as_micros()).unwrap_or(u64::MAX);
    let result = LoadResult { accepted: tally.ok, elapsed_us, refused: tally.failed };
    std::fs::write(&options.result, serde_json::to_vec(&result)?)?;
    Ok(())
}

/// Beside line (b): the same clients posting the same reports to a server that only decodes each
/// report and answers as ingest does, checking, verifying and storing nothing: the most HTTP
/// alone lets through on this machine, and so a bound on (b).
pub async fn http_floor(reports: Vec<SignedReport>, clients: usize) -> anyhow::Result<Throughput> {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    let answer = |body: axum::body::Bytes| async move {
        match SignedReport::from_bytes(&body) {
            Ok(report) => (StatusCode::ACCEPTED, axum::Json(serde_json::json!({ "id": report.report_id().to_hex(), "seq": 0 }))).into_response(),
            Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        }
    };
    let listener = tokio::net::TcpListener::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = axum::Router::new().route("/v1/reports", axum::routing::post(answer));
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let posted = post_all(url, reports, clients).await;
    let _ = stop.send(());
    server.await??;
    let (answered, tally) = posted?;
    anyhow::ensure!(tally.failed.is_empty(), "the HTTP floor's server refused reports: {}", describe_refusals(&tally.failed));
    Ok(answered)
}

/// The report rows in `from` stored again into a fresh database at `scratch` (the oracle's own
/// schema and settings), through SQLite's prepared statements directly, in durable commits of
/// `per_commit` rows, nothing read or checked in between: the most the store alone takes of
/// them on this machine. Ingest stores one report row per report, so this bounds (b).
pub async fn rows_alone(from: &Path, scratch: &Path, per_commit: usize) -> anyhow::Result<Throughput> {
    Store::open(&sqlite_url(scratch)).await?.pool().close().await;
    let (from, scratch) = (from.to_path_buf(), scratch.to_path_buf());
    tokio::task::spawn_blocking(move || -> anyhow::Result<Throughput> {
        let (name, columns) = ("reports", fieldproof_store::report_columns!());
        let width = columns.split(',').count();
        let source = rusqlite::Connection::open_with_flags(&from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let rows: Vec<Vec<rusqlite::types::Value>> = source
            .prepare(&format!("SELECT {columns} FROM {name} ORDER BY signed_at_ms, id"))?
            .query_map([], |r| (0..width).map(|i| r.get(i)).collect())?
            .collect::<rusqlite::Result<_>>()?;
        let insert = format!("INSERT INTO {name} ({columns}) VALUES {}", crate::storage::value_rows(1, width));
        let mut target = rusqlite::Connection::open(&scratch)?;
        target.execute_batch(crate::storage::SQLITE_PRAGMAS)?;
        let started = Instant::now();
        for batch in rows.chunks(per_commit.max(1)) {
            let tx = target.transaction()?;
            {
                let mut insert = tx.prepare_cached(&insert)?;
                for row in batch {
                    insert.execute(rusqlite::params_from_iter(row))?;
                }
            }
            tx.commit()?;
        }
        Ok(Throughput { items: rows.len(), elapsed: started.elapsed() })
    })
    .await?
}

/// Posts every report once to the oracle at `url` from `clients` concurrent tasks sharing the
/// SDK's client: the 2xx answers per second until the last answer, and every outcome.
async fn post_all(url: String, reports: Vec<SignedReport>, clients: usize) -> anyhow::Result<(Throughput, Tally)> {
    let client = OracleClient::new(url, Duration::from_secs(60))?.with_retries(1, Duration::ZERO);
    let started = Instant::now();
    let tally = run_concurrently(reports, clients, move |report| {
        let client = client.clone();
        async move { client.submit_report(&report).await.map(drop).map_err(refusal_reason) }
    })
    .await?;
    Ok((Throughput { items: tally.ok, elapsed: started.elapsed() }, tally))
}

/// Posts the reports once, `batch` per `POST /v1/reports/batch`, from `clients` concurrent tasks
/// sharing the SDK's client: the reports answered 2xx per second until the last answer, and
/// every report's outcome.
async fn post_batches(url: String, reports: Vec<SignedReport>, batch: usize, clients: usize) -> anyhow::Result<(Throughput, Tally)> {
    let client = OracleClient::new(url, Duration::from_secs(60))?.with_retries(1, Duration::ZERO);
    let batches: Vec<Vec<SignedReport>> = reports.chunks(batch).map(<[SignedReport]>::to_vec).collect();
    let started = Instant::now();
    let outcomes = Arc::new(Mutex::new(Tally::default()));
    let tallied = outcomes.clone();
    let requests = run_concurrently(batches, clients, move |batch| {
        let (client, outcomes) = (client.clone(), tallied.clone());
        async move {
            let answers = client.submit_batch(&batch).await;
            let mut tally = outcomes.lock().unwrap_or_else(PoisonError::into_inner);
            match answers {
                Ok(answers) => answers.into_iter().for_each(|answer| tally.record(answer.map(drop).map_err(refusal_reason))),
                // A batch refused whole: each of its reports, for that reason.
                Err(refused) => {
                    let reason = refusal_reason(refused);
                    batch.iter().for_each(|_| tally.record(Err(reason.clone())));
                }
            }
            Ok(())
        }
    })
    .await?;
    let elapsed = started.elapsed();
    debug_assert!(requests.failed.is_empty());
    let tally = std::mem::take(&mut *outcomes.lock().unwrap_or_else(PoisonError::into_inner));
    Ok((Throughput { items: tally.ok, elapsed }, tally))
}

/// Line (c): the real verifier over everything in `store`, judged as one epoch window of each
/// stream (the epoch's own reads and decoding included), against the simulated chain.
pub async fn judge_all(store: &Store, directory: &DeviceDirectory) -> anyhow::Result<VerifyRun> {
    let config = VerificationConfig::default();
    let cache = BlockCache { store: store.clone(), source: BlockSource::Simulated(SimulatedChain::default()) };
    let (directory, denylist) = (directory.snapshot(), Denylist::default());
    let window = Window { start_ms: 0, end_ms: i64::MAX / 2 };
    let started = Instant::now();
    let (mut judged, mut valid) = (0, 0);
    for stream in [RewardStream::Coverage, RewardStream::Mapping] {
        let (kinds, span) = stream_input(stream, window, &config);
        let reports = read_reports(store, kinds, span).await?;
        let blocks = cache.blocks(&crate::epoch::entropy_slots(&reports)).await?;
        let facts = ChainFacts::new(&directory.entries, &blocks, &denylist);
        let verdicts = match stream {
            RewardStream::Coverage => crate::verify::judge_coverage(reports, window, &facts, &config).verdicts,
            RewardStream::Mapping => crate::verify::judge_mapping(reports, window, &facts, &config).verdicts,
        };
        judged += verdicts.len();
        valid += verdicts.iter().filter(|v| v.reason.is_none()).count();
    }
    Ok(VerifyRun { judged: Throughput { items: judged, elapsed: started.elapsed() }, valid })
}

/// Line (d): stores `count` reports of the fleet through the storage writer (generated a round
/// at a time, so they are never all in memory), verifies them all, then reads the peak RSS.
pub async fn scale(fleet: Arc<Fleet>, directory: Arc<DeviceDirectory>, database: &Path, start_ms: u64, count: usize) -> anyhow::Result<ScaleRun> {
    let store = Store::open(&sqlite_url(database)).await?;
    let (stored, refused) = store_directly(&store, database, fleet, start_ms, count).await?;
    info!(reports = stored.items, per_second = stored.per_second() as u64, "stored; judging");
    let verified = judge_all(&store, &directory).await?;
    store.pool().close().await;
    Ok(ScaleRun { stored, refused: refused.failed, verified, peak_rss_mib: peak_rss_mib() })
}

/// Peak resident memory of this process (VmHWM), in MiB; None where /proc does not say.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kib / 1024.0)
}

/// Generates rounds on a blocking thread while the previous round is being stored.
async fn store_directly(store: &Store, database: &Path, fleet: Arc<Fleet>, start_ms: u64, count: usize) -> anyhow::Result<(Throughput, Tally)> {
    let (rounds, mut ready) = tokio::sync::mpsc::channel::<Vec<NewReport>>(1);
    let producer = tokio::task::spawn_blocking(move || {
        let mut left = count;
        let chain = SimulatedChain::default();
        for round in fleet.rounds(start_ms, move |at| chain.entropy_at(at)) {
            let rows: Vec<NewReport> = round.into_iter().take(left).map(|sim| stored_row(&sim.report)).collect();
            left -= rows.len();
            if rows.is_empty() || rounds.blocking_send(rows).is_err() || left == 0 {
                return;
            }
        }
    });
    let scratch = database.parent().unwrap_or(Path::new("."));
    let log = crate::log::open(&LogConfig::in_dir(&scratch.join("scale")), store.clone(), "bench".into(), i64::MAX / 4).await?;
    let (writer, writer_task) = (log.writer, log.writer_task);
    let started = Instant::now();
    let mut tally = Tally::default();
    while let Some(rows) = ready.recv().await {
        let writer = writer.clone();
        tally.merge(
            run_concurrently(rows, STORE_WORKERS, move |row| {
                let writer = writer.clone();
                async move { stored_outcome(writer.insert(row).await) }
            })
            .await?,
        );
        info!(stored = tally.ok, of = count, "storing");
    }
    producer.await?;
    // The writer commits what it holds and stops once its last handle is gone.
    drop(writer);
    writer_task.await?;
    Ok((Throughput { items: tally.ok, elapsed: started.elapsed() }, tally))
}

/// The row ingest would store for `report`, received when it was signed.
fn stored_row(report: &SignedReport) -> NewReport {
    let signed_at_ms = i64::try_from(report.body.header().timestamp_ms).unwrap_or(i64::MAX);
    NewReport::accepted(report, report.to_bytes(), signed_at_ms, "bench".into())
}

fn stored_outcome(outcome: Result<InsertOutcome, crate::log::LogError>) -> Result<(), String> {
    match outcome {
        Ok(InsertOutcome::Stored) => Ok(()),
        Ok(InsertOutcome::Duplicate) => Err("duplicate_report".into()),
        Ok(InsertOutcome::ReplayedNonce) => Err("replayed_nonce".into()),
        Ok(InsertOutcome::Sealed) => Err("late_report".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn refusal_reason(error: OracleApiError) -> String {
    match error {
        OracleApiError::Rejected { code, .. } => code,
        other => other.to_string(),
    }
}

/// Runs `attempt` over every item, `workers` at a time, and tallies the outcomes.
async fn run_concurrently<T, F, Fut>(items: Vec<T>, workers: usize, attempt: F) -> anyhow::Result<Tally>
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let queue = Arc::new(Mutex::new(items.into_iter()));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers.max(1) {
        let queue = queue.clone();
        let attempt = attempt.clone();
        tasks.spawn(async move {
            let mut tally = Tally::default();
            loop {
                let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
                let Some(item) = next else { return tally };
                tally.record(attempt(item).await);
            }
        });
    }
    let mut total = Tally::default();
    while let Some(done) = tasks.join_next().await {
        total.merge(done?);
    }
    Ok(total)
}

/// The HTTP run's configuration: nothing throttles the clients, and every report's timestamp is
/// inside the clock-skew window (the simulated rounds span ten minutes each).
fn unthrottled_config(database: &Path, reports: &[SignedReport]) -> OracleConfig {
    let now_ms = u64::try_from(crate::ingest::unix_ms()).unwrap_or(0);
    let farthest_ms = reports.iter().map(|r| r.body.header().timestamp_ms.abs_diff(now_ms)).max().unwrap_or(0);
    OracleConfig {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: sqlite_url(database),
        // A log of its own beside each database: a log's write-ahead files are indexed into the
        // database on start.
        log: LogConfig::in_dir(&database.with_extension("log")),
        ingest: IngestConfig {
            per_device_per_minute: u32::MAX,
            per_source_per_minute: u32::MAX,
            max_clock_skew_secs: farthest_ms / 1_000 + 3_600,
            ..IngestConfig::default()
        },
        ..OracleConfig::default()
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Which kinds of report the sample holds, and their mean signed-message size.
struct ReportMix {
    kinds: BTreeMap<&'static str, usize>,
    mean_message_bytes: usize,
}

impl ReportMix {
    fn of(reports: &[SignedReport]) -> Self {
        let mut kinds = BTreeMap::new();
        let mut bytes = 0;
        for report in reports {
            *kinds.entry(report.body.kind().name()).or_default() += 1;
            bytes += report.signing_bytes().len();
        }
        Self { kinds, mean_message_bytes: bytes / reports.len().max(1) }
    }

    fn describe(&self) -> String {
        let total: usize = self.kinds.values().sum();
        let parts: Vec<String> =
            self.kinds.iter().map(|(kind, n)| format!("{kind} {:.1}%", 100.0 * *n as f64 / total.max(1) as f64)).collect();
        format!("{}; mean signed message {} bytes", parts.join(", "), self.mean_message_bytes)
    }
}

fn table(options: &BenchOptions, mix: &ReportMix, ceiling: Ceiling, ingest: &Ingest, bounds: &Bounds, verified: VerifyRun, scale: &ScaleRun) -> String {
    let cores = rayon::current_num_threads();
    let ingest_bound = signatures_and_rows(ceiling.verified, bounds.reports, cores);
    let top = ceiling.verified.per_second();
    let share = |t: Throughput| 100.0 * t.per_second() / top;
    let met = |ok: bool| if ok { "yes" } else { "NO" };
    let (single, batched) = (&ingest.single, &ingest.batched);
    let per_signature = ceiling.cpu_per_signature.as_secs_f64().max(f64::MIN_POSITIVE);
    let cpu_ratio = |run: &IngestRun| run.cpu_per_report().as_secs_f64() / per_signature;
    let peak = scale.peak_rss_mib.map_or("n/a".to_string(), |mib| format!("{mib:.0} MiB"));
    let peak_met = scale.peak_rss_mib.map_or("n/a", |mib| met(mib <= 1024.0));
    let line = |label: String, measured: String, share: String, target: &str, met: &str| format!("{label:<62} {measured:>20} {share:>9}  {target:<22} {met}\n");
    let mut out = String::new();
    out += &format!(
        "fieldproof-oracle bench: {cores} cores; honest fleet of {} hotspots + {} dashcams (seed {})\n",
        options.hotspots,
        options.hotspots / 10,
        options.seed
    );
    out += &format!("report mix: {}\n\n", mix.describe());
    out += &line(String::new(), "measured".into(), "% of (a)".into(), "target", "met");
    out += &line("(a) ceiling: ed25519 verify_batch, rayon, all cores".into(), rate(ceiling.verified, "sig/s"), "100%".into(), "", "");
    out += &line(
        format!("(b1) HTTP ingest, a report per request ({} clients)", options.clients),
        rate(single.accepted, "reports/s"),
        format!("{:.1}%", share(single.accepted)),
        ">= 25% of (a)",
        met(share(single.accepted) >= 25.0),
    );
    out += &line(
        format!("(b2) HTTP ingest, {} reports per request", grouped(options.batch)),
        rate(batched.accepted, "reports/s"),
        format!("{:.1}%", share(batched.accepted)),
        ">= 60% of (a)",
        met(share(batched.accepted) >= 60.0),
    );
    out += &line(
        "(c) verifier, an epoch's judgement of (b2)'s store".into(),
        rate(verified.judged, "reports/s"),
        format!("{:.1}%", share(verified.judged)),
        ">= (b2), >= 100% of (a)",
        met(verified.judged.per_second() >= batched.accepted.per_second() && share(verified.judged) >= 100.0),
    );
    out += &line(
        "CPU per accepted report, server process, (b2)".into(),
        format!("{:.1} µs", batched.cpu_per_report().as_secs_f64() * 1e6),
        format!("{:.2}x", cpu_ratio(batched)),
        "<= 2x (a)'s per sig",
        met(cpu_ratio(batched) <= 2.0),
    );
    out += &line(
        "CPU per accepted report, server process, (b1)".into(),
        format!("{:.1} µs", single.cpu_per_report().as_secs_f64() * 1e6),
        format!("{:.2}x", cpu_ratio(single)),
        "",
        "",
    );
    out += &line("CPU per signature, (a)".into(), format!("{:.1} µs", per_signature * 1e6), "1.00x".into(), "", "");
    out += &line(format!("(d) peak RSS (VmHWM), {} reports stored + judged", grouped(scale.stored.items)), peak, String::new(), "<= 1024 MiB", peak_met);
    out += "\n";
    out += &format!(
        "(a) {} signatures in {:.2} s ({} distinct, batches of {SIGNATURE_BATCH}); CPU per signature is the process's CPU time (all cores) over the signatures\n",
        grouped(ceiling.verified.items),
        ceiling.verified.elapsed.as_secs_f64(),
        grouped(CEILING_SAMPLE.min(ceiling.verified.items))
    );
    for (name, run) in [("(b1)", single), ("(b2)", batched)] {
        out += &format!(
            "{name} {} of {} sent accepted in {:.2} s; refused: {}; the load generator is a process of its own on the same cores; \
             the server's CPU time {:.2} s\n",
            grouped(run.accepted.items),
            grouped(run.sent),
            run.accepted.elapsed.as_secs_f64(),
            describe_refusals(&run.refused),
            run.server_cpu.as_secs_f64()
        );
    }
    out += &format!(
        "(b1) HTTP alone: the same reports, a request each from {} tasks in this process, against a server that only decodes each \
         report and answers, nothing checked or stored: {} ({:.1}% of (a)), a bound on (b1)\n",
        options.clients,
        rate(bounds.http, "reports/s"),
        share(bounds.http)
    );
    out += &format!(
        "(b1) the reports alone: (b1)'s report rows stored again into a fresh database with SQLite's own prepared statements, \
         {} per durable commit, nothing read or checked: {} ({:.1}% of (a)). Ingest checks every signature and stores every \
         report, so even with HTTP free and signatures checked at (a)'s rate it accepts at most {} ({:.1}% of (a)) here\n",
        grouped(WriterConfig::default().max_batch),
        rate(bounds.reports, "rows/s"),
        share(bounds.reports),
        rate(ingest_bound, "reports/s"),
        share(ingest_bound)
    );
    out += &format!(
        "(c) {} judged in {:.2} s, {} valid\n",
        grouped(verified.judged.items),
        verified.judged.elapsed.as_secs_f64(),
        grouped(verified.valid)
    );
    out += &format!(
        "(d) stored through the storage writer directly (not HTTP): {} in {:.1} s ({}), refused: {}; \
         judged {} in {:.1} s ({}), {} valid; peak is the whole process's, measured before (b1) and (b2) ran\n",
        grouped(scale.stored.items),
        scale.stored.elapsed.as_secs_f64(),
        rate(scale.stored, "reports/s"),
        describe_refusals(&scale.refused),
        grouped(scale.verified.judged.items),
        scale.verified.judged.elapsed.as_secs_f64(),
        rate(scale.verified.judged, "reports/s"),
        grouped(scale.verified.valid)
    );
    out
}

/// Reports per second of a stage that does nothing but check each signature (at the
/// ceiling's rate, on every core) and store one row for it (at `rows`' rate, one core): each
/// report costs cores/ceiling + 1/rows seconds of one core, and `cores` cores share the work.
fn signatures_and_rows(ceiling: Throughput, rows: Throughput, cores: usize) -> Throughput {
    let cores = cores.max(1) as f64;
    let per_report = cores / ceiling.per_second() + 1.0 / rows.per_second();
    let items = 1_000_000;
    Throughput { items, elapsed: Duration::from_secs_f64(items as f64 * per_report / cores) }
}

fn rate(t: Throughput, unit: &str) -> String {
    format!("{} {unit}", grouped(t.per_second().round() as usize))
}

fn describe_refusals(refused: &BTreeMap<String, usize>) -> String {
    if refused.is_empty() {
        return "none".into();
    }
    refused.iter().map(|(reason, n)| format!("{n} {reason}")).collect::<Vec<_>>().join(", ")
}

/// 1234567 as "1,234,567".
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_that_checks_and_stores_shares_the_cores_between_both() {
        let per_second = |n: usize| Throughput { items: n, elapsed: Duration::from_secs(1) };
        // Two cores: a signature costs 2/200,000 s of one core, a row 1/100,000 s; 20 µs a
        // report over two cores is 100,000 reports/s.
        let bound = signatures_and_rows(per_second(200_000), per_second(100_000), 2);
        assert!((bound.per_second() - 100_000.0).abs() < 1.0, "{}", bound.per_second());
        // One core: 5 µs + 10 µs.
        let bound = signatures_and_rows(per_second(200_000), per_second(100_000), 1);
        assert!((bound.per_second() - 66_666.7).abs() < 1.0, "{}", bound.per_second());
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn the_ceiling_refuses_a_forged_signature_instead_of_counting_it() {
        let fleet = honest_fleet(4, 1);
        let mut sample = signed_reports(&fleet, 1_800_000_000_000, 20);
        assert_eq!(ceiling(&sample, Duration::ZERO).unwrap().verified.items, 20);
        sample[3].signature[0] ^= 1;
        assert!(ceiling(&sample, Duration::ZERO).is_err());
    }
}
