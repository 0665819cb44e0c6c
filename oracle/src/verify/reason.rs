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
}
