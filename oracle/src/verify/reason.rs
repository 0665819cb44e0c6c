//! Why the verifier did not reward a report. The code is what owners see in the API and the app.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    BadSignature,
    Undecodable,
    UnknownDevice,
    InactiveDevice,
    Denylisted,
    WrongDeviceKind,
    BeaconTooFrequent,
    InvalidLocation,
    UnknownBeacon,
    SelfWitness,
    DuplicateWitness,
    WitnessLocationUnknown,
    WitnessTooClose,
    WitnessTooFar,
    RssiAboveFreeSpace,
    WitnessLag,
    FrequencyMismatch,
    EmptySegment,
    NonMonotonicTime,
    ImpossibleSpeed,
    PositionJump,
    DuplicateFrame,
    InvalidSession,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::BadSignature => "bad_signature",
            Reason::Undecodable => "undecodable",
            Reason::UnknownDevice => "unknown_device",
            Reason::InactiveDevice => "inactive_device",
            Reason::Denylisted => "denylisted",
            Reason::WrongDeviceKind => "wrong_device_kind",
            Reason::BeaconTooFrequent => "beacon_too_frequent",
            Reason::InvalidLocation => "invalid_location",
            Reason::UnknownBeacon => "unknown_beacon",
            Reason::SelfWitness => "self_witness",
            Reason::DuplicateWitness => "duplicate_witness",
            Reason::WitnessLocationUnknown => "witness_location_unknown",
            Reason::WitnessTooClose => "witness_too_close",
            Reason::WitnessTooFar => "witness_too_far",
            Reason::RssiAboveFreeSpace => "rssi_above_free_space",
            Reason::WitnessLag => "witness_lag",
            Reason::FrequencyMismatch => "frequency_mismatch",
            Reason::EmptySegment => "empty_segment",
            Reason::NonMonotonicTime => "non_monotonic_time",
            Reason::ImpossibleSpeed => "impossible_speed",
            Reason::PositionJump => "position_jump",
            Reason::DuplicateFrame => "duplicate_frame",
            Reason::InvalidSession => "invalid_session",
        }
    }

    /// What the code means, in plain words for an owner (the wallet app shows it beside each
    /// refused report).
    pub fn explanation(self) -> &'static str {
        match self {
            Reason::BadSignature => "The report's signature does not match the device's key.",
            Reason::Undecodable => "The report could not be read.",
            Reason::UnknownDevice => "The device was not registered on the network when it reported.",
            Reason::InactiveDevice => "The device was deactivated by the network when it reported.",
            Reason::Denylisted => "The device is on the network's denylist.",
            Reason::WrongDeviceKind => "This kind of report does not come from this kind of device (a hotspot sent a dashcam's report or the reverse).",
            Reason::BeaconTooFrequent => "The hotspot sent beacons more often than the network allows.",
            Reason::InvalidLocation => "The hotspot has no valid asserted location.",
            Reason::UnknownBeacon => "The hotspot said it heard a beacon that no hotspot sent.",
            Reason::SelfWitness => "The hotspot said it heard its own beacon.",
            Reason::DuplicateWitness => "The hotspot reported hearing the same beacon more than once.",
            Reason::WitnessLocationUnknown => "The hotspot heard a beacon, but its own location is unknown.",
            Reason::WitnessTooClose => "The hotspot stands too close to the beacon's sender for the witness to prove coverage.",
            Reason::WitnessTooFar => "The hotspot stands farther from the beacon's sender than radio can reach.",
            Reason::RssiAboveFreeSpace => "The signal was stronger than physics allows at that distance: the location is likely spoofed.",
            Reason::WitnessLag => "The hotspot reported hearing the beacon too long after it was sent.",
            Reason::FrequencyMismatch => "The hotspot heard the beacon on a frequency it was not sent on.",
            Reason::EmptySegment => "The dashcam's segment has no track points.",
            Reason::NonMonotonicTime => "The dashcam's track points go back in time.",
            Reason::ImpossibleSpeed => "The dashcam moved faster than a vehicle can.",
            Reason::PositionJump => "The dashcam's position jumped farther than a vehicle can move between two points.",
            Reason::DuplicateFrame => "The dashcam sent a frame that was already submitted.",
            Reason::InvalidSession => "The data-transfer session is not valid.",
        }
    }

    /// The reason whose code is `code`, as stored with a verdict.
    pub fn from_code(code: &str) -> Option<Reason> {
        Self::ALL.iter().copied().find(|r| r.code() == code)
    }

    const ALL: [Reason; 23] = [
        Reason::BadSignature,
        Reason::Undecodable,
        Reason::UnknownDevice,
        Reason::InactiveDevice,
        Reason::Denylisted,
        Reason::WrongDeviceKind,
        Reason::BeaconTooFrequent,
        Reason::InvalidLocation,
        Reason::UnknownBeacon,
        Reason::SelfWitness,
        Reason::DuplicateWitness,
        Reason::WitnessLocationUnknown,
        Reason::WitnessTooClose,
        Reason::WitnessTooFar,
        Reason::RssiAboveFreeSpace,
        Reason::WitnessLag,
        Reason::FrequencyMismatch,
        Reason::EmptySegment,
        Reason::NonMonotonicTime,
        Reason::ImpossibleSpeed,
        Reason::PositionJump,
        Reason::DuplicateFrame,
        Reason::InvalidSession,
    ];
}

#[cfg(test)]
mod tests {
    use super::Reason;

    #[test]
    fn every_code_reads_back_and_is_explained() {
        for reason in Reason::ALL {
            assert_eq!(Reason::from_code(reason.code()), Some(reason));
            assert!(reason.explanation().ends_with('.'), "{reason:?}");
        }
        assert_eq!(Reason::from_code("no_such_reason"), None);
    }
}
