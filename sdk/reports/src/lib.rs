//! The signed reports Fieldproof devices send to the oracle: their formats, the exact bytes a
//! device signs, verification, the wire encoding and the report id.
//!
//! This crate depends only on borsh, ed25519-dalek and sha2 so that hardware makers and the
//! oracle can use it cheaply. Everything below is specified byte for byte so that a device
//! written in another language produces the same bytes; the test vectors in
//! `tests/vectors.rs` pin them down.
//!
//! # Signing
//!
//! A device signs, with its ed25519 key (RFC 8032, pure Ed25519):
//!
//! ```text
//! signing_bytes = domain(kind) ‖ body(kind)
//! domain(kind)  = ASCII "fieldproof:report:v2:" ‖ kind name
//! ```
//!
//! | tag | kind name         | body                        |
//! |-----|-------------------|-----------------------------|
//! | 0   | `beacon`          | [`BeaconReport`], 114 bytes |
//! | 1   | `witness`         | [`WitnessReport`], 140 bytes |
//! | 2   | `heartbeat`       | [`HeartbeatReport`], 76 bytes |
//! | 3   | `mapping_segment` | [`MappingSegmentReport`], 104 + 22·points + 40·frames bytes |
//! | 4   | `data_transfer`   | [`DataTransferReport`], 224 bytes |
//!
//! No domain is a prefix of another, so bytes signed for one kind never read as another kind.
//!
//! # Bodies (borsh)
//!
//! Integers are little-endian, fixed-size byte arrays are written as they are, a list is a
//! `u32` little-endian count followed by its elements. Fields follow in this order:
//!
//! ```text
//! header (56)       = device_key [32] ‖ timestamp_ms u64 ‖ nonce [16]
//! entropy (40)      = slot u64 ‖ blockhash [32]
//! beacon            = header ‖ entropy ‖ frequency_hz u64 ‖ tx_power_ddbm i16 ‖ location_h3 u64
//! witness           = header ‖ beaconer [32] ‖ beacon_payload [32] ‖ rssi_ddbm i16 ‖ snr_ddb i16
//!                     ‖ frequency_hz u64 ‖ received_at_ms u64
//! heartbeat         = header ‖ location_h3 u64 ‖ uptime_s u64 ‖ firmware_version u32
//! mapping_segment   = header ‖ entropy ‖ u32 n ‖ n × track_point ‖ u32 m ‖ m × frame
//!   track_point(22) = timestamp_ms u64 ‖ latitude_e7 i32 ‖ longitude_e7 i32 ‖ altitude_dm i32
//!                     ‖ horizontal_accuracy_dm u16
//!   frame (40)      = timestamp_ms u64 ‖ content_hash [32]
//! data_transfer     = header ‖ payer_escrow [32] ‖ router [32] ‖ upload_bytes u64
//!                     ‖ download_bytes u64 ‖ dc_amount u64 ‖ started_at_ms u64 ‖ ended_at_ms u64
//!                     ‖ router_signature [64]
//! ```
//!
//! `device_key` is the 32-byte ed25519 public key; `nonce` is 16 bytes from a CSPRNG;
//! `entropy` is a recent Solana block's slot and hash (the oracle serves one at `GET
//! /v1/entropy`); a witness's `beaconer` is the device key of the hotspot heard and its
//! `beacon_payload` what that hotspot transmitted: its beacon's [`ReportId`]. A data-transfer
//! session's `router_signature` is the router's ed25519 signature over
//! [`DataTransferReport::session_bytes`]. A mapping segment carries at most
//! [`MAX_TRACK_POINTS`] points and [`MAX_FRAMES`] frames.
//!
//! # Wire encoding
//!
//! `POST`ed to the oracle as `application/octet-stream`, the borsh encoding of
//! [`SignedReport`]:
//!
//! ```text
//! wire = tag u8 ‖ body(kind) ‖ signature [64]
//! ```
//!
//! at most [`MAX_REPORT_BYTES`] bytes, with nothing after the signature. Many reports go in one
//! request as a batch ([`encode_batch`]: `u32 n ‖ n × (u32 len ‖ wire)`, at most
//! [`MAX_BATCH_REPORTS`] reports and [`MAX_BATCH_BYTES`] bytes).
//!
//! # Report id
//!
//! `report_id = SHA-256(signing_bytes)`: the signature is not part of it, so the same
//! report always has the same id (see [`ReportId`]).
//!
//! # Example
//!
//! ```
//! use ed25519_dalek::SigningKey;
//! use fieldproof_reports::{HeartbeatReport, ReportBody, ReportHeader, SignedReport};
//!
//! let device = SigningKey::from_bytes(&[7; 32]);
//! let header = ReportHeader {
//!     device_key: device.verifying_key().to_bytes(),
//!     timestamp_ms: 1_767_225_600_000,
//!     nonce: [0x42; 16], // a device draws this from its CSPRNG
//! };
//! let heartbeat = HeartbeatReport { header, location_h3: 0x8a2a1072b59ffff, uptime_s: 3600, firmware_version: 7 };
//! let signed = ReportBody::from(heartbeat).sign(&device)?;
//!
//! let wire = signed.to_bytes();
//! let received = SignedReport::from_bytes(&wire)?;
//! received.verify()?;
//! assert_eq!(received.report_id(), signed.report_id());
//! # Ok::<(), fieldproof_reports::ReportError>(())
//! ```
#![deny(missing_docs)]

mod batch;
mod error;
mod id;
mod kinds;
mod signed;

pub use batch::{decode_batch, encode_batch, BatchError, MAX_BATCH_BYTES, MAX_BATCH_REPORTS};
pub use ed25519_dalek;
pub use error::ReportError;
pub use id::ReportId;
pub use kinds::{
    BeaconReport, DataTransferReport, Entropy, FrameHash, HeartbeatReport, MappingSegmentReport, ReportBody, ReportHeader,
    ReportKind, TrackPoint, WitnessReport, MAX_FRAMES, MAX_TRACK_POINTS, NONCE_LEN, SESSION_DOMAIN,
};
pub use signed::{SignedReport, MAX_REPORT_BYTES};
