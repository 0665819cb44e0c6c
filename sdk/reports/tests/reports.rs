//! Behaviour of signing, verifying and decoding: every refusal is a named error.
use ed25519_dalek::SigningKey;
use fieldproof_reports::*;

fn device() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn header(device: &SigningKey) -> ReportHeader {
    ReportHeader { device_key: device.verifying_key().to_bytes(), timestamp_ms: 1_700_000_000_000, nonce: [5; NONCE_LEN] }
}

fn entropy() -> Entropy {
    Entropy { slot: 42, blockhash: [8; 32] }
}

fn heartbeat() -> ReportBody {
    HeartbeatReport { header: header(&device()), location_h3: 0x8a2a1072b59ffff, uptime_s: 10, firmware_version: 1 }.into()
}

fn segment(points: usize, frames: usize) -> ReportBody {
    let point = TrackPoint { timestamp_ms: 1, latitude_e7: 2, longitude_e7: 3, altitude_dm: 4, horizontal_accuracy_dm: 5 };
    let frame = FrameHash { timestamp_ms: 1, content_hash: [7; 32] };
    MappingSegmentReport { header: header(&device()), entropy: entropy(), points: vec![point; points], frames: vec![frame; frames] }.into()
}

#[test]
fn signing_with_another_key_is_refused() {
    let other = SigningKey::from_bytes(&[10; 32]);
    assert_eq!(heartbeat().sign(&other), Err(ReportError::DeviceKeyMismatch));
}

#[test]
fn a_changed_field_breaks_the_signature() {
    let mut signed = heartbeat().sign(&device()).unwrap();
    if let ReportBody::Heartbeat(h) = &mut signed.body {
        h.uptime_s += 1;
    }
    assert_eq!(signed.verify(), Err(ReportError::BadSignature));
}

#[test]
fn a_changed_signature_is_refused() {
    let mut signed = heartbeat().sign(&device()).unwrap();
    signed.signature[10] ^= 1;
    assert_eq!(signed.verify(), Err(ReportError::BadSignature));
}

#[test]
fn no_kind_domain_is_a_prefix_of_another_and_v1_signatures_do_not_verify() {
    for a in ReportKind::ALL {
        for b in ReportKind::ALL {
            if a != b {
                assert!(!b.domain().starts_with(a.domain()), "{a:?} is a prefix of {b:?}");
            }
        }
    }
    // The same fields signed under the old format's domain never verify as a v2 report.
    let signed = heartbeat().sign(&device()).unwrap();
    let mut v1_bytes = b"fieldproof:report:v1:heartbeat".to_vec();
    v1_bytes.extend_from_slice(&signed.signing_bytes()[ReportKind::Heartbeat.domain().len()..]);
    use ed25519_dalek::Signer as _;
    let signed_v1 = SignedReport { body: signed.body.clone(), signature: device().sign(&v1_bytes).to_bytes() };
    assert_eq!(signed_v1.verify(), Err(ReportError::BadSignature));
}

#[test]
fn a_session_verifies_only_with_its_routers_countersignature() {
    let router = SigningKey::from_bytes(&[11; 32]);
    let mut session = DataTransferReport {
        header: header(&device()),
        payer_escrow: [2; 32],
        router: router.verifying_key().to_bytes(),
        upload_bytes: 4,
        download_bytes: 5,
        dc_amount: 6,
        started_at_ms: 7,
        ended_at_ms: 8,
        router_signature: [0; 64],
    };
    assert_eq!(session.verify_countersignature(), Err(ReportError::BadCountersignature));
    let hotspot = device();
    assert_eq!(session.countersign(&hotspot), Err(ReportError::DeviceKeyMismatch), "only the session's router countersigns");
    session.countersign(&router).unwrap();
    session.verify_countersignature().unwrap();
    // The countersignature covers the terms and the hotspot's nonce: changing either voids it.
    let mut more_dc = session.clone();
    more_dc.dc_amount += 1;
    assert_eq!(more_dc.verify_countersignature(), Err(ReportError::BadCountersignature));
    let mut reused = session.clone();
    reused.header.nonce[0] ^= 1;
    assert_eq!(reused.verify_countersignature(), Err(ReportError::BadCountersignature));
    let mut not_a_key = session;
    not_a_key.router = [0; 32];
    not_a_key.router[0] = 2;
    assert_eq!(not_a_key.verify_countersignature(), Err(ReportError::BadCountersignature));
}

#[test]
fn an_invalid_device_key_is_named() {
    let mut signed = heartbeat().sign(&device()).unwrap();
    if let ReportBody::Heartbeat(h) = &mut signed.body {
        // y = 2 is not on the curve: decompression fails.
        h.header.device_key = [0; 32];
        h.header.device_key[0] = 2;
    }
    assert_eq!(signed.verify(), Err(ReportError::InvalidDeviceKey));
}

#[test]
fn a_small_order_device_key_is_refused() {
    // The identity point signs "anything" with a trivial signature; strict verification refuses it.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut signed = heartbeat().sign(&device()).unwrap();
    if let ReportBody::Heartbeat(h) = &mut signed.body {
        h.header.device_key = identity;
    }
    signed.signature = [0; 64];
    signed.signature[0] = 1;
    assert_eq!(signed.verify(), Err(ReportError::BadSignature));
}

