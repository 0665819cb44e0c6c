//! Every threshold of verification, in one place, with its default and why. The README's
//! verification section lists them with their sources; a test holds the two together.
use serde::{Deserialize, Serialize};

use super::region::Region;

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct VerificationConfig {
    /// A witness closer than this to the beacon proves nothing about coverage (co-located
    /// hotspots witnessing each other is the classic farming setup).
    pub min_witness_distance_m: u32,
    /// LoRa-class radios do not reach beyond this; a witness farther away is a lie.
    pub max_witness_distance_m: u32,
    /// How far, in tenths of a dB, a witness RSSI may exceed the free-space prediction from the
    /// region plan's maximum EIRP (measurement noise, antenna tolerances). Above it, the signal
    /// was stronger than physics allows at that distance: the locations are wrong.
    pub rssi_margin_ddb: i32,
    /// A witness must have received the beacon within this time after the beacon's timestamp,
    /// and report it within this time after receiving it.
    pub max_witness_lag_ms: u64,
    /// A hotspot earns for at most one beacon per interval; intervals are counted on the chain's
    /// clock (the beacon's entropy block time), not the device's.
    pub min_beacon_interval_secs: u64,
    /// A report is made at most this long after the block whose hash it carries: devices fetch
    /// fresh entropy (`GET /v1/entropy`) every 30 s, and a minute or two covers a slow network.
    pub max_entropy_age_secs: u64,
    /// How far a device's clock may run ahead of the entropy's block time, or a track point lie
    /// before it: block times are whole seconds and a validator's estimate.
    pub clock_tolerance_ms: u64,
    /// A beacon's or heartbeat's own location (the cell it reports) may be this far from the
    /// location asserted on chain (GPS error, a cell's size); beyond it the report is refused.
    pub max_location_mismatch_m: u32,
    /// Top speed of a mapping vehicle between two GPS fixes, and between two segments.
    pub max_speed_mps: u32,
    /// Largest distance between two consecutive GPS fixes, whatever the time between them.
    pub max_jump_m: u32,
    /// Longest time a mapping segment may span, from its entropy's block to its last point.
    pub max_segment_secs: u64,
    /// A segment earns only with at least one frame per this many metres of its track.
    pub max_frame_spacing_m: u32,
    /// How far back a dashcam's own earlier segments are read to check that its track is one
    /// drivable line (no overlap in time, no jump between segments). At the top speed this
    /// covers 1,500 km: a segment farther from its predecessor than any car drives in that time
    /// is beyond any lookback.
    pub track_lookback_secs: u64,
    /// The region plans: which channels and how much power the radios of each region may use.
    pub regions: Vec<Region>,
}

impl Default for VerificationConfig {
    fn default() -> Self {
        Self {
            min_witness_distance_m: 300,
            max_witness_distance_m: 100_000,
            rssi_margin_ddb: 50,
            max_witness_lag_ms: 10_000,
            min_beacon_interval_secs: 300,
            max_entropy_age_secs: 120,
            clock_tolerance_ms: 10_000,
            max_location_mismatch_m: 500,
            max_speed_mps: 70,
            max_jump_m: 2_000,
            max_segment_secs: 600,
            max_frame_spacing_m: 200,
            track_lookback_secs: 6 * 3_600,
            regions: vec![Region::us915(), Region::eu868()],
        }
    }
}

impl VerificationConfig {
    /// Refuses a configuration the rules cannot run with, naming the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.min_witness_distance_m >= self.max_witness_distance_m {
            return Err("verification.min_witness_distance_m must be below max_witness_distance_m".into());
        }
        if self.min_beacon_interval_secs == 0 {
            return Err("verification.min_beacon_interval_secs must be at least 1".into());
        }
        if self.max_frame_spacing_m == 0 || self.max_speed_mps == 0 {
            return Err("verification.max_frame_spacing_m and max_speed_mps must be at least 1".into());
        }
        for region in &self.regions {
            region.validate()?;
        }
        Ok(())
    }

    pub(crate) fn ms(secs: u64) -> i64 {
        i64::try_from(secs.saturating_mul(1_000)).unwrap_or(i64::MAX)
    }

    pub fn max_entropy_age_ms(&self) -> i64 {
        Self::ms(self.max_entropy_age_secs)
    }

    pub fn clock_tolerance_ms(&self) -> i64 {
        i64::try_from(self.clock_tolerance_ms).unwrap_or(i64::MAX)
    }

    pub fn witness_lag_ms(&self) -> i64 {
        i64::try_from(self.max_witness_lag_ms).unwrap_or(i64::MAX)
    }

    /// How long after its beacon a witness may be signed: received within the lag, reported
    /// within the lag after that.
    pub fn witness_reach_ms(&self) -> i64 {
        self.witness_lag_ms().saturating_mul(2)
    }
}
