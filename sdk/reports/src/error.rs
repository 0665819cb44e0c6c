//! Why a report was refused.

/// Every way a report can fail to encode, decode, sign or verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The encoded report is longer than [`MAX_REPORT_BYTES`](crate::MAX_REPORT_BYTES).
    #[error("report is {len} bytes, more than the {max}-byte limit")]
    Oversize {
        /// Length of the input.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not a borsh-encoded signed report (unknown kind tag, truncated, trailing
    /// bytes).
    #[error("malformed report encoding: {0}")]
    Malformed(String),
    /// A mapping segment carries more GPS points than the format allows.
    #[error("mapping segment has {count} track points, more than {max}")]
    TooManyTrackPoints {
        /// Points in the segment.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A mapping segment carries more frame hashes than the format allows.
    #[error("mapping segment has {count} frames, more than {max}")]
    TooManyFrames {
        /// Frames in the segment.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The signing key is not the device key the report names.
    #[error("the signing key is not the report's device key")]
    DeviceKeyMismatch,
    /// The report's device key is not a valid ed25519 public key.
    #[error("the device key is not a valid ed25519 public key")]
    InvalidDeviceKey,
    /// The signature does not verify under the device key.
    #[error("the signature does not verify under the device key")]
    BadSignature,
    /// A data-transfer session's router signature does not verify under its router key (or the
    /// router key is not an ed25519 public key).
    #[error("the session is not countersigned by its router")]
    BadCountersignature,
    /// A report id in hex was not 64 hex digits.
    #[error("a report id is 64 hex digits")]
    InvalidReportId,
}