#[test]
fn the_id_ignores_the_signature_and_changes_with_the_nonce() {
    let signed = heartbeat().sign(&device()).unwrap();
    let mut resigned = signed.clone();
    resigned.signature = [0; 64];
    assert_eq!(resigned.report_id(), signed.report_id());

    let mut other = heartbeat();
    if let ReportBody::Heartbeat(h) = &mut other {
        h.header.nonce[0] ^= 1;
    }
    assert_ne!(other.report_id(), signed.report_id());
}

#[test]
fn report_ids_round_trip_through_hex() {
    let id = heartbeat().report_id();
    assert_eq!(id.to_hex().parse::<ReportId>(), Ok(id));
    assert_eq!(id.to_hex().to_uppercase().parse::<ReportId>(), Ok(id));
    assert_eq!("abc".parse::<ReportId>(), Err(ReportError::InvalidReportId));
    assert_eq!("zz".repeat(32).parse::<ReportId>(), Err(ReportError::InvalidReportId));
}

#[test]
fn every_kind_round_trips() {
    let key = device();
    let bodies: Vec<ReportBody> = vec![
        BeaconReport { header: header(&key), entropy: entropy(), frequency_hz: 1, tx_power_ddbm: -2, location_h3: 4 }.into(),
        WitnessReport { header: header(&key), beaconer: [4; 32], beacon_payload: [1; 32], rssi_ddbm: -900, snr_ddb: 12, frequency_hz: 2, received_at_ms: 3 }
            .into(),
        heartbeat(),
        segment(3, 2),
        DataTransferReport {
            header: header(&key),
            payer_escrow: [2; 32],
            router: [3; 32],
            upload_bytes: 4,
            download_bytes: 5,
            dc_amount: 6,
            started_at_ms: 7,
            ended_at_ms: 8,
            router_signature: [9; 64],
        }
        .into(),
    ];
    for body in bodies {
        let signed = body.sign(&key).unwrap();
        let wire = signed.to_bytes();
        let decoded = SignedReport::from_bytes(&wire).unwrap();
        assert_eq!(decoded, signed);
        decoded.verify().unwrap();
        // The id read from the wire bytes is the id of the decoded body, and a peek at the first
        // bytes names the kind and header.
        assert_eq!(SignedReport::from_bytes_with_id(&wire).unwrap(), (signed.clone(), signed.report_id()));
        assert_eq!(SignedReport::peek(&wire), Some((signed.body.kind(), *signed.body.header())));
    }
}

#[test]
fn a_peek_at_bytes_that_cannot_begin_a_report_finds_nothing() {
    let wire = heartbeat().sign(&device()).unwrap().to_bytes();
    assert_eq!(SignedReport::peek(&[]), None);
    assert_eq!(SignedReport::peek(&wire[..56]), None, "shorter than a tag and a header");
    let mut unknown_kind = wire.clone();
    unknown_kind[0] = 5;
    assert_eq!(SignedReport::peek(&unknown_kind), None);
    assert!(SignedReport::from_bytes_with_id(&wire[..wire.len() - 1]).is_err(), "a truncated report is refused, as from_bytes refuses it");
}

#[test]
fn the_largest_segment_fits_the_size_limit() {
    let signed = segment(MAX_TRACK_POINTS, MAX_FRAMES).sign(&device()).unwrap();
    let wire = signed.to_bytes();
    assert!(wire.len() <= MAX_REPORT_BYTES, "{} bytes", wire.len());
    assert_eq!(SignedReport::from_bytes(&wire), Ok(signed));
}

#[test]
fn oversize_input_is_refused_before_decoding() {
    let input = vec![0u8; MAX_REPORT_BYTES + 1];
    assert_eq!(SignedReport::from_bytes(&input), Err(ReportError::Oversize { len: MAX_REPORT_BYTES + 1, max: MAX_REPORT_BYTES }));
}

#[test]
fn too_many_points_or_frames_are_refused_on_sign_and_decode() {
    let too_many_points = segment(MAX_TRACK_POINTS + 1, 0);
    assert_eq!(
        too_many_points.clone().sign(&device()),
        Err(ReportError::TooManyTrackPoints { count: MAX_TRACK_POINTS + 1, max: MAX_TRACK_POINTS })
    );
    // A device that skipped the check still cannot get it past decoding.
    let wire = SignedReport { body: too_many_points, signature: [0; 64] }.to_bytes();
    assert!(matches!(SignedReport::from_bytes(&wire), Err(ReportError::TooManyTrackPoints { .. })));

    let too_many_frames = segment(0, MAX_FRAMES + 1);
    assert_eq!(too_many_frames.sign(&device()), Err(ReportError::TooManyFrames { count: MAX_FRAMES + 1, max: MAX_FRAMES }));
}

#[test]
fn malformed_encodings_are_refused() {
    let wire = heartbeat().sign(&device()).unwrap().to_bytes();
    let mut unknown_kind = wire.clone();
    unknown_kind[0] = 5;
    let mut trailing = wire.clone();
    trailing.push(0);
    let truncated = &wire[..wire.len() - 1];
    // A list count far beyond the input must fail cleanly, not allocate.
    let mut huge_count = segment(0, 0).sign(&device()).unwrap().to_bytes();
    let count_at = 1 + 56 + 40;
    huge_count[count_at..count_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    for input in [&unknown_kind[..], &trailing[..], truncated, &[][..], &huge_count[..]] {
        assert!(matches!(SignedReport::from_bytes(input), Err(ReportError::Malformed(_))), "{input:?}");
    }
}
