//! `fieldproof-oracle bench-epoch`: the epoch side of the oracle measured in one run and printed
//! side by side — (e) one epoch of a network of `--devices` devices (coverage and mapping pools:
//! reading the verified reports, units, allocation, tree, file) with the peak memory, (f) our
//! reward-tree build against the `rs_merkle` crate on the same leaves, (g) the proof API under
//! wrk on loopback.
//!
//! The report log is filled directly with sealed segments, one per minute of reports, unsigned
//! (ingest checks each signature once; signing millions of reports would measure the signer,
//! not the epoch): hotspots on a grid, each with one beacon heard by `--witnesses` of its
//! neighbours; per dashcam two segments of twelve fixes. The epoch reads, decodes and judges
//! them all.
use std::path::Path;
use std::time::{Duration, Instant};

use fieldproof_reports::{BeaconReport, FrameHash, MappingSegmentReport, ReportBody, ReportHeader, SignedReport, TrackPoint, WitnessReport};
use fieldproof_sdk::{Pubkey, RewardFile, SignedRoot};
use h3o::{LatLng, Resolution};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::bench::peak_rss_mib;
use crate::chain_blocks::{BlockCache, BlockSource, SimulatedChain};
use crate::devices::{DeviceEntry, DeviceKind, DirectorySnapshot};
use crate::epoch::{compute, BlockFacts, EpochFiles, EpochInputs, EpochSpec, Previous, ReportSet, RewardConfig, RewardStream};
use crate::log::segment::{self, Entry};
use crate::verify::{Denylist, VerificationConfig};
use crate::quorum::{EpochRecord, EpochStatus};
use crate::storage::Store;

