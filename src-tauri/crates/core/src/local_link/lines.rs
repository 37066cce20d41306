//! Lines on the link's socket: reading one newline-ended line with a limit (a peer that never sends a
//! newline cannot make either side hold more than `max` bytes), and writing one.

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use super::LinkError;

/// Writes one encoded line; `about` says what it was, in the error.
pub(super) async fn write_line<W: AsyncWrite + Unpin>(
    write: &mut W,
    line: &str,
    about: &'static str,
) -> Result<(), LinkError> {
    write
        .write_all(line.as_bytes())
        .await
        .map_err(|source| LinkError::Io { about, source })
}

/// Why no line came.
#[derive(Debug)]
pub(super) enum LineError {
    /// The line grew past the limit before its newline.
    TooLong,
    Io(std::io::Error),
}

/// The next line without its newline; `None` at the end of the stream. The last line may lack its newline.
pub(super) async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> Result<Option<Vec<u8>>, LineError> {
    let mut line = Vec::new();
    loop {
        let buf = reader.fill_buf().await.map_err(LineError::Io)?;
        if buf.is_empty() {
            return Ok((!line.is_empty()).then_some(line));
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(end) => (end, true),
            None => (buf.len(), false),
        };
        if line.len() + take > max {
            return Err(LineError::TooLong);
        }
        line.extend_from_slice(&buf[..take]);
        reader.consume(if done { take + 1 } else { take });
        if done {
            return Ok(Some(line));
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::BufReader;

    use super::*;

    #[tokio::test]
    async fn lines_come_one_by_one_and_a_line_past_the_limit_is_refused() {
        let mut reader = BufReader::with_capacity(4, &b"ab\ncdef\nlast"[..]);
        assert_eq!(
            read_line(&mut reader, 4).await.ok(),
            Some(Some(b"ab".to_vec()))
        );
        assert_eq!(
            read_line(&mut reader, 4).await.ok(),
            Some(Some(b"cdef".to_vec()))
        );
        assert_eq!(
            read_line(&mut reader, 4).await.ok(),
            Some(Some(b"last".to_vec()))
        );
        assert_eq!(read_line(&mut reader, 4).await.ok(), Some(None));

        let mut long = BufReader::with_capacity(4, &b"abcdefgh\n"[..]);
        assert!(matches!(
            read_line(&mut long, 5).await,
            Err(LineError::TooLong)
        ));
    }
}
