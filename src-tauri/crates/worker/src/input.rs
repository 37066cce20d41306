//! Request lines from stdin with bounded memory: a line longer than the limit is skipped to its end and
//! reported as [`Line::TooLong`] instead of being buffered.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// The longest request line accepted (1 MiB).
pub const MAX_LINE: usize = 1024 * 1024;

/// How much of an over-long line is kept.
pub const HEAD: usize = 4096;

#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// One line without its `\n` (or `\r\n`).
    Text(Vec<u8>),
    /// A line over the limit: its length, and its first [`HEAD`] bytes (to find the request's id).
    TooLong { bytes: usize, head: Vec<u8> },
}

/// Reads lines of at most `max` bytes. Cancel-safe: a partly read line is kept in `self`, so
/// `next_line` can sit in a `select!` beside other work.
pub struct LineReader<R> {
    reader: R,
    max: usize,
    line: Vec<u8>,
    seen: usize,
}

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    pub fn new(reader: R, max: usize) -> Self {
        LineReader {
            reader,
            max,
            line: Vec::new(),
            seen: 0,
        }
    }

    /// The next line, or `None` at the end of input.
    pub async fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            let buf = self.reader.fill_buf().await?;
            if buf.is_empty() {
                // End of input: a last line without `\n` still counts.
                return Ok((self.seen > 0).then(|| self.take()));
            }
            let newline = buf.iter().position(|&b| b == b'\n');
            let chunk = &buf[..newline.unwrap_or(buf.len())];
            self.seen += chunk.len();
            if self.seen <= self.max {
                self.line.extend_from_slice(chunk);
            } else if self.line.len() > HEAD {
                // Over the limit: keep only the head of the line.
                self.line.truncate(HEAD);
                self.line.shrink_to_fit();
            } else if self.line.len() < HEAD {
                let room = HEAD - self.line.len();
                self.line.extend_from_slice(&chunk[..room.min(chunk.len())]);
            }
            let used = newline.map_or(buf.len(), |at| at + 1);
            self.reader.consume(used);
            if newline.is_some() {
                return Ok(Some(self.take()));
            }
        }
    }

    fn take(&mut self) -> Line {
        let seen = std::mem::take(&mut self.seen);
        let mut line = std::mem::take(&mut self.line);
        if seen > self.max {
            return Line::TooLong {
                bytes: seen,
                head: line,
            };
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Line::Text(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], max: usize) -> Vec<Line> {
        // A tiny buffer makes lines span many reads.
        let mut reader = LineReader::new(tokio::io::BufReader::with_capacity(3, input), max);
        let mut out = Vec::new();
        while let Some(line) = reader
            .next_line()
            .await
            .expect("in-memory reads cannot fail")
        {
            out.push(line);
        }
        out
    }

    #[tokio::test]
    async fn splits_lines_and_keeps_a_last_line_without_newline() {
        let got = lines(b"one\r\ntwo\n\nthree", 10).await;
        let text = |s: &str| Line::Text(s.as_bytes().to_vec());
        assert_eq!(got, vec![text("one"), text("two"), text(""), text("three")]);
    }

    #[tokio::test]
    async fn a_long_line_is_reported_by_length_and_the_next_line_is_intact() {
        let mut input = vec![b'x'; HEAD + 25];
        input.extend_from_slice(b"\nok\n");
        let got = lines(&input, HEAD + 10).await;
        let head = vec![b'x'; HEAD];
        assert_eq!(
            got,
            vec![
                Line::TooLong {
                    bytes: HEAD + 25,
                    head
                },
                Line::Text(b"ok".to_vec())
            ]
        );
    }

    #[tokio::test]
    async fn a_line_exactly_at_the_limit_is_accepted() {
        assert_eq!(
            lines(b"0123456789\n", 10).await,
            vec![Line::Text(b"0123456789".to_vec())]
        );
    }
}
