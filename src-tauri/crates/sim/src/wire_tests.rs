//! Unit tests of the wire formats against bytes captured from real clients (ibapi 5.5, ib_async 2.1).

use super::*;

#[test]
fn dialect_follows_the_version() {
    assert_eq!(Dialect::for_version(178), Some(Dialect::Text));
    assert_eq!(Dialect::for_version(200), Some(Dialect::Text));
    assert_eq!(Dialect::for_version(201), None);
    assert_eq!(Dialect::for_version(212), None);
    assert_eq!(Dialect::for_version(213), Some(Dialect::Protobuf));
    assert_eq!(Dialect::for_version(226), Some(Dialect::Protobuf));
}

#[test]
fn parses_version_offers() {
    assert_eq!(
        VersionRange::parse(b"v157..178"),
        Some(VersionRange { min: 157, max: 178 })
    );
    assert_eq!(
        VersionRange::parse(b"v100..151 +PACEAPI"),
        Some(VersionRange { min: 100, max: 151 })
    );
    assert_eq!(
        VersionRange::parse(b"v176"),
        Some(VersionRange { min: 176, max: 176 })
    );
    for bad in [
        &b""[..],
        b"157..178",
        b"v178..157",
        b"vx..y",
        b"v0",
        b"\xff\xfe",
    ] {
        assert_eq!(VersionRange::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn text_messages_match_the_ib_async_capture() {
    // Captured from ib_async 2.1: "15|1|DU1234567|" "9|1|1|" "4|2|-1|2104|Market data farm connection is OK:usfarm||"
    let accounts = Outgoing::ManagedAccounts("DU1234567".into()).encode(Dialect::Text, 178);
    assert_eq!(accounts.as_deref(), Some(&b"15\x001\x00DU1234567\x00"[..]));
    let next = Outgoing::NextValidId(1).encode(Dialect::Text, 178);
    assert_eq!(next.as_deref(), Some(&b"9\x001\x001\x00"[..]));
    let notice = Outgoing::Error {
        id: -1,
        code: 2104,
        message: "Market data farm connection is OK:usfarm".into(),
        time_ms: 0,
    }
    .encode(Dialect::Text, 178);
    assert_eq!(
        notice.as_deref(),
        Some(&b"4\x002\x00-1\x002104\x00Market data farm connection is OK:usfarm\x00\x00"[..])
    );
}

#[test]
fn protobuf_messages_carry_the_offset_id_and_payload() {
    let body = Outgoing::NextValidId(7)
        .encode(Dialect::Protobuf, 226)
        .expect("has a protobuf form");
    assert_eq!(&body[..4], &209i32.to_be_bytes());
    assert_eq!(
        pb::NextValidId::decode(&body[4..])
            .expect("decodes")
            .order_id,
        Some(7)
    );
    assert_eq!(Outgoing::PositionEnd.encode(Dialect::Protobuf, 226), None);
}

#[test]
fn decodes_start_api_in_both_dialects() {
    assert_eq!(
        Request::decode(b"71\x002\x00888\x00\x00", Dialect::Text),
        Ok(Request::StartApi { client_id: 888 })
    );
    let mut body = 271i32.to_be_bytes().to_vec();
    body.extend(
        pb::StartApiRequest {
            client_id: Some(888),
            optional_capabilities: None,
        }
        .encode_to_vec(),
    );
    assert_eq!(
        Request::decode(&body, Dialect::Protobuf),
        Ok(Request::StartApi { client_id: 888 })
    );
}

#[test]
fn malformed_requests_are_errors_not_panics() {
    assert_eq!(
        Request::decode(b"", Dialect::Text),
        Err(RequestError::Empty)
    );
    assert!(matches!(
        Request::decode(b"x\x00", Dialect::Text),
        Err(RequestError::BadId(_))
    ));
    assert!(matches!(
        Request::decode(b"71\x002\x00", Dialect::Text),
        Err(RequestError::BadField { id: 71, .. })
    ));
    assert_eq!(
        Request::decode(b"\x00\x01", Dialect::Protobuf),
        Err(RequestError::Empty)
    );
    let mut body = 271i32.to_be_bytes().to_vec();
    body.extend([0xff, 0xff, 0xff]);
    assert!(matches!(
        Request::decode(&body, Dialect::Protobuf),
        Err(RequestError::BadProtobuf { .. })
    ));
}
