//! Physical plausibility of a witness relative to the beacon it claims to have heard.
use fieldproof_reports::{BeaconReport, WitnessReport};

use super::config::VerificationConfig;
use super::physics::{cell_center, max_rssi_ddbm};
use super::reason::Reason;

/// Where and how the witnessing hotspot is installed, from the device registry.
#[derive(Clone, Copy, Debug)]
pub struct WitnessSite {
    pub location_h3: Option<u64>,
    pub gain_ddbi: i16,
}

/// Checks one witness of `beacon` (already known to exist and to be by another device).
pub fn check_witness(beacon: &BeaconReport, witness: &WitnessReport, site: WitnessSite, config: &VerificationConfig) -> Result<(), Reason> {
    if witness.frequency_hz != beacon.frequency_hz {
        return Err(Reason::FrequencyMismatch);
    }
    let lag = witness.received_at_ms.checked_sub(beacon.header.timestamp_ms).ok_or(Reason::WitnessLag)?;
    if lag > config.max_witness_lag_ms {
        return Err(Reason::WitnessLag);
    }
    let beacon_at = cell_center(beacon.location_h3).ok_or(Reason::InvalidLocation)?;
    let witness_at = site.location_h3.and_then(cell_center).ok_or(Reason::WitnessLocationUnknown)?;
    let distance_m = beacon_at.distance_m(witness_at);
    if distance_m < f64::from(config.min_witness_distance_m) {
        return Err(Reason::WitnessTooClose);
    }
    if distance_m > f64::from(config.max_witness_distance_m) {
        return Err(Reason::WitnessTooFar);
    }
    let ceiling = max_rssi_ddbm(beacon.tx_power_ddbm, beacon.antenna_gain_ddbi, site.gain_ddbi, distance_m, beacon.frequency_hz);
    if i32::from(witness.rssi_ddbm) > ceiling.saturating_add(config.rssi_margin_ddb) {
        return Err(Reason::RssiAboveFreeSpace);
    }
    Ok(())
}
