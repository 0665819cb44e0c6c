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

fn vectors() -> Vec<ReportBody> {
    vec![
        BeaconReport { header: header(), frequency_hz: 904_300_000, tx_power_ddbm: 270, antenna_gain_ddbi: 30, location_h3: 0x8a2a1072b59ffff }.into(),
        WitnessReport { header: header(), beacon_id: [0x11; 32], rssi_ddbm: -1085, snr_ddb: -55, frequency_hz: 904_300_000, received_at_ms: 1_767_225_599_750 }.into(),
        HeartbeatReport { header: header(), location_h3: 0x8a2a1072b59ffff, uptime_s: 86_400, firmware_version: 0x0001_0203 }.into(),
        MappingSegmentReport {
            header: header(),
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
        signing_bytes: "6669656c6470726f6f663a7265706f72743a76313a626561636f6e8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00a8da769b010000ababababababababababababababababe085e635000000000e011e00ffff592b07a1a208",
        report_id: "7a36f7d23147eac26534e376ab61971e6e84748d1e0c9734d000e9846ab96deb",
        signature: "c8cb090b78706956805d49cd2fd3f7b8e59a5828192b7f35eb3ccef350c9c7ae5a0d499bcf63dd623b9c2998c85259530e2ffb097b9251e0a5fda485c346270e",
    },
    Vector {
        kind: ReportKind::Witness,
        signing_bytes: "6669656c6470726f6f663a7265706f72743a76313a7769746e6573738a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00a8da769b010000abababababababababababababababab1111111111111111111111111111111111111111111111111111111111111111c3fbc9ffe085e6350000000006a7da769b010000",
        report_id: "df2aa2418e9c409dd9aa60c23f7174da62c4687ba8502311e2e14fc641594c1b",
        signature: "fb7701dd20a3a0a7a20030c111a9ec17e0114be56d431721237c8862b9a5a1a7620b3c328ceccd723a9805bd532807a0dc721463cac6fca37af466c03ee8b00b",
    },
    Vector {
        kind: ReportKind::Heartbeat,
        signing_bytes: "6669656c6470726f6f663a7265706f72743a76313a6865617274626561748a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00a8da769b010000ababababababababababababababababffff592b07a1a208805101000000000003020100",
        report_id: "b5cf2e76317d1fc2882cf20936d7c18c44b4a41a20c5b498ede99a12939bf2a7",
        signature: "deb445ac8dc3869e85f248bd8b5d786a8f3160413553f5bb5d1563d5a909ce5e6dc15526ad5d5ba41b02cd01d563b7e9e387e0155cabb3de5f1d414614b77b0b",
    },
    Vector {
        kind: ReportKind::MappingSegment,
        signing_bytes: "6669656c6470726f6f663a7265706f72743a76313a6d617070696e675f7365676d656e748a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00a8da769b010000abababababababababababababababab02000000f080da769b01000008fe8316304808b7a00000001900d884da769b0100008c018416184c08b7a10000001e0001000000e482da769b0100002222222222222222222222222222222222222222222222222222222222222222",
        report_id: "073090a1ceefd8c5cef6ea7b4efe462d91c0570f9030bf1c14b33cbe1828e57b",
        signature: "e4b7f8b5df22bc180076846e585ff4fe1baf010443970046779d9e66c7315da83a524018e18247099768d0206c2fc90fa2b01ab51b2987e6676b79948680a80c",
    },
    Vector {
        kind: ReportKind::DataTransfer,
        signing_bytes: "6669656c6470726f6f663a7265706f72743a76313a646174615f7472616e736665728a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c00a8da769b010000abababababababababababababababab3333333333333333333333333333333333333333333333333333333333333333444444444444444444444444444444444444444444444444444444444444444400001000000000000000500000000000fa000000000000004080d1769b01000018a4da769b010000",
        report_id: "7a7a1d0f45b69c52973e993cac17f017c463866448d9be4ee600596dff4ce561",
        signature: "25d84d1d0a1642b0a557620356d6043098e9a99d933d593aaf42ebfce22440ee3cb97f56640bd9690bd1b08321c164033881a0774ad3af5912535606d773fb09",
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
