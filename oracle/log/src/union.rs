//! An epoch's input: the union of every oracle's sealed segments of the buckets it spans. Peers'
//! segments are fetched once, checked against their names, every report's signature checked
//! (strictly, on every core: a peer is not trusted, its devices' signatures are), kept in this
//! oracle's log store and indexed. What one oracle fetched it serves to the others in turn, so the
//! union spreads even past an oracle that is away.
use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use fieldproof_reports::SignedReport;
use fieldproof_sdk::OracleClient;
use rayon::prelude::*;

use super::{bucket_of, index_reports, segment, segment_path, LogError};
use crate::objects::Objects;
use fieldproof_store::{SegmentRow, Store};

/// A peer's log, and the name it goes by in the logs.
pub struct PeerLog {
    pub name: String,
    pub client: OracleClient,
}

/// What gathering found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Gathered {
    /// Every segment of the buckets this oracle now holds, its own and its peers', in hash order.
    pub segments: Vec<[u8; 32]>,
    /// Segments fetched from peers in this pass.
    pub fetched: usize,
    /// Peers that answered but have not sealed every bucket yet.
    pub unsealed: Vec<String>,
    /// Peers that did not answer (or served a segment that is not what it claims).
    pub unreachable: Vec<String>,
}

/// Fetches what the peers hold of `buckets` and this oracle lacks, and returns the union.
pub async fn gather(store: &Store, objects: &Objects, peers: &[PeerLog], buckets: RangeInclusive<u64>, bucket_ms: i64) -> Result<Gathered, LogError> {
    let mut gathered = Gathered::default();
    for peer in peers {
        let listed = match peer.client.log_buckets(*buckets.start(), *buckets.end()).await {
            Ok(listed) => listed,
            Err(e) => {
                tracing::warn!(peer = %peer.name, error = %e, "peer's log unreachable; the epoch's input may grow when it answers");
                gathered.unreachable.push(peer.name.clone());
                continue;
            }
        };
        if listed.iter().any(|b| !b.sealed) {
            gathered.unsealed.push(peer.name.clone());
        }
        let held = held(store, &buckets).await?;
        for bucket in listed {
            for listed_segment in bucket.segments {
                let Some(hash) = hex::decode(&listed_segment.hash).ok().and_then(|h| <[u8; 32]>::try_from(h).ok()) else { continue };
                if held.contains(&hash) {
                    continue;
                }
                match fetch(store, objects, peer, &hash, bucket.bucket, bucket_ms, &listed_segment).await {
                    Ok(()) => gathered.fetched += 1,
                    Err(reason) => {
                        tracing::warn!(peer = %peer.name, segment = %listed_segment.hash, %reason, "peer's segment not taken");
                        if !gathered.unreachable.contains(&peer.name) {
                            gathered.unreachable.push(peer.name.clone());
                        }
                    }
                }
            }
        }
    }
    gathered.segments = held(store, &buckets).await?.into_iter().collect();
    Ok(gathered)
}

/// The segments of `buckets` this oracle holds.
async fn held(store: &Store, buckets: &RangeInclusive<u64>) -> Result<BTreeSet<[u8; 32]>, LogError> {
    Ok(store.segments_of(buckets).await?.into_iter().map(|s| s.hash).collect())
}

/// Fetches, checks, keeps and indexes one peer segment; why not, when it is refused.
async fn fetch(store: &Store, objects: &Objects, peer: &PeerLog, hash: &[u8; 32], bucket: u64, bucket_ms: i64, listed: &fieldproof_sdk::LogSegment) -> Result<(), String> {
    let bytes = peer.client.log_segment(hash).await.map_err(|e| e.to_string())?.ok_or("the peer listed it but does not serve it")?;
    let wire: Vec<Vec<u8>> = segment::decode(&bytes, hash).map_err(|e| e.to_string())?.into_iter().map(<[u8]>::to_vec).collect();
    let reports = segment::reports(&wire).map_err(|e| e.to_string())?;
    let checked: Vec<Result<(), String>> = reports
        .par_iter()
        .map(|r| {
            r.verify().map_err(|e| format!("report {}: {e}", r.report_id()))?;
            let signed = i64::try_from(r.body.header().timestamp_ms).unwrap_or(i64::MAX);
            (bucket_of(signed, bucket_ms) == bucket).then_some(()).ok_or_else(|| format!("report {} is not of bucket {bucket}", r.report_id()))
        })
        .collect();
    checked.into_iter().collect::<Result<(), String>>()?;
    let count = reports.len();
    objects.create_addressed(&segment_path(hash), bytes).await.map_err(|e| e.to_string())?;
    let indexed: Vec<(SignedReport, Vec<u8>)> = reports.into_iter().zip(wire).collect();
    index_reports(store, &indexed, crate::clock::unix_ms(), &format!("log:{}", listed.oracle)).await.map_err(|e| e.to_string())?;
    let row = SegmentRow { hash: *hash, bucket, oracle: listed.oracle.clone(), instance: listed.instance.clone(), reports: count as u64 };
    store.record_segment(&row).await.map_err(|e| e.to_string())?;
    Ok(())
}

/// The segments this oracle holds of `buckets`, without asking anyone.
pub async fn local(store: &Store, buckets: RangeInclusive<u64>) -> Result<Vec<[u8; 32]>, LogError> {
    Ok(held(store, &buckets).await?.into_iter().collect())
}
