//! Every threshold of verification, in one place, with its default and why.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct VerificationConfig {
    /// A witness closer than this to the beacon proves nothing about coverage (co-located
    /// hotspots witnessing each other is the classic farming setup).
    pub min_witness_distance_m: u32,
    /// LoRa-class radios do not reach beyond this; a witness farther away is a lie.
    pub max_witness_distance_m: u32,
    /// How far, in tenths of a dB, a witness RSSI may exceed the free-space prediction
    /// (measurement noise and antenna tolerances). Above it, the signal was stronger than physics
    /// allows at that distance: the locations are wrong.
    pub rssi_margin_ddb: i32,
    /// A witness must have received the beacon within this time after the beacon's timestamp.
    pub max_witness_lag_ms: u64,
    /// A hotspot beacons at most once per this interval.
    pub min_beacon_interval_secs: u64,
    /// Top speed of a mapping vehicle between two GPS fixes.
    pub max_speed_mps: u32,
    /// Largest distance between two consecutive GPS fixes, whatever the time between them.
    pub max_jump_m: u32,
    /// Reports are verified only once this old, so a witness can never be judged before the
    /// beacon it heard had a chance to arrive.
    pub settle_secs: u64,
    /// Reports verified per transaction.
    pub batch_size: usize,
}

impl Default for VerificationConfig {
    fn default() -> Self {
        Self {
            min_witness_distance_m: 300,
            max_witness_distance_m: 100_000,
            rssi_margin_ddb: 50,
            max_witness_lag_ms: 10_000,
            min_beacon_interval_secs: 300,
            max_speed_mps: 70,
            max_jump_m: 2_000,
            settle_secs: 60,
            batch_size: 4_096,
        }
    }
}
