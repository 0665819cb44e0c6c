//! The body of every report kind. Field order is the wire order: borsh writes fields in
//! declaration order, so reordering a field here changes the signed bytes.
use borsh::{BorshDeserialize, BorshSerialize};

use crate::ReportError;

/// Length in bytes of a report nonce.
pub const NONCE_LEN: usize = 16;
/// Most GPS points one mapping segment may carry.
pub const MAX_TRACK_POINTS: usize = 256;
/// Most frame hashes one mapping segment may carry.
pub const MAX_FRAMES: usize = 128;

/// The fields every report starts with: who signed it, when, and a nonce that makes it unique.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub struct ReportHeader {
    /// The device's ed25519 public key; the report's signature must verify under it.
    pub device_key: [u8; 32],
    /// When the device made the report, in Unix milliseconds.
    pub timestamp_ms: u64,
    /// Random bytes from a CSPRNG, so two reports with equal content still differ and a replay
    /// is recognisable.
    pub nonce: [u8; NONCE_LEN],
}

/// Public entropy that did not exist before a known moment: a Solana block's hash and its slot,
/// as the chain has them. A report that carries it cannot have been made before the block, and
/// the oracle checks it against the chain (the block's hash and time at that slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
pub struct Entropy {
    /// The block's slot.
    pub slot: u64,
    /// The block's hash (its `blockhash`) at that slot.
    pub blockhash: [u8; 32],
}

/// A hotspot announcing that it transmitted a beacon. Over the air the hotspot sends this
/// report's [`report_id`](crate::ReportBody::report_id) (the beacon's payload), which witnesses
/// quote back; the id covers the entropy, so neither the beacon nor its witnesses can be made
/// before the entropy's block.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct BeaconReport {
    /// Device, time and nonce.
    pub header: ReportHeader,
    /// A recent block's slot and hash.
    pub entropy: Entropy,
    /// Transmit frequency in hertz.
    pub frequency_hz: u64,
    /// Conducted transmit power in tenths of a dBm (the antenna's gain is the one asserted on
    /// chain).
    pub tx_power_ddbm: i16,
    /// Where the hotspot says it is, as an H3 cell index; checked against its asserted location.
    pub location_h3: u64,
}

/// A hotspot reporting that it heard another hotspot's beacon.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct WitnessReport {
    /// The witnessing device, time of the report and nonce.
    pub header: ReportHeader,
    /// The device key of the hotspot whose beacon was heard.
    pub beaconer: [u8; 32],
    /// The payload received over the air: the beacon's report id.
    pub beacon_payload: [u8; 32],
    /// Received signal strength in tenths of a dBm.
    pub rssi_ddbm: i16,
    /// Signal-to-noise ratio in tenths of a dB.
    pub snr_ddb: i16,
    /// Frequency the beacon was heard on, in hertz.
    pub frequency_hz: u64,
    /// When the beacon was received, in Unix milliseconds.
    pub received_at_ms: u64,
}

/// A hotspot saying it is alive and where it is.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct HeartbeatReport {
    /// Device, time and nonce.
    pub header: ReportHeader,
    /// Where the hotspot is, as an H3 cell index.
    pub location_h3: u64,
    /// Seconds since the device booted.
    pub uptime_s: u64,
    /// The device firmware's version, as its maker numbers it.
    pub firmware_version: u32,
}

/// One GPS fix of a mapping track.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct TrackPoint {
    /// Time of the fix, in Unix milliseconds.
    pub timestamp_ms: u64,
    /// Latitude in degrees times 10^7 (WGS 84).
    pub latitude_e7: i32,
    /// Longitude in degrees times 10^7 (WGS 84).
    pub longitude_e7: i32,
    /// Altitude above the ellipsoid in decimetres.
    pub altitude_dm: i32,
    /// Horizontal accuracy estimate in decimetres.
    pub horizontal_accuracy_dm: u16,
}

/// The content hash of one captured frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct FrameHash {
    /// Capture time, in Unix milliseconds.
    pub timestamp_ms: u64,
    /// SHA-256 of the frame's encoded image bytes.
    pub content_hash: [u8; 32],
}

