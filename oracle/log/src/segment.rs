//! A sealed segment: the reports one oracle instance accepted in one time bucket, as they were
//! received, in the canonical order (signed time, then report id), each once. Named by the
//! sha256 of its bytes (`segments/<hex>.seg`), so a segment is the same object wherever it is
//! copied, and its name proves its content.
//!
//! Bytes: `"fieldproof:segment:v1\n"` ‖ u32 count ‖ count × (u32 length ‖ the report's wire
//! bytes), integers little-endian.
use fieldproof_reports::SignedReport;

const MAGIC: &[u8] = b"fieldproof:segment:v1\n";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SegmentError {
    #[error("not a segment: {0}")]
    Malformed(String),
    #[error("the segment's content hashes to {actual}, not to its name {expected}")]
    WrongHash { expected: String, actual: String },
    #[error("report {index} of the segment does not decode: {reason}")]
    Report { index: usize, reason: String },
}

/// A report as a segment holds it: its id, signed time and wire bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: [u8; 32],
    pub signed_at_ms: i64,
    pub bytes: Vec<u8>,
}

impl Entry {
    pub fn of(report: &SignedReport, bytes: Vec<u8>) -> Self {
        Self { id: report.report_id().0, signed_at_ms: i64::try_from(report.body.header().timestamp_ms).unwrap_or(i64::MAX), bytes }
    }
}

/// The segment of `entries` (any order, repeats allowed): its bytes and their hash.
pub fn encode(mut entries: Vec<Entry>) -> (Vec<u8>, [u8; 32]) {
    entries.sort_unstable_by_key(|e| (e.signed_at_ms, e.id));
    entries.dedup_by(|a, b| a.id == b.id);
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&u32::try_from(entries.len()).unwrap_or(u32::MAX).to_le_bytes());
    for entry in &entries {
        bytes.extend_from_slice(&u32::try_from(entry.bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
        bytes.extend_from_slice(&entry.bytes);
    }
    let hash = solana_sha256_hasher::hash(&bytes).to_bytes();
    (bytes, hash)
}

/// The wire bytes of every report of a segment, checked against the hash it is named by.
pub fn decode<'a>(bytes: &'a [u8], expected: &[u8; 32]) -> Result<Vec<&'a [u8]>, SegmentError> {
    let actual = solana_sha256_hasher::hash(bytes).to_bytes();
    if actual != *expected {
        return Err(SegmentError::WrongHash { expected: hex::encode(expected), actual: hex::encode(actual) });
    }
    let rest = bytes.strip_prefix(MAGIC).ok_or_else(|| SegmentError::Malformed("no segment header".into()))?;
    let (count, mut rest) = take_u32(rest)?;
    let mut reports = Vec::with_capacity(count.min(1 << 20) as usize);
    for _ in 0..count {
        let (len, after) = take_u32(rest)?;
        let len = len as usize;
        if after.len() < len {
            return Err(SegmentError::Malformed("a report runs past the end".into()));
        }
        reports.push(&after[..len]);
        rest = &after[len..];
    }
    if !rest.is_empty() {
        return Err(SegmentError::Malformed(format!("{} bytes after the last report", rest.len())));
    }
    Ok(reports)
}

/// Decodes a segment's reports.
pub fn reports<B: AsRef<[u8]>>(wire: &[B]) -> Result<Vec<SignedReport>, SegmentError> {
    wire.iter().enumerate().map(|(index, bytes)| SignedReport::from_bytes(bytes.as_ref()).map_err(|e| SegmentError::Report { index, reason: e.to_string() })).collect()
}

fn take_u32(bytes: &[u8]) -> Result<(u32, &[u8]), SegmentError> {
    if bytes.len() < 4 {
        return Err(SegmentError::Malformed("truncated".into()));
    }
    let (head, rest) = bytes.split_at(4);
    Ok((u32::from_le_bytes([head[0], head[1], head[2], head[3]]), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u8, at: i64) -> Entry {
        Entry { id: [id; 32], signed_at_ms: at, bytes: vec![id; 3] }
    }

    #[test]
    fn the_same_reports_in_any_order_make_the_same_segment() {
        let (a, hash_a) = encode(vec![entry(2, 10), entry(1, 20), entry(3, 10)]);
        let (b, hash_b) = encode(vec![entry(1, 20), entry(3, 10), entry(2, 10), entry(1, 20)]);
        assert_eq!((a.clone(), hash_a), (b, hash_b));
        assert_eq!(decode(&a, &hash_a).unwrap(), vec![&[2; 3][..], &[3; 3][..], &[1; 3][..]], "signed time, then id; once each");
    }

    #[test]
    fn a_segment_that_is_not_its_name_or_not_whole_is_refused() {
        let (bytes, _) = encode(vec![entry(1, 1)]);
        assert!(matches!(decode(&bytes, &[0; 32]), Err(SegmentError::WrongHash { .. })));
        let truncated = &bytes[..bytes.len() - 1];
        let truncated_hash = solana_sha256_hasher::hash(truncated).to_bytes();
        assert!(matches!(decode(truncated, &truncated_hash), Err(SegmentError::Malformed(_))));
        let (empty, empty_hash) = encode(vec![]);
        assert_eq!(decode(&empty, &empty_hash).unwrap(), Vec::<&[u8]>::new());
    }
}
