//! Signing, verifying, encoding and decoding of reports.
use borsh::{BorshDeserialize, BorshSerialize};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::{DataTransferReport, ReportBody, ReportError, ReportHeader, ReportId, ReportKind};

/// Most bytes an encoded [`SignedReport`] may have. The largest valid report (a mapping segment
/// with every list full) is about 11 KiB; anything above this is refused before decoding.
pub const MAX_REPORT_BYTES: usize = 16 * 1024;

impl ReportBody {
    /// The exact bytes the device signs: the kind's domain
    /// (`fieldproof:report:v2:<kind>`) followed by the borsh encoding of the kind's body
    /// (without the tag byte, which the domain already says).
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut bytes = self.kind().domain().to_vec();
        self.write_inner(&mut bytes);
        bytes
    }

    /// SHA-256 of [`signing_bytes`](Self::signing_bytes).
    pub fn report_id(&self) -> ReportId {
        ReportId(Sha256::digest(self.signing_bytes()).into())
    }

    /// Signs the report with the device's key, which must be the header's device key.
    pub fn sign(self, device: &SigningKey) -> Result<SignedReport, ReportError> {
        if device.verifying_key().to_bytes() != self.header().device_key {
            return Err(ReportError::DeviceKeyMismatch);
        }
        self.validate()?;
        let signature = device.sign(&self.signing_bytes()).to_bytes();
        Ok(SignedReport { body: self, signature })
    }
}

/// A report and the device's ed25519 signature over its
/// [`signing_bytes`](ReportBody::signing_bytes).
///
/// Borsh (the wire form, [`to_bytes`](Self::to_bytes)) encodes it as the body's tag byte, the
/// kind's body and the 64 signature bytes.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct SignedReport {
    /// What the device reported.
    pub body: ReportBody,
    /// Ed25519 signature (R ‖ S) over the body's signing bytes.
    pub signature: [u8; 64],
}

impl SignedReport {
    /// The report's id (see [`ReportId`]).
    pub fn report_id(&self) -> ReportId {
        self.body.report_id()
    }

    /// The bytes the signature covers.
    pub fn signing_bytes(&self) -> Vec<u8> {
        self.body.signing_bytes()
    }

    /// The device key that signed the report.
    pub fn device_key(&self) -> Result<VerifyingKey, ReportError> {
        VerifyingKey::from_bytes(&self.body.header().device_key).map_err(|_| ReportError::InvalidDeviceKey)
    }

    /// The signature, for callers that verify many reports in one batch.
    pub fn signature(&self) -> Signature {
        Signature::from_bytes(&self.signature)
    }

    /// Checks the signature under the report's device key. Strict verification: weak
    /// (small-order) keys and non-canonical signatures are refused, so one report cannot be
    /// re-signed into another valid byte string.
    pub fn verify(&self) -> Result<(), ReportError> {
        self.device_key()?
            .verify_strict(&self.signing_bytes(), &self.signature())
            .map_err(|_| ReportError::BadSignature)
    }

    /// The wire encoding (borsh).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(1 + 64 + 128);
        // Writing into a Vec only fails on allocation failure, which aborts instead.
        let written = self.serialize(&mut bytes);
        debug_assert!(written.is_ok());
        bytes
    }

    /// Decodes the wire encoding: refuses input above [`MAX_REPORT_BYTES`] before reading it,
    /// then any encoding that is not exactly one signed report, then bodies over the format's
    /// limits. Does not check the signature (see [`verify`](Self::verify)).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ReportError> {
        if bytes.len() > MAX_REPORT_BYTES {
            return Err(ReportError::Oversize { len: bytes.len(), max: MAX_REPORT_BYTES });
        }
        let report: SignedReport = borsh::from_slice(bytes).map_err(|e| ReportError::Malformed(e.to_string()))?;
        report.body.validate()?;
        Ok(report)
    }

    /// Decodes the wire encoding as [`from_bytes`](Self::from_bytes) does, and computes the
    /// report's id from those same bytes: between the tag and the signature they are the body
    /// the device signed (borsh has one encoding per value), so the body is not encoded again.
    /// What a reader of millions of stored reports wants.
    pub fn from_bytes_with_id(bytes: &[u8]) -> Result<(Self, ReportId), ReportError> {
        let report = Self::from_bytes(bytes)?;
        let id = match bytes.get(1..bytes.len().saturating_sub(64)) {
            Some(body) => ReportId(Sha256::new().chain_update(report.body.kind().domain()).chain_update(body).finalize().into()),
            None => report.report_id(),
        };
        Ok((report, id))
    }

    /// The kind and header of a wire-encoded report, read from its first 57 bytes without
    /// decoding the rest: enough to pass over reports of other kinds or times cheaply. `None`
    /// when the bytes cannot begin a report. Nothing else is checked: decode what is kept.
    pub fn peek(bytes: &[u8]) -> Option<(ReportKind, ReportHeader)> {
        let kind = *ReportKind::ALL.get(usize::from(*bytes.first()?))?;
        let header = ReportHeader::try_from_slice(bytes.get(1..1 + HEADER_BYTES)?).ok()?;
        Some((kind, header))
    }
}

/// The encoded length of a [`ReportHeader`]: every body begins with one.
const HEADER_BYTES: usize = 32 + 8 + crate::NONCE_LEN;

impl DataTransferReport {
    /// The router's countersignature over the session's terms, made with `router` (whose public
    /// key must be the report's `router`).
    pub fn countersign(&mut self, router: &SigningKey) -> Result<(), ReportError> {
        if router.verifying_key().to_bytes() != self.router {
            return Err(ReportError::DeviceKeyMismatch);
        }
        self.router_signature = router.sign(&self.session_bytes()).to_bytes();
        Ok(())
    }

    /// Checks the router's countersignature (strictly, as report signatures are checked).
    pub fn verify_countersignature(&self) -> Result<(), ReportError> {
        VerifyingKey::from_bytes(&self.router)
            .and_then(|key| key.verify_strict(&self.session_bytes(), &Signature::from_bytes(&self.router_signature)))
            .map_err(|_| ReportError::BadCountersignature)
    }
}
