//! Test vectors: fixed keys and fields → fixed signing bytes, report ids, signatures and wire
//! bytes. Another implementation is correct when it reproduces these hex strings.
use ed25519_dalek::SigningKey;
use fieldproof_reports::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The device key of every vector: the ed25519 key whose 32-byte seed is 0x01 repeated.
fn device() -> SigningKey {
    SigningKey::from_bytes(&[1; 32])
}

fn header() -> ReportHeader {
    ReportHeader { device_key: device().verifying_key().to_bytes(), timestamp_ms: 1_767_225_600_000, nonce: [0xab; 16] }
}

fn entropy() -> Entropy {
    Entropy { slot: 388_412_907, blockhash: [0x5e; 32] }
}

fn vectors() -> Vec<ReportBody> {
    vec![
        BeaconReport { header: header(), entropy: entropy(), frequency_hz: 904_300_000, tx_power_ddbm: 270, location_h3: 0x8a2a1072b59ffff }.into(),
        WitnessReport {
            header: header(),
            beaconer: [0x10; 32],
            beacon_payload: [0x11; 32],
            rssi_ddbm: -1085,
            snr_ddb: -55,
            frequency_hz: 904_300_000,
            received_at_ms: 1_767_225_599_750,
        }
        .into(),
        HeartbeatReport { header: header(), location_h3: 0x8a2a1072b59ffff, uptime_s: 86_400, firmware_version: 0x0001_0203 }.into(),
        MappingSegmentReport {
            header: header(),
            entropy: entropy(),
            points: vec![
                TrackPoint { timestamp_ms: 1_767_225_590_000, latitude_e7: 377_749_000, longitude_e7: -1_224_194_000, altitude_dm: 160, horizontal_accuracy_dm: 25 },
                TrackPoint { timestamp_ms: 1_767_225_591_000, latitude_e7: 377_749_900, longitude_e7: -1_224_193_000, altitude_dm: 161, horizontal_accuracy_dm: 30 },
            ],
            frames: vec![FrameHash { timestamp_ms: 1_767_225_590_500, content_hash: [0x22; 32] }],
        }
        .into(),
        DataTransferReport {
            header: header(),
            payer_escrow: [0x33; 32],
            router: [0x44; 32],
            upload_bytes: 1_048_576,
            download_bytes: 5_242_880,
            dc_amount: 250,
            started_at_ms: 1_767_225_000_000,
            ended_at_ms: 1_767_225_599_000,
            router_signature: [0x55; 64],
        }
        .into(),
    ]
}

/// One kind's expected bytes, as hex.
struct Vector {
    kind: ReportKind,
    signing_bytes: &'static str,
    report_id: &'static str,
    signature: &'static str,
}

