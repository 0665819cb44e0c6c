//! Many signed reports in one request body (`POST /v1/reports/batch`): the borsh encoding of a
//! list of byte strings, each one report's wire encoding.
//!
//! ```text
//! batch = u32 n ‖ n × (u32 len ‖ wire [len])
//! ```
//!
//! `n` is at most [`MAX_BATCH_REPORTS`] and the whole body at most [`MAX_BATCH_BYTES`] (an oracle
//! may be configured lower), with nothing after the last report.
use crate::{SignedReport, MAX_REPORT_BYTES};

/// Most reports in one batch.
pub const MAX_BATCH_REPORTS: usize = 1_000;

/// Largest batch body in bytes.
pub const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Why a batch body is refused as a whole (a report inside that does not decode is refused on
/// its own; see [`SignedReport::from_bytes`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// More reports than allowed.
    #[error("the batch holds {count} reports, more than {max}")]
    TooManyReports {
        /// Reports the batch says it holds.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The body is not a list of byte strings: truncated, a report longer than
    /// [`MAX_REPORT_BYTES`], or bytes after the last report.
    #[error("malformed batch encoding: {0}")]
    Malformed(String),
}

/// The batch body of `reports`, in order.
pub fn encode_batch(reports: &[SignedReport]) -> Vec<u8> {
    let wires: Vec<Vec<u8>> = reports.iter().map(SignedReport::to_bytes).collect();
    let mut bytes = Vec::with_capacity(4 + wires.iter().map(|w| 4 + w.len()).sum::<usize>());
    // A count or length beyond u32 cannot be sent: the oracle refuses far smaller batches.
    bytes.extend_from_slice(&u32::try_from(wires.len()).unwrap_or(u32::MAX).to_le_bytes());
    for wire in &wires {
        bytes.extend_from_slice(&u32::try_from(wire.len()).unwrap_or(u32::MAX).to_le_bytes());
        bytes.extend_from_slice(wire);
    }
    bytes
}

/// Each report's wire bytes in a batch body of at most `max_reports` reports, without copying.
/// The count is checked before anything else is read.
pub fn decode_batch(body: &[u8], max_reports: usize) -> Result<Vec<&[u8]>, BatchError> {
    let mut rest = body;
    let count = read_u32(&mut rest).ok_or_else(|| BatchError::Malformed("no report count".into()))?;
    if count > max_reports {
        return Err(BatchError::TooManyReports { count, max: max_reports });
    }
    let mut wires = Vec::with_capacity(count);
    for i in 0..count {
        let len = read_u32(&mut rest).ok_or_else(|| BatchError::Malformed(format!("report {i}: no length")))?;
        if len > MAX_REPORT_BYTES {
            return Err(BatchError::Malformed(format!("report {i} is {len} bytes, more than the {MAX_REPORT_BYTES}-byte limit")));
        }
        if rest.len() < len {
            return Err(BatchError::Malformed(format!("report {i}: {len} bytes announced, {} left", rest.len())));
        }
        let (wire, after) = rest.split_at(len);
        wires.push(wire);
        rest = after;
    }
    if !rest.is_empty() {
        return Err(BatchError::Malformed(format!("{} bytes after the last report", rest.len())));
    }
    Ok(wires)
}

fn read_u32(rest: &mut &[u8]) -> Option<usize> {
    let (head, after) = rest.split_first_chunk::<4>()?;
    *rest = after;
    usize::try_from(u32::from_le_bytes(*head)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{HeartbeatReport, ReportBody, ReportHeader};
    use ed25519_dalek::SigningKey;

    fn heartbeat(nonce: u8) -> SignedReport {
        let device = SigningKey::from_bytes(&[7; 32]);
        let header = ReportHeader { device_key: device.verifying_key().to_bytes(), timestamp_ms: 1_767_225_600_000, nonce: [nonce; 16] };
        ReportBody::from(HeartbeatReport { header, location_h3: 0x8a2a1072b59ffff, uptime_s: 1, firmware_version: 1 }).sign(&device).unwrap()
    }

    #[test]
    fn a_batch_is_the_borsh_list_of_its_reports_wire_bytes() {
        let reports = [heartbeat(1), heartbeat(2)];
        let body = encode_batch(&reports);
        let wires: Vec<Vec<u8>> = reports.iter().map(SignedReport::to_bytes).collect();
        assert_eq!(body, borsh::to_vec(&wires).unwrap(), "one source of truth: borsh's Vec<Vec<u8>>");
        let decoded = decode_batch(&body, 2).unwrap();
        assert_eq!(decoded.iter().map(|w| SignedReport::from_bytes(w).unwrap()).collect::<Vec<_>>(), reports.to_vec());
        assert_eq!(decode_batch(&encode_batch(&[]), 0).unwrap().len(), 0);
    }

    #[test]
    fn a_malformed_or_oversize_batch_is_refused_whole() {
        let body = encode_batch(&[heartbeat(1), heartbeat(2)]);
        assert_eq!(decode_batch(&body, 1), Err(BatchError::TooManyReports { count: 2, max: 1 }));
        assert!(matches!(decode_batch(&body[..body.len() - 1], 2), Err(BatchError::Malformed(_))));
        assert!(matches!(decode_batch(&[body.as_slice(), &[0]].concat(), 2), Err(BatchError::Malformed(_))));
        assert!(matches!(decode_batch(&[1, 0], 2), Err(BatchError::Malformed(_))));
        // A count that would allocate wildly is refused before anything is read.
        assert_eq!(decode_batch(&u32::MAX.to_le_bytes(), 1_000), Err(BatchError::TooManyReports { count: u32::MAX as usize, max: 1_000 }));
        let huge = [1u32.to_le_bytes(), u32::try_from(MAX_REPORT_BYTES + 1).unwrap().to_le_bytes()].concat();
        assert!(matches!(decode_batch(&huge, 1), Err(BatchError::Malformed(_))));
    }
}
