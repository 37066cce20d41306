//! gateway-sim's frame decoder and request decoder on an arbitrary client byte stream.
//!
//! The stream is decoded three times: in one piece, byte by byte, and in chunks sized from its length.
//! Properties, beyond not panicking:
//! - however the stream is split, the same frames and the same error come out;
//! - the decoder never holds more than it was given, and its buffer is never sized from a declared length;
//! - nothing is lost or invented: when no error occurs, `API\0` + every frame re-framed + the bytes still
//!   pending is exactly the stream;
//! - an error is right: `NotApiClient` only when the stream does not start with `API\0`, `TooLong` only
//!   for a length over the maximum;
//! - every frame decodes as a request in both dialects without panicking, and a decoded request written
//!   back in canonical form decodes to the same request; a version offer re-parses to the same range.
#![no_main]

use gateway_sim::frame::{API_PREFIX, FrameDecoder, FrameError, MAX_FRAME_LEN, length_prefixed};
use gateway_sim::wire::{Dialect, Request, VersionRange, req};
use libfuzzer_sys::fuzz_target;

type Decoded = (Vec<Vec<u8>>, Option<FrameError>, Vec<u8>);

/// Feeds `stream` in `chunk`-byte pieces; returns the frames, the first error, and the bytes left pending.
fn decode(stream: &[u8], chunk: usize) -> Decoded {
    let mut decoder = FrameDecoder::new();
    let mut frames = Vec::new();
    let mut fed = 0;
    let mut handed_out = 0;
    for piece in stream.chunks(chunk) {
        decoder.extend(piece);
        fed += piece.len();
        loop {
            match decoder.next_frame() {
                Ok(Some(frame)) => {
                    handed_out += 4 + frame.len();
                    frames.push(frame);
                }
                Ok(None) => break,
                Err(e) => return (frames, Some(e), decoder.buffer().to_vec()),
            }
        }
        assert!(
            decoder.pending() <= fed - handed_out.min(fed),
            "holds more than it was given"
        );
        assert!(
            decoder.buffer().capacity() <= 2 * stream.len() + 8 * 1024,
            "buffer capacity {} for a {}-byte stream",
            decoder.buffer().capacity(),
            stream.len()
        );
    }
    (frames, None, decoder.buffer().to_vec())
}

/// The text-dialect form of a request, as a client would write it.
fn text_form(request: &Request) -> Vec<u8> {
    let fields: Vec<String> = match request {
        Request::StartApi { client_id } => vec![
            req::START_API.to_string(),
            "2".into(),
            client_id.to_string(),
            String::new(),
        ],
        Request::CurrentTime => vec![req::REQ_CURRENT_TIME.to_string(), "1".into()],
        Request::CurrentTimeInMillis => {
            vec![req::REQ_CURRENT_TIME_IN_MILLIS.to_string(), "1".into()]
        }
        Request::ManagedAccounts => vec![req::REQ_MANAGED_ACCTS.to_string(), "1".into()],
        Request::Ids => vec![req::REQ_IDS.to_string(), "1".into(), "1".into()],
        Request::Positions => vec![req::REQ_POSITIONS.to_string(), "1".into()],
        Request::AccountUpdates { subscribe, account } => vec![
            req::REQ_ACCOUNT_UPDATES.to_string(),
            "2".into(),
            if *subscribe { "1" } else { "0" }.into(),
            account.clone(),
        ],
        Request::AccountUpdatesMulti { req_id } => {
            vec![
                req::REQ_ACCOUNT_UPDATES_MULTI.to_string(),
                "1".into(),
                req_id.to_string(),
            ]
        }
        Request::Executions { req_id } => vec![
            req::REQ_EXECUTIONS.to_string(),
            "3".into(),
            req_id.to_string(),
        ],
        Request::OpenOrders => vec![req::REQ_OPEN_ORDERS.to_string(), "1".into()],
        Request::CompletedOrders => vec![req::REQ_COMPLETED_ORDERS.to_string(), "1".into()],
        Request::AutoOpenOrders => vec![req::REQ_AUTO_OPEN_ORDERS.to_string(), "1".into()],
        Request::Unsupported { id } => vec![id.to_string()],
    };
    fields.iter().flat_map(|f| f.bytes().chain([0])).collect()
}

/// The protobuf-dialect form: a 4-byte id then the text fields, or, for a message the simulator does not
/// act on, its id above 200 with an empty protobuf payload (ids up to 0 can only come as text).
fn protobuf_form(request: &Request) -> Vec<u8> {
    if let Request::Unsupported { id } = request {
        let raw = if *id >= 1 {
            id.checked_add(200)
                .expect("decoded protobuf ids are at most i32::MAX - 200")
        } else {
            *id
        };
        return raw.to_be_bytes().to_vec();
    }
    let text = text_form(request);
    let end_of_id = text
        .iter()
        .position(|&b| b == 0)
        .expect("the text form has fields");
    let id: i32 = String::from_utf8_lossy(&text[..end_of_id])
        .parse()
        .expect("the text form starts with a numeric id");
    let mut body = id.to_be_bytes().to_vec();
    body.extend_from_slice(&text[end_of_id + 1..]);
    body
}

fn check_requests(frame: &[u8]) {
    for (dialect, form) in [
        (Dialect::Text, text_form as fn(&Request) -> Vec<u8>),
        (Dialect::Protobuf, protobuf_form),
    ] {
        if let Ok(request) = Request::decode(frame, dialect) {
            let canonical = form(&request);
            assert_eq!(
                Request::decode(&canonical, dialect),
                Ok(request.clone()),
                "{dialect:?} request {request:?} written as {canonical:?}"
            );
        }
    }
    if let Some(range) = VersionRange::parse(frame) {
        assert!(range.min > 0 && range.min <= range.max);
        let offer = format!("v{}..{}", range.min, range.max);
        assert_eq!(VersionRange::parse(offer.as_bytes()), Some(range));
    }
}

fuzz_target!(|stream: &[u8]| {
    let whole = decode(stream, stream.len().max(1));
    let by_byte = decode(stream, 1);
    let chunked = decode(stream, 1 + stream.len() % 13);
    assert_eq!(
        whole.0, by_byte.0,
        "frames depend on how the stream is split"
    );
    assert_eq!(whole.1.is_some(), by_byte.1.is_some());
    assert_eq!(whole.0, chunked.0);
    assert_eq!(whole.1.is_some(), chunked.1.is_some());
    let (frames, error, pending) = whole;
    match error {
        None if stream.len() < API_PREFIX.len() => {
            assert!(frames.is_empty());
            assert_eq!(pending, stream);
        }
        None => {
            let mut again = API_PREFIX.to_vec();
            for frame in &frames {
                again.extend(length_prefixed(frame));
            }
            again.extend(&pending);
            assert_eq!(again, stream, "frames + pending bytes are not the stream");
        }
        Some(FrameError::NotApiClient(_)) => {
            let have = stream.len().min(API_PREFIX.len());
            assert_ne!(stream[..have], API_PREFIX[..have]);
        }
        Some(FrameError::TooLong(len)) => assert!(len > MAX_FRAME_LEN),
    }
    for frame in &frames {
        check_requests(frame);
    }
    // Frames as they arrive at a session that already saw the prefix: the request decoder on the raw bytes.
    check_requests(stream);
});
