//! The report id: the hash the oracle deduplicates on and witnesses quote.
use std::fmt;
use std::str::FromStr;

use borsh::{BorshDeserialize, BorshSerialize};

use crate::ReportError;

/// SHA-256 of a report's signing bytes. The signature is left out on purpose: the same body
/// always has the same id, whatever signature bytes accompany it, so a re-signed or
/// malleated copy is still a duplicate.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, BorshSerialize, BorshDeserialize)]
pub struct ReportId(pub [u8; 32]);

impl ReportId {
    /// The id as 64 lowercase hex digits (the oracle API's form).
    pub fn to_hex(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReportId({self})")
    }
}

impl FromStr for ReportId {
    type Err = ReportError;

    /// Parses 64 hex digits, either case.
    fn from_str(hex: &str) -> Result<Self, ReportError> {
        let digits = hex.as_bytes();
        if digits.len() != 64 {
            return Err(ReportError::InvalidReportId);
        }
        let mut id = [0u8; 32];
        for (byte, pair) in id.iter_mut().zip(digits.chunks_exact(2)) {
            let high = hex_value(pair[0]).ok_or(ReportError::InvalidReportId)?;
            let low = hex_value(pair[1]).ok_or(ReportError::InvalidReportId)?;
            *byte = high << 4 | low;
        }
        Ok(ReportId(id))
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}
