//! Physical plausibility of a dashcam's track: time moves forward, and the vehicle neither drives
//! faster than a car can nor teleports between fixes.
use fieldproof_reports::MappingSegmentReport;

use super::config::VerificationConfig;
use super::physics::gps_fix;
use super::reason::Reason;

pub fn check_track(segment: &MappingSegmentReport, config: &VerificationConfig) -> Result<(), Reason> {
    if segment.points.is_empty() {
        return Err(Reason::EmptySegment);
    }
    let mut previous = None;
    for point in &segment.points {
        let here = gps_fix(point.latitude_e7, point.longitude_e7).ok_or(Reason::InvalidLocation)?;
        if let Some((at_ms, there)) = previous {
            if point.timestamp_ms <= at_ms {
                return Err(Reason::NonMonotonicTime);
            }
            let distance_m = here.distance_m(there);
            if distance_m > f64::from(config.max_jump_m) {
                return Err(Reason::PositionJump);
            }
            let secs = (point.timestamp_ms - at_ms) as f64 / 1_000.0;
            if distance_m / secs > f64::from(config.max_speed_mps) {
                return Err(Reason::ImpossibleSpeed);
            }
        }
        previous = Some((point.timestamp_ms, here));
    }
    Ok(())
}
