//! Why the verifier did not reward a report. The code is what owners see in the API and the app.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    ReplayedNonce,
    UnknownDevice,
    InactiveDevice,
    Denylisted,
    WrongDeviceKind,
    UnknownEntropy,
    StaleEntropy,
    InvalidLocation,
    LocationMismatch,
    OutOfRegionPlan,
    BeaconTooFrequent,
    UnknownBeacon,
    WitnessPayloadMismatch,
    InvalidBeacon,
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
    StaleTrack,
    FrameOutsideSegment,
    SparseFrames,
    SegmentOverlap,
    TrackDiscontinuity,
    DuplicateFrame,
    InvalidSession,
    SessionNotCountersigned,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::ReplayedNonce => "replayed_nonce",
            Reason::UnknownDevice => "unknown_device",
            Reason::InactiveDevice => "inactive_device",
            Reason::Denylisted => "denylisted",
            Reason::WrongDeviceKind => "wrong_device_kind",
            Reason::UnknownEntropy => "unknown_entropy",
            Reason::StaleEntropy => "stale_entropy",
            Reason::InvalidLocation => "invalid_location",
            Reason::LocationMismatch => "location_mismatch",
            Reason::OutOfRegionPlan => "out_of_region_plan",
            Reason::BeaconTooFrequent => "beacon_too_frequent",
            Reason::UnknownBeacon => "unknown_beacon",
            Reason::WitnessPayloadMismatch => "witness_payload_mismatch",
            Reason::InvalidBeacon => "invalid_beacon",
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
            Reason::StaleTrack => "stale_track",
            Reason::FrameOutsideSegment => "frame_outside_segment",
            Reason::SparseFrames => "sparse_frames",
            Reason::SegmentOverlap => "segment_overlap",
            Reason::TrackDiscontinuity => "track_discontinuity",
            Reason::DuplicateFrame => "duplicate_frame",
            Reason::InvalidSession => "invalid_session",
            Reason::SessionNotCountersigned => "session_not_countersigned",
        }
    }

    /// What the code means, in plain words for an owner (the wallet app shows it beside each
    /// refused report).
    pub fn explanation(self) -> &'static str {
        match self {
            Reason::ReplayedNonce => "The device sent two different reports with the same nonce (to different oracles): only the first by report id counts.",
            Reason::UnknownDevice => "The device was not registered on the network when it reported.",
            Reason::InactiveDevice => "The device was deactivated by the network when it reported.",
            Reason::Denylisted => "The device is on the network's denylist.",
            Reason::WrongDeviceKind => "This kind of report does not come from this kind of device (a hotspot sent a dashcam's report or the reverse).",
            Reason::UnknownEntropy => "The report names a block hash the chain does not have at that slot: it was not made with real, recent entropy.",
            Reason::StaleEntropy => "The report was made too long after (or before) the block whose hash it carries.",
            Reason::InvalidLocation => "The hotspot has no valid asserted location, or reported a location that is not a valid cell.",
            Reason::LocationMismatch => "The location the device reported is too far from the location asserted for it on chain.",
            Reason::OutOfRegionPlan => "The radio used a frequency or a power its region's plan does not allow, or stands where no region plan applies.",
            Reason::BeaconTooFrequent => "The hotspot sent beacons more often than the network allows.",
            Reason::UnknownBeacon => "The hotspot said it heard a beacon from a hotspot that sent none.",
            Reason::WitnessPayloadMismatch => "The hotspot said it heard a beacon, but the payload it reports is not what that hotspot transmitted.",
            Reason::InvalidBeacon => "The hotspot heard a beacon that was itself refused.",
            Reason::SelfWitness => "The hotspot said it heard its own beacon.",
            Reason::DuplicateWitness => "The hotspot reported hearing the same beacon more than once.",
            Reason::WitnessLocationUnknown => "The hotspot heard a beacon, but its own location is not asserted.",
            Reason::WitnessTooClose => "The hotspot stands too close to the beacon's sender for the witness to prove coverage.",
            Reason::WitnessTooFar => "The hotspot stands farther from the beacon's sender than radio can reach.",
            Reason::RssiAboveFreeSpace => "The signal was stronger than physics allows at that distance: a location is likely spoofed.",
            Reason::WitnessLag => "The hotspot reported hearing the beacon too long after it was sent (or before).",
            Reason::FrequencyMismatch => "The hotspot heard the beacon on a frequency it was not sent on.",
            Reason::EmptySegment => "The dashcam's segment has no track points.",
            Reason::NonMonotonicTime => "The dashcam's track points go back in time.",
            Reason::ImpossibleSpeed => "The dashcam moved faster than a vehicle can.",
            Reason::PositionJump => "The dashcam's position jumped farther than a vehicle can move between two points.",
            Reason::StaleTrack => "The dashcam's track is older than the block its segment names, or longer than a segment may be.",
            Reason::FrameOutsideSegment => "A frame of the segment was captured outside the segment's time.",
            Reason::SparseFrames => "The segment has too few frames for the distance it covers.",
            Reason::SegmentOverlap => "The dashcam sent two segments that overlap in time: a vehicle is in one place at a time.",
            Reason::TrackDiscontinuity => "The segment starts farther from where the dashcam's previous segment ended than a vehicle can drive in between.",
            Reason::DuplicateFrame => "The dashcam sent a frame that was already submitted.",
            Reason::InvalidSession => "The data-transfer session is not valid (it ends before it starts, or costs nothing).",
            Reason::SessionNotCountersigned => "The data-transfer session is not signed by the router of the escrow it is charged to.",
        }
    }

    /// The reason whose code is `code`, as stored with a verdict.
    pub fn from_code(code: &str) -> Option<Reason> {
        Self::ALL.iter().copied().find(|r| r.code() == code)
    }

    pub const ALL: [Reason; 34] = [
        Reason::ReplayedNonce,
        Reason::UnknownDevice,
        Reason::InactiveDevice,
        Reason::Denylisted,
        Reason::WrongDeviceKind,
        Reason::UnknownEntropy,
        Reason::StaleEntropy,
        Reason::InvalidLocation,
        Reason::LocationMismatch,
        Reason::OutOfRegionPlan,
        Reason::BeaconTooFrequent,
        Reason::UnknownBeacon,
        Reason::WitnessPayloadMismatch,
        Reason::InvalidBeacon,
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
        Reason::StaleTrack,
        Reason::FrameOutsideSegment,
        Reason::SparseFrames,
        Reason::SegmentOverlap,
        Reason::TrackDiscontinuity,
        Reason::DuplicateFrame,
        Reason::InvalidSession,
        Reason::SessionNotCountersigned,
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

    #[test]
    fn the_readme_lists_every_reason() {
        let readme = include_str!("../../../README.md");
        let section = readme.split("### Verification").nth(1).and_then(|s| s.split("\n### ").next()).expect("README has the verification section");
        for reason in Reason::ALL {
            assert!(section.contains(&format!("`{}`", reason.code())), "the README's verification section does not list {}", reason.code());
        }
    }
}