/// A dashcam's segment of driving: the GPS track and the frames captured along it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct MappingSegmentReport {
    /// Device, time and nonce; the time is when the segment ended.
    pub header: ReportHeader,
    /// A block's slot and hash fetched when the segment started: no point of the track can be
    /// older than the block.
    pub entropy: Entropy,
    /// GPS fixes, at most [`MAX_TRACK_POINTS`].
    pub points: Vec<TrackPoint>,
    /// Captured frames, at most [`MAX_FRAMES`].
    pub frames: Vec<FrameHash>,
}

/// A data-transfer session a hotspot carried, which the oracle turns into DC burns. The router
/// the payer delegated DC to countersigns the session's terms
/// ([`DataTransferReport::session_bytes`]): a hotspot alone cannot charge anyone's DC.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct DataTransferReport {
    /// The hotspot that carried the traffic, time and nonce.
    pub header: ReportHeader,
    /// The payer's delegated DC escrow account the session is charged to.
    pub payer_escrow: [u8; 32],
    /// The router (operator) key the payer delegated to; it signs `router_signature`.
    pub router: [u8; 32],
    /// Bytes sent by the client device.
    pub upload_bytes: u64,
    /// Bytes received by the client device.
    pub download_bytes: u64,
    /// Data credits the session costs.
    pub dc_amount: u64,
    /// Session start, in Unix milliseconds.
    pub started_at_ms: u64,
    /// Session end, in Unix milliseconds.
    pub ended_at_ms: u64,
    /// The router's ed25519 signature over [`session_bytes`](Self::session_bytes).
    pub router_signature: [u8; 64],
}

/// Domain of the bytes a router countersigns.
pub const SESSION_DOMAIN: &[u8] = b"fieldproof:session:v2";

impl DataTransferReport {
    /// What the router signs: `"fieldproof:session:v2" ‖ hotspot key ‖ nonce ‖ payer_escrow ‖
    /// router ‖ upload_bytes ‖ download_bytes ‖ dc_amount ‖ started_at_ms ‖ ended_at_ms`
    /// (integers little-endian). The hotspot's nonce is in it, so one countersignature is good
    /// for one report only.
    pub fn session_bytes(&self) -> Vec<u8> {
        let mut bytes = SESSION_DOMAIN.to_vec();
        bytes.extend_from_slice(&self.header.device_key);
        bytes.extend_from_slice(&self.header.nonce);
        bytes.extend_from_slice(&self.payer_escrow);
        bytes.extend_from_slice(&self.router);
        for n in [self.upload_bytes, self.download_bytes, self.dc_amount, self.started_at_ms, self.ended_at_ms] {
            bytes.extend_from_slice(&n.to_le_bytes());
        }
        bytes
    }
}

/// Which kind a report is. The discriminant is the tag byte of the wire encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ReportKind {
    /// [`BeaconReport`].
    Beacon = 0,
    /// [`WitnessReport`].
    Witness = 1,
    /// [`HeartbeatReport`].
    Heartbeat = 2,
    /// [`MappingSegmentReport`].
    MappingSegment = 3,
    /// [`DataTransferReport`].
    DataTransfer = 4,
}

impl ReportKind {
    /// Every kind, in tag order.
    pub const ALL: [ReportKind; 5] = [
        ReportKind::Beacon,
        ReportKind::Witness,
        ReportKind::Heartbeat,
        ReportKind::MappingSegment,
        ReportKind::DataTransfer,
    ];