/// Computed once and checked against an independent Ed25519 / SHA-256 implementation
/// (Python `cryptography`).
const EXPECTED: [Vector; 5] = [
    Vector {
        kind: ReportKind::Beacon,
        signing_bytes: "6669656c6470726f6f663a7265706f72743a76323a626561636f6e8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00a8da769b010000ababababababababababababababababebb52617000000005e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5ee085e635000000000e01ffff592b07a1a208",
        report_id: "b43bc8af3cad44749a0b96662f577d5562f343429ef669c1750be8bac37388b0",
        signature: "06ac09a8d9129ec154ecfc84f526d9c8965abe42a1491c80a3255f1d28f83abc5cb70679ba0f54742f2d44dc3ef1f8dc7acdefd588b4eb32676387cca37fac0e",
    },
    Vector {
        kind: ReportKind::Witness,
        signing_bytes: "6669656c6470726f6f663a7265706f72743a76323a7769746e6573738a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00a8da769b010000abababababababababababababababab10101010101010101010101010101010101010101010101010101010101010101111111111111111111111111111111111111111111111111111111111111111c3fbc9ffe085e6350000000006a7da769b010000",
        report_id: "e57c40e1d824872c8b4936785a891dabc440e61141d26bc7782b817971958726",
        signature: "7e59353e022c9e51de67fe3f36d8790efe45815dfdb254b8d7d01f20f2ac73d5f2caa2caf433741c1aafe0c4adc857031f8046fa0a4aa1cc11ad04ded007500f",
    },
    Vector {
        kind: ReportKind::Heartbeat,
        signing_bytes: "6669656c6470726f6f663a7265706f72743a76323a6865617274626561748a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00a8da769b010000ababababababababababababababababffff592b07a1a208805101000000000003020100",
        report_id: "6c6899bca947bf3ff632b06e3da5a091ac2d135a5abee013becb6be700bda42c",
        signature: "48266b64eafcc8198e8b3f9060881de6e3d7702f0209c155ada4f58ddabad5b5c83ee454e8a62f809e389cfe90565ede84573b4afdf9102c7fe60c004528aa0f",
    },
    Vector {
        kind: ReportKind::MappingSegment,
        signing_bytes: "6669656c6470726f6f663a7265706f72743a76323a6d617070696e675f7365676d656e748a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00a8da769b010000ababababababababababababababababebb52617000000005e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e02000000f080da769b01000008fe8316304808b7a00000001900d884da769b0100008c018416184c08b7a10000001e0001000000e482da769b0100002222222222222222222222222222222222222222222222222222222222222222",
        report_id: "8094e128960b14c52d489a5c70718610621d5ee9b39a2bf961ecb3e8b0b18994",
        signature: "2cea95a9a77c274686f2f9ae22878927c92e2979dd0c4f131411ce5cb072976bd88e8c87641d98fe9c0427a6aa3471531b6bef5de896ec65ccfc4a7a054f8b0b",
    },
    Vector {
        kind: ReportKind::DataTransfer,
        signing_bytes: "6669656c6470726f6f663a7265706f72743a76323a646174615f7472616e736665728a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00a8da769b010000abababababababababababababababab3333333333333333333333333333333333333333333333333333333333333333444444444444444444444444444444444444444444444444444444444444444400001000000000000000500000000000fa000000000000004080d1769b01000018a4da769b01000055555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555",
        report_id: "2529133f88a372716ad8f1dbbb03826239485f1be0cf8354751a244fc3c61050",
        signature: "bbc37f4e370e709f9ae08df19eb69cda33a9b02baf45381acc7f5f316a2043056f4e6e761f1178b2647d015a65d5312890272ed0b9089860104daa64f3d56e09",
    },
];

#[test]
fn device_key_of_the_vectors() {
    assert_eq!(hex(&device().verifying_key().to_bytes()), "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c");
}

#[test]
fn every_kind_has_a_vector() {
    let kinds: Vec<ReportKind> = vectors().iter().map(ReportBody::kind).collect();
    assert_eq!(kinds, ReportKind::ALL);
}

#[test]
fn signing_bytes_ids_and_signatures_match_the_vectors() {
    for (body, expected) in vectors().into_iter().zip(EXPECTED) {
        assert_eq!(body.kind(), expected.kind);
        assert_eq!(hex(&body.signing_bytes()), expected.signing_bytes, "{:?} signing bytes", expected.kind);
        assert_eq!(body.report_id().to_hex(), expected.report_id, "{:?} report id", expected.kind);
        let signed = body.sign(&device()).unwrap();
        assert_eq!(hex(&signed.signature), expected.signature, "{:?} signature", expected.kind);
    }
}

#[test]
fn wire_bytes_are_tag_body_signature() {
    for (body, expected) in vectors().into_iter().zip(EXPECTED) {
        let signed = body.sign(&device()).unwrap();
        let domain_hex = hex(expected.kind.domain());
        let body_hex = &expected.signing_bytes[domain_hex.len()..];
        let wire = format!("{:02x}{body_hex}{}", expected.kind as u8, expected.signature);
        assert_eq!(hex(&signed.to_bytes()), wire, "{:?} wire bytes", expected.kind);
        let decoded = SignedReport::from_bytes(&signed.to_bytes()).unwrap();
        assert_eq!(decoded, signed);
        decoded.verify().unwrap();
    }
}

