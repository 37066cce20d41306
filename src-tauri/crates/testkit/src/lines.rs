//! A child's output, line by line, on a thread: tests wait for the line they expect with a deadline, and a
//! failure lists the lines that came instead.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Lines {
    lines: mpsc::Receiver<String>,
}

impl Lines {
    /// Reads `output` (e.g. a child's piped stdout) until it ends.
    pub fn follow(output: impl Read + Send + 'static) -> Lines {
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Lines { lines }
    }

    /// The first line from now on that satisfies `pred`; panics after `within` with the lines seen.
    pub fn wait_for(&self, within: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if pred(&line) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!("no such line within {within:?}; saw:\n{}", seen.join("\n"));
    }

    /// The next line within `within`, or `None` (nothing came, or the output ended).
    pub fn next(&self, within: Duration) -> Option<String> {
        self.lines.recv_timeout(within).ok()
    }
}
