//! A child's stderr, read on a thread: the last lines are kept for error messages, and each line is
//! echoed to ours unless the caller wants quiet (a test harness shows it only when the test fails).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How many lines are kept to look through (a ready line comes among the first few).
const KEPT: usize = 1000;
/// How many of the last lines an error quotes.
const QUOTED: usize = 40;

pub(crate) struct StderrTail {
    lines: Arc<Mutex<VecDeque<String>>>,
    /// Disconnects when the child's stderr ends.
    ended: mpsc::Receiver<()>,
}

impl StderrTail {
    /// Follows `stderr` until it ends; `echo` writes each line to this process's stderr too.
    pub fn follow(stderr: impl Read + Send + 'static, echo: bool) -> StderrTail {
        let lines = Arc::new(Mutex::new(VecDeque::new()));
        let (_ended, ended) = mpsc::channel::<()>();
        let kept = Arc::clone(&lines);
        std::thread::spawn(move || {
            // Held until the end: its drop tells `text` that nothing more will come.
            let _ended = _ended;
            // Bytes, not text: a line that is not UTF-8 must not stop the draining (the child would block).
            let mut reader = BufReader::new(stderr);
            let mut line = Vec::new();
            while let Ok(1..) = reader.read_until(b'\n', &mut line) {
                let text = String::from_utf8_lossy(&line).trim_end().to_string();
                line.clear();
                if echo {
                    eprintln!("{text}");
                }
                let mut kept = kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                if kept.len() == KEPT {
                    kept.pop_front();
                }
                kept.push_back(text);
            }
        });
        StderrTail { lines, ended }
    }

    /// Whether a line read so far satisfies `pred`.
    pub fn any(&self, pred: impl Fn(&str) -> bool) -> bool {
        self.lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .any(|line| pred(line))
    }

    /// The last lines, after waiting up to `settle` for the stream to end (a child that exited may still
    /// have lines in the pipe).
    pub fn text(&self, settle: Duration) -> String {
        let _ = self.ended.recv_timeout(settle);
        let lines = self
            .lines
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if lines.is_empty() {
            return "  (nothing)".into();
        }
        lines
            .iter()
            .skip(lines.len().saturating_sub(QUOTED))
            .map(|line| format!("  {line}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until a line satisfies `pred` or `within` passes; false if the stream ended first.
    pub fn wait_for(&self, within: Duration, pred: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + within;
        loop {
            if self.any(&pred) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            match self.ended.recv_timeout(left.min(Duration::from_millis(10))) {
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                // Ended: one last look at what came before the end.
                _ => return self.any(&pred),
            }
        }
    }
}
