//! This machine's clock, for what only this oracle's own bookkeeping reads (when a report was
//! received, when a bucket is due for sealing): never an input of a verdict.
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, by this machine's clock.
pub fn unix_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