#[derive(Clone, Debug, clap::Args)]
pub struct EpochBenchOptions {
    /// Devices of the network: nine in ten hotspots, one in ten dashcams.
    #[arg(long, default_value_t = 1_000_000)]
    pub devices: usize,
    /// Valid witnesses of each beacon.
    #[arg(long, default_value_t = 4)]
    pub witnesses: usize,
    /// Seconds wrk loads the proof API (0 skips it).
    #[arg(long, default_value_t = 60)]
    pub wrk_secs: u64,
    /// Concurrent wrk connections.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

const EPOCH: u64 = 1;
const EMISSION: u64 = 1_000_000_000_000;

fn config() -> RewardConfig {
    RewardConfig { start_ts: 1_800_000_000, length_secs: 86_400, ..RewardConfig::default() }
}

fn device_key(i: usize) -> [u8; 32] {
    solana_sha256_hasher::hashv(&[b"device", &(i as u64).to_le_bytes()]).to_bytes()
}

pub async fn run(options: &EpochBenchOptions) -> anyhow::Result<()> {
    anyhow::ensure!(options.devices >= 20, "--devices must be at least 20");
    let dir = tempfile::tempdir()?;
    let database = dir.path().join("epoch-bench.sqlite");
    let started = Instant::now();
    let store = Store::open(&format!("sqlite://{}", database.display())).await?;
    let log = crate::objects::Objects::open(dir.path().join("log").to_str().unwrap_or("log"))?;
    let (entries, segments) = fill(&log, options).await?;
    let directory = DirectorySnapshot { as_of_ms: None, entries };
    println!("filled the log in {:.1} s: {}", started.elapsed().as_secs_f64(), describe(options));
    let (denylist, verification) = (Denylist::default(), VerificationConfig::default());
    let blocks = BlockCache { store: store.clone(), source: BlockSource::Simulated(SimulatedChain::default()) };
    let inputs = EpochInputs {
        reports: ReportSet { objects: &log, segments: &segments },
        directory: &directory,
        denylist: &denylist,
        verification: &verification,
        blocks: BlockFacts::Chain(&blocks),
    };

    let files = EpochFiles::open(dir.path().join("epochs").to_str().unwrap_or("epochs"))?;
    let mut lines = Vec::new();
    let mut coverage_file = None;
    for (stream, pool) in [(RewardStream::Coverage, Pubkey::new_from_array([1; 32])), (RewardStream::Mapping, Pubkey::new_from_array([2; 32]))] {
        let spec = EpochSpec { pool, stream, epoch: EPOCH, emission: EMISSION };
        let t = Instant::now();
        let computed = compute(&inputs, &Previous::default(), &spec, &config()).await?;
        files.publish(&pool, &computed).await?;
        let elapsed = t.elapsed();
        let leaves = computed.manifest.leaf_count;
        lines.push(format!("| (e) epoch, {stream:?} pool | {leaves} leaves: read, units, allocation, tree, file written | {:.2} s | ≤ 10 s |", elapsed.as_secs_f64()));
        if stream == RewardStream::Coverage {
            coverage_file = computed.file;
        }
    }
    let peak = peak_rss_mib().map_or_else(|| "unknown".to_string(), |m| format!("{m:.0} MiB"));
    lines.push(format!("| (e) peak memory | the whole process so far (fill included) | {peak} | ≤ 2048 MiB |"));

    let file = coverage_file.ok_or_else(|| anyhow::anyhow!("the coverage epoch earned nothing"))?;
    let (ours, theirs) = merkle_race(&file);
    lines.push(format!(
        "| (f) tree build, ours | {} leaves, sha256, all cores | {:.0} ms | ≥ 1.5× rs_merkle: {:.2}× |",
        file.leaves().len(),
        ours.as_secs_f64() * 1e3,
        theirs.as_secs_f64() / ours.as_secs_f64().max(f64::MIN_POSITIVE)
    ));
    lines.push(format!("| (f) tree build, rs_merkle 1.5 | the same leaves, its Sha256 | {:.0} ms | |", theirs.as_secs_f64() * 1e3));

    if options.wrk_secs > 0 {
        let pool = Pubkey::new_from_array([1; 32]);
        mark_active(&store, &pool, &file).await?;
        lines.push(proof_api_line(dir.path(), &database, &pool, &file, options).await?);
    }
    println!("\n| line | what | measured | target |\n|---|---|---|---|");
    for line in lines {
        println!("{line}");
    }
    Ok(())
}

fn describe(o: &EpochBenchOptions) -> String {
    let hotspots = o.devices - o.devices / 10;
    format!(
        "{} hotspots ({} beacons, {} witnesses), {} dashcams ({} segments)",
        hotspots,
        hotspots,
        hotspots * o.witnesses,
        o.devices / 10,
        2 * (o.devices / 10)
    )
}

/// Fills the log with the epoch's reports, a segment per minute of signed time; returns the
/// device directory and the segments.
async fn fill(log: &crate::objects::Objects, o: &EpochBenchOptions) -> anyhow::Result<(std::collections::BTreeMap<[u8; 32], DeviceEntry>, Vec<[u8; 32]>)> {
    let mut rng = StdRng::seed_from_u64(o.seed);
    let chain = SimulatedChain::default();
    let (start_ms, _) = config().window_ms(EPOCH).ok_or_else(|| anyhow::anyhow!("epoch window"))?;
    let hotspots = o.devices - o.devices / 10;
    // Hotspots on a grid over a 2°×2° square around San Francisco (about 200 m apart at a
    // million devices); a beacon is heard by neighbours two columns or rows away, 370-470 m.
    let side = (hotspots as f64).sqrt().ceil().max(1.0) as usize;
    let step = 2.0 / side as f64;
    let grid = |i: usize| LatLng::new(37.0 + step * (i / side) as f64, -123.0 + step * (i % side) as f64);
    let neighbours = |i: usize| -> Vec<usize> {
        let (row, col) = ((i / side) as isize, (i % side) as isize);
        [(0, 2), (0, -2), (2, 0), (-2, 0), (2, 2), (-2, -2), (2, -2), (-2, 2)]
            .iter()
            .map(|(dr, dc)| (row + dr, col + dc))
            .filter(|(r, c)| *r >= 0 && *c >= 0 && (*c as usize) < side)
            .map(|(r, c)| r as usize * side + c as usize)
            .filter(|n| *n < hotspots)
            .take(o.witnesses)
            .collect()
    };
    let mut devices = std::collections::BTreeMap::new();
    // Reports by minute; a minute is sealed once no later device can add to it.
    let mut minutes: std::collections::BTreeMap<i64, Vec<Entry>> = std::collections::BTreeMap::new();
    let mut segments = Vec::new();
    let span_ms = 80_000_000;
    for i in 0..o.devices {
        let key = device_key(i);
        let hotspot = i < hotspots;
        let spot = if hotspot { grid(i)? } else { LatLng::new(37.0 + rng.gen_range(0.0..2.0), -123.0 + rng.gen_range(0.0..2.0))? };
        let entry = DeviceEntry {
            kind: if hotspot { DeviceKind::Hotspot } else { DeviceKind::Mapper },
            active: true,
            location_h3: hotspot.then(|| u64::from(spot.to_cell(Resolution::Twelve))),
            elevation_m: 10,
            gain_ddbi: 30,
            asset: Some(solana_sha256_hasher::hashv(&[b"asset", &key]).to_bytes()),
        };
        devices.insert(key, entry);
        // Devices take their turns through the day, so the minutes fill in order.
        let at = start_ms + i64::try_from(i)? * span_ms / i64::try_from(o.devices)?;
        let entropy = chain.entropy_at(u64::try_from(at)?);
        let mut add = |body: ReportBody| {
            let signed = i64::try_from(body.header().timestamp_ms).unwrap_or(i64::MAX);
            let report = SignedReport { body, signature: [0; 64] };
            minutes.entry(signed.div_euclid(60_000)).or_default().push(Entry::of(&report, report.to_bytes()));
        };
        if hotspot {
            let header = ReportHeader { device_key: key, timestamp_ms: u64::try_from(at)?, nonce: rng.gen() };
            let beacon = ReportBody::Beacon(BeaconReport { header, entropy, frequency_hz: 904_300_000, tx_power_ddbm: 270, location_h3: entry.location_h3.unwrap_or_default() });
            let beacon_id = beacon.report_id().0;
            add(beacon);
            for witness in neighbours(i) {
                let received = u64::try_from(at + 500)?;
                let header = ReportHeader { device_key: device_key(witness), timestamp_ms: received, nonce: rng.gen() };
                add(ReportBody::Witness(WitnessReport { header, beaconer: key, beacon_payload: beacon_id, rssi_ddbm: -1_100, snr_ddb: 50, frequency_hz: 904_300_000, received_at_ms: received }));
            }
        } else {
            for s in 0..2i64 {
                add(segment(&key, at + s * 600_000, spot, entropy, &mut rng));
            }
        }
        // Segments of later devices start at `at` at the earliest: a minute before is done.
        let done: Vec<i64> = minutes.range(..at.div_euclid(60_000)).map(|(m, _)| *m).collect();
        for minute in done {
            if let Some(entries) = minutes.remove(&minute) {
                segments.push(seal(log, entries).await?);
            }
        }
    }
    for (_, entries) in std::mem::take(&mut minutes) {
        segments.push(seal(log, entries).await?);
    }
    segments.sort_unstable();
    Ok((devices, segments))
}

async fn seal(log: &crate::objects::Objects, entries: Vec<Entry>) -> anyhow::Result<[u8; 32]> {
    let (bytes, hash) = segment::encode(entries);
    log.create_addressed(&crate::log::segment_path(&hash), bytes).await?;
    Ok(hash)
}

/// Twenty-two seconds of driving from `from`: twelve fixes 2 s and ~40 m apart, a frame each.
fn segment(device: &[u8; 32], at_ms: i64, from: LatLng, entropy: fieldproof_reports::Entropy, rng: &mut StdRng) -> ReportBody {
    let heading: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
    let at = u64::try_from(at_ms).unwrap_or(0);
    let points: Vec<TrackPoint> = (0..12u32)
        .map(|k| TrackPoint {
            timestamp_ms: at + u64::from(k) * 2_000,
            latitude_e7: ((from.lat() + f64::from(k) * 0.0004 * heading.sin()) * 1e7) as i32,
            longitude_e7: ((from.lng() + f64::from(k) * 0.0004 * heading.cos()) * 1e7) as i32,
            altitude_dm: 100,
            horizontal_accuracy_dm: 30,
        })
        .collect();
    let frames = points.iter().map(|p| FrameHash { timestamp_ms: p.timestamp_ms, content_hash: rng.gen() }).collect();
    let header = ReportHeader { device_key: *device, timestamp_ms: at + 23_000, nonce: rng.gen() };
    ReportBody::MappingSegment(MappingSegmentReport { header, entropy, points, frames })
}

/// Best of three builds of each tree over the file's leaves.
fn merkle_race(file: &RewardFile) -> (Duration, Duration) {
    use rs_merkle::algorithms::Sha256;
    let leaves: Vec<[u8; 32]> = file.leaves().iter().map(|(a, v)| fieldproof_sdk::merkle::leaf_hash(&a.to_bytes(), *v)).collect();
    let best = |build: &dyn Fn() -> [u8; 32]| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(build());
                t.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let ours = best(&|| fieldproof_sdk::merkle::MerkleTree::new_parallel(leaves.clone()).root());
    let theirs = best(&|| rs_merkle::MerkleTree::<Sha256>::from_leaves(&leaves).root().unwrap_or_default());
    (ours, theirs)
}

/// Records the coverage epoch as this oracle's active root, as the pipeline would have.
async fn mark_active(store: &Store, pool: &Pubkey, file: &RewardFile) -> anyhow::Result<()> {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let args = fieldproof_sdk::reward_pool::PostRootArgs {
        config_version: 0,
        epoch: EPOCH,
        root: file.root(),
        cumulative_total: u64::try_from(file.cumulative_total())?,
        leaf_count: file.leaves().len() as u64,
        content_hash: crate::epoch::content_hash(file.to_json().as_bytes()),
        expires_at: i64::MAX,
    };
    let mut record = EpochRecord::new(*pool, EPOCH);
    record.own = Some(SignedRoot::sign(&key, pool, args));
    record.status = EpochStatus::Active;
    record.save(store, 0).await?;
    Ok(())
}

/// Serves the API on loopback and loads `GET /v1/rewards/{pool}/{asset}` with wrk over random
/// assets of the file.
async fn proof_api_line(dir: &Path, database: &Path, pool: &Pubkey, file: &RewardFile, o: &EpochBenchOptions) -> anyhow::Result<String> {
    let config = crate::config::OracleConfig {
        listen: "127.0.0.1:0".parse()?,
        database_url: format!("sqlite://{}", database.display()),
        epochs_store: dir.join("epochs").display().to_string(),
        log: crate::log::LogConfig::in_dir(dir),
        ingest: crate::config::IngestConfig { per_source_per_minute: u32::MAX, max_in_flight: 65_536, ..Default::default() },
        ..Default::default()
    };
    let oracle = crate::serve::start(&config, std::sync::Arc::new(crate::devices::DeviceDirectory::default()), None).await?;
    let mut rng = StdRng::seed_from_u64(o.seed);
    let paths: Vec<String> = (0..10_000)
        .map(|_| format!("\"/v1/rewards/{pool}/{}\"", file.leaves()[rng.gen_range(0..file.leaves().len())].0))
        .collect();
    let script = dir.join("proofs.lua");
    std::fs::write(
        &script,
        format!("paths = {{{}}}\nrequest = function()\n  return wrk.format(\"GET\", paths[math.random(#paths)])\nend\n", paths.join(",")),
    )?;
    // The first request loads the file into memory; wrk measures the steady state.
    let api = fieldproof_sdk::OracleClient::new(format!("http://{}", oracle.addr), Duration::from_secs(10))?;
    anyhow::ensure!(api.reward_proof(pool, &file.leaves()[0].0).await?.is_some_and(|p| p.verify()), "the proof API serves no valid proof");
    let args = vec![
        "-t2".to_string(),
        format!("-c{}", o.connections),
        format!("-d{}s", o.wrk_secs),
        "--latency".to_string(),
        "-s".to_string(),
        script.display().to_string(),
        format!("http://{}", oracle.addr),
    ];
    let output = tokio::task::spawn_blocking(move || std::process::Command::new("wrk").args(args).output()).await?;
    oracle.shutdown().await?;
    let output = match output {
        Ok(output) => String::from_utf8_lossy(&output.stdout).to_string(),
        Err(e) => return Ok(format!("| (g) proof API | wrk not runnable ({e}); install Debian's wrk | - | ≥ 10k req/s, p99 ≤ 5 ms |")),
    };
    let field = |prefix: &str| output.lines().find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_string())).unwrap_or_else(|| "?".into());
    let errors = output.lines().find(|l| l.contains("Non-2xx") || l.contains("Socket errors")).unwrap_or("no errors");
    Ok(format!(
        "| (g) proof API under wrk | {} s, {} connections, random assets; p50 {}, p99 {}; {} | {} req/s | ≥ 10k req/s, p99 ≤ 5 ms |",
        o.wrk_secs,
        o.connections,
        field("50%"),
        field("99%"),
        errors.trim(),
        field("Requests/sec:")
    ))
}
