//! The log the Logs screen shows: a ring buffer of the most recent lines (100,000 by default) from the app,
//! the supervisor, the worker and the demo gateway, plus a broadcast of each new line for `log://line`.
//! Pushing never blocks on readers: a slow reader misses lines and can re-read them with `get_logs`.
//!
//! Lines that arrive here directly (the supervisor's and the worker's, from gateway-core's log sink) are
//! also written to the `log` crate under [`RELAY_TARGET`], so the program's logger (tauri-plugin-log, or
//! the keeper's) puts them in the log file; the logger's feed back into this store skips that target
//! ([`stored`]), so no line is stored twice.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use gateway_core::supervisor::LogLine;
use gateway_proto::Level;
use tokio::sync::broadcast;

/// The `log` target of lines relayed to the log file from this store.
pub const RELAY_TARGET: &str = "gateway_doctor::relay";

/// Whether a `log` record of `target` belongs in the store: not the lines it relayed itself (they are
/// there already) and not gateway-core's own (its supervisor's lines reach the store directly).
pub fn stored(target: &str) -> bool {
    target != RELAY_TARGET && !target.starts_with("gateway_core")
}

/// How many lines the store keeps.
pub const DEFAULT_CAPACITY: usize = 100_000;

pub struct LogStore {
    lines: Mutex<VecDeque<LogLine>>,
    capacity: usize,
    feed: broadcast::Sender<LogLine>,
}

impl LogStore {
    pub fn new(capacity: usize) -> LogStore {
        LogStore {
            lines: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
            capacity: capacity.max(1),
            feed: broadcast::channel(4096).0,
        }
    }

    /// Keeps `line` (dropping the oldest beyond capacity) and tells the subscribers.
    pub fn push(&self, line: LogLine) {
        {
            let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
            if lines.len() == self.capacity {
                lines.pop_front();
            }
            lines.push_back(line.clone());
        }
        // No subscriber is fine: nobody is looking.
        let _ = self.feed.send(line);
    }

    /// Keeps `line` and writes it to the log file too (through the `log` crate, under [`RELAY_TARGET`]).
    pub fn record(&self, line: LogLine) {
        let level = match line.level {
            Level::Error => log::Level::Error,
            Level::Warn => log::Level::Warn,
            Level::Info => log::Level::Info,
            Level::Debug => log::Level::Debug,
            Level::Trace => log::Level::Trace,
        };
        log::log!(target: RELAY_TARGET, level, "[{}] {}", line.source, line.message);
        self.push(line);
    }

    /// The most recent `limit` lines, oldest first.
    pub fn recent(&self, limit: usize) -> Vec<LogLine> {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        let skip = lines.len().saturating_sub(limit);
        lines.iter().skip(skip).cloned().collect()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LogLine> {
        self.feed.subscribe()
    }
}

/// A line from the `log` crate (the app's own modules, Tauri, the plugins) as the store keeps it.
pub fn from_record(record: &log::Record<'_>) -> LogLine {
    LogLine {
        at_ms: gateway_core::now_ms(),
        level: level_of(record.level()),
        source: "app".into(),
        message: record.args().to_string(),
    }
}

fn level_of(level: log::Level) -> Level {
    match level {
        log::Level::Error => Level::Error,
        log::Level::Warn => Level::Warn,
        log::Level::Info => Level::Info,
        log::Level::Debug => Level::Debug,
        log::Level::Trace => Level::Trace,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize) -> LogLine {
        LogLine {
            at_ms: 0,
            level: Level::Info,
            source: "test".into(),
            message: n.to_string(),
        }
    }

    #[test]
    fn keeps_the_most_recent_lines_in_order_and_tells_subscribers() {
        let store = LogStore::new(3);
        let mut feed = store.subscribe();
        for n in 0..5 {
            store.push(line(n));
        }
        let kept: Vec<String> = store.recent(10).into_iter().map(|l| l.message).collect();
        assert_eq!(kept, ["2", "3", "4"]);
        let last: Vec<String> = store.recent(2).into_iter().map(|l| l.message).collect();
        assert_eq!(last, ["3", "4"]);
        assert_eq!(
            feed.try_recv().map(|l| l.message).ok().as_deref(),
            Some("0")
        );
    }

    #[test]
    fn a_hundred_thousand_lines_fit_and_the_oldest_go_first() {
        let store = LogStore::new(DEFAULT_CAPACITY);
        for n in 0..DEFAULT_CAPACITY + 10 {
            store.push(line(n));
        }
        let all = store.recent(usize::MAX);
        assert_eq!(all.len(), DEFAULT_CAPACITY);
        assert_eq!(all[0].message, "10");
    }
}
