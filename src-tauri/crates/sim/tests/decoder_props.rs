//! Bounded property tests ("fuzzing in CI") of everything that reads untrusted bytes: the frame decoder and
//! the request parser must never panic, never hold more than they were given, and never lose or invent a
//! frame however the stream is split.

use gateway_sim::frame::{API_PREFIX, FrameDecoder, MAX_FRAME_LEN, length_prefixed};
use gateway_sim::wire::{Dialect, Request};
use proptest::prelude::*;

/// Feeds `bytes` in the given chunk sizes, draining frames as they complete. Returns the frames, or stops at
/// the first framing error (after which a connection is closed).
fn feed(bytes: &[u8], chunks: &[usize]) -> (Vec<Vec<u8>>, bool) {
    let mut decoder = FrameDecoder::new();
    let mut frames = Vec::new();
    let mut rest = bytes;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
        decoder.extend(&rest[..n]);
        rest = &rest[n..];
        loop {
            match decoder.next_frame() {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(_) => return (frames, true),
            }
        }
        // Bounded memory: never more than what was given (and not yet handed out).
        assert!(decoder.pending() <= bytes.len());
        assert!(
            decoder.buffer().capacity() <= 2 * bytes.len() + 8 * 1024,
            "capacity {}",
            decoder.buffer().capacity()
        );
    }
    (frames, false)
}

fn chunking() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..64, 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_or_overallocate(bytes in prop::collection::vec(any::<u8>(), 0..4096), chunks in chunking()) {
        feed(&bytes, &chunks);
    }

    #[test]
    fn random_bytes_after_the_prefix_never_panic(tail in prop::collection::vec(any::<u8>(), 0..4096), chunks in chunking()) {
        let mut bytes = API_PREFIX.to_vec();
        bytes.extend(tail);
        feed(&bytes, &chunks);
    }

    #[test]
    fn adversarial_lengths_are_rejected_or_awaited_never_allocated(len in prop_oneof![Just(u32::MAX), Just(MAX_FRAME_LEN as u32 + 1), Just(MAX_FRAME_LEN as u32), any::<u32>()], body in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut bytes = API_PREFIX.to_vec();
        bytes.extend(len.to_be_bytes());
        bytes.extend(&body);
        let (frames, failed) = feed(&bytes, &[7]);
        let len = len as usize;
        if len > MAX_FRAME_LEN {
            prop_assert!(failed);
        } else if len <= body.len() {
            prop_assert_eq!(&frames[0][..], &body[..len]);
        } else {
            prop_assert!(frames.is_empty() && !failed);
        }
    }

    #[test]
    fn any_split_yields_exactly_the_frames_sent(bodies in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..20), chunks in chunking()) {
        let mut bytes = API_PREFIX.to_vec();
        for body in &bodies {
            bytes.extend(length_prefixed(body));
        }
        let (frames, failed) = feed(&bytes, &chunks);
        prop_assert!(!failed);
        prop_assert_eq!(frames, bodies);
    }

    #[test]
    fn request_parser_never_panics_in_either_dialect(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Request::decode(&body, Dialect::Text);
        let _ = Request::decode(&body, Dialect::Protobuf);
    }

    #[test]
    fn protobuf_requests_with_real_ids_and_random_payloads_never_panic(id in prop::sample::select(vec![271i32, 249, 305, 217, 208, 71, 49, 0, -1, i32::MIN, i32::MAX]), payload in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut body = id.to_be_bytes().to_vec();
        body.extend(payload);
        let _ = Request::decode(&body, Dialect::Protobuf);
    }
}