    /// The kind's name as it appears in its signing domain.
    pub const fn name(self) -> &'static str {
        match self {
            ReportKind::Beacon => "beacon",
            ReportKind::Witness => "witness",
            ReportKind::Heartbeat => "heartbeat",
            ReportKind::MappingSegment => "mapping_segment",
            ReportKind::DataTransfer => "data_transfer",
        }
    }

    /// The domain separator the signed bytes start with: `fieldproof:report:v2:<name>`.
    /// No kind's domain is a prefix of another's, so signed bytes of one kind can never be read
    /// as another kind's.
    pub const fn domain(self) -> &'static [u8] {
        match self {
            ReportKind::Beacon => b"fieldproof:report:v2:beacon",
            ReportKind::Witness => b"fieldproof:report:v2:witness",
            ReportKind::Heartbeat => b"fieldproof:report:v2:heartbeat",
            ReportKind::MappingSegment => b"fieldproof:report:v2:mapping_segment",
            ReportKind::DataTransfer => b"fieldproof:report:v2:data_transfer",
        }
    }
}

/// The body of a report of any kind: what the device signs (after its kind's domain).
///
/// Borsh encodes it as the kind's tag byte followed by the kind's body.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum ReportBody {
    /// A beacon transmission.
    Beacon(BeaconReport) = 0,
    /// A beacon heard.
    Witness(WitnessReport) = 1,
    /// Liveness and location.
    Heartbeat(HeartbeatReport) = 2,
    /// A mapping track segment.
    MappingSegment(MappingSegmentReport) = 3,
    /// A data-transfer session. Boxed: it is by far the largest kind (two keys and a router's
    /// signature), and an oracle holds millions of bodies at once.
    DataTransfer(Box<DataTransferReport>) = 4,
}

impl ReportBody {
    /// The report's kind.
    pub fn kind(&self) -> ReportKind {
        match self {
            ReportBody::Beacon(_) => ReportKind::Beacon,
            ReportBody::Witness(_) => ReportKind::Witness,
            ReportBody::Heartbeat(_) => ReportKind::Heartbeat,
            ReportBody::MappingSegment(_) => ReportKind::MappingSegment,
            ReportBody::DataTransfer(_) => ReportKind::DataTransfer,
        }
    }

    /// The device key, time and nonce of the report.
    pub fn header(&self) -> &ReportHeader {
        match self {
            ReportBody::Beacon(r) => &r.header,
            ReportBody::Witness(r) => &r.header,
            ReportBody::Heartbeat(r) => &r.header,
            ReportBody::MappingSegment(r) => &r.header,
            ReportBody::DataTransfer(r) => &r.header,
        }
    }

    /// Checks the limits the format puts on the body (list lengths), so an oversize body is
    /// refused before it is signed or after it is decoded.
    pub fn validate(&self) -> Result<(), ReportError> {
        if let ReportBody::MappingSegment(segment) = self {
            if segment.points.len() > MAX_TRACK_POINTS {
                return Err(ReportError::TooManyTrackPoints { count: segment.points.len(), max: MAX_TRACK_POINTS });
            }
            if segment.frames.len() > MAX_FRAMES {
                return Err(ReportError::TooManyFrames { count: segment.frames.len(), max: MAX_FRAMES });
            }
        }
        Ok(())
    }

    /// Writes the kind's body (without the tag byte) in borsh.
    pub(crate) fn write_inner(&self, out: &mut Vec<u8>) {
        // Writing into a Vec only fails on allocation failure, which aborts instead.
        let written = match self {
            ReportBody::Beacon(r) => r.serialize(out),
            ReportBody::Witness(r) => r.serialize(out),
            ReportBody::Heartbeat(r) => r.serialize(out),
            ReportBody::MappingSegment(r) => r.serialize(out),
            ReportBody::DataTransfer(r) => r.serialize(out),
        };
        debug_assert!(written.is_ok());
    }
}

macro_rules! into_body {
    ($report:ident, $variant:ident) => {
        impl From<$report> for ReportBody {
            fn from(report: $report) -> Self {
                ReportBody::$variant(report)
            }
        }
    };
}

into_body!(BeaconReport, Beacon);
into_body!(WitnessReport, Witness);
into_body!(HeartbeatReport, Heartbeat);
into_body!(MappingSegmentReport, MappingSegment);

impl From<DataTransferReport> for ReportBody {
    fn from(report: DataTransferReport) -> Self {
        ReportBody::DataTransfer(Box::new(report))
    }
}
