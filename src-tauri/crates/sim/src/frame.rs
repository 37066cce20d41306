//! Framing of the TWS API byte stream, as the Gateway reads it.
//!
//! A client opens with the 4 bytes `API\0`, then every message (the version hello included) is a 4-byte
//! big-endian length followed by that many bytes. The decoder only ever holds bytes that really arrived: a
//! length prefix is checked against [`MAX_FRAME_LEN`] and then waited for, never used to size an allocation,
//! so a hostile peer cannot make it allocate more than it sent.

use bytes::{Buf, BytesMut};

/// The prefix every API client sends before its first frame.
pub const API_PREFIX: &[u8; 4] = b"API\0";

/// Largest frame body accepted, the same bound as IB's own clients and the ibapi crate (`0x00FFFFFF`).
pub const MAX_FRAME_LEN: usize = 0x00FF_FFFF;

/// Why a byte stream cannot be a TWS API conversation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error(
        "the client did not open with \"API\\0\" (first bytes {0:02x?}); it is not a TWS API client"
    )]
    NotApiClient(Vec<u8>),
    #[error(
        "frame length {0} exceeds the {MAX_FRAME_LEN}-byte maximum; the stream is desynchronised"
    )]
    TooLong(usize),
}

/// Incremental decoder: feed it whatever the socket produced, take out complete frames.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: BytesMut,
    prefix_seen: bool,
}

impl FrameDecoder {
    /// A decoder for a fresh connection (expects `API\0` first).
    pub fn new() -> Self {
        Self::default()
    }

    /// The buffer the socket should read into. Only bytes that arrived are ever stored in it.
    pub fn buffer(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Appends bytes (used by tests and the fuzz test; sockets read straight into [`Self::buffer`]).
    pub fn extend(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that do not yet form a complete frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// The next complete frame body, `Ok(None)` when more bytes are needed, or why the stream is unusable.
    /// After an error the connection must be closed: the stream cannot be resynchronised.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        if !self.prefix_seen {
            let have = self.buf.len().min(API_PREFIX.len());
            if self.buf[..have] != API_PREFIX[..have] {
                return Err(FrameError::NotApiClient(self.buf[..have].to_vec()));
            }
            if have < API_PREFIX.len() {
                return Ok(None);
            }
            self.buf.advance(API_PREFIX.len());
            self.prefix_seen = true;
        }
        let Some(len_bytes) = self.buf.first_chunk::<4>() else {
            return Ok(None);
        };
        let len = u32::from_be_bytes(*len_bytes) as usize;
        if len > MAX_FRAME_LEN {
            return Err(FrameError::TooLong(len));
        }
        if self.buf.len() < 4 + len {
            return Ok(None);
        }
        self.buf.advance(4);
        Ok(Some(self.buf.split_to(len).to_vec()))
    }
}

/// Prefixes `body` with its 4-byte big-endian length, as every frame on the wire is.
pub fn length_prefixed(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + body.len());
    // Bodies we produce are tiny; saturate rather than wrap if that ever changes.
    out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoder_with(bytes: &[u8]) -> FrameDecoder {
        let mut d = FrameDecoder::new();
        d.extend(bytes);
        d
    }

    #[test]
    fn decodes_hello_after_prefix_even_when_split_byte_by_byte() {
        let mut wire = API_PREFIX.to_vec();
        wire.extend(length_prefixed(b"v157..178"));
        let mut d = FrameDecoder::new();
        let mut frames = Vec::new();
        for byte in wire {
            d.extend(&[byte]);
            if let Some(f) = d.next_frame().expect("valid stream") {
                frames.push(f);
            }
        }
        assert_eq!(frames, vec![b"v157..178".to_vec()]);
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn rejects_a_stream_without_the_api_prefix_as_soon_as_a_byte_differs() {
        let mut d = decoder_with(b"GET / HTTP/1.1\r\n");
        assert!(matches!(d.next_frame(), Err(FrameError::NotApiClient(_))));
        let mut d = decoder_with(b"AP");
        assert_eq!(d.next_frame(), Ok(None));
        let mut d = decoder_with(b"AX");
        assert!(d.next_frame().is_err());
    }

    #[test]
    fn rejects_oversized_length_without_waiting_for_the_body() {
        let mut wire = API_PREFIX.to_vec();
        wire.extend_from_slice(&u32::MAX.to_be_bytes());
        let mut d = decoder_with(&wire);
        assert_eq!(d.next_frame(), Err(FrameError::TooLong(u32::MAX as usize)));
    }

    #[test]
    fn accepts_a_frame_of_exactly_the_maximum_length_declared_but_waits_for_it() {
        let mut wire = API_PREFIX.to_vec();
        wire.extend_from_slice(&(MAX_FRAME_LEN as u32).to_be_bytes());
        let mut d = decoder_with(&wire);
        assert_eq!(d.next_frame(), Ok(None));
        assert!(
            d.buffer().capacity() < 1024,
            "must not allocate from the declared length"
        );
    }

    #[test]
    fn empty_frames_and_back_to_back_frames() {
        let mut wire = API_PREFIX.to_vec();
        wire.extend(length_prefixed(b""));
        wire.extend(length_prefixed(b"a"));
        wire.extend(length_prefixed(b"bc"));
        let mut d = decoder_with(&wire);
        assert_eq!(d.next_frame(), Ok(Some(vec![])));
        assert_eq!(d.next_frame(), Ok(Some(b"a".to_vec())));
        assert_eq!(d.next_frame(), Ok(Some(b"bc".to_vec())));
        assert_eq!(d.next_frame(), Ok(None));
    }
}
