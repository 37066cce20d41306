//! Log lines from the supervisor and its worker, fanned out to whoever shows them (the app's log view, the
//! CLI) without ever blocking the supervisor: a slow reader just misses lines.

use gateway_proto::Level;
use serde::Serialize;
use tokio::sync::broadcast;
use ts_rs::TS;

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LogLine {
    pub at_ms: i64,
    pub level: Level,
    /// "supervisor" or "worker".
    pub source: String,
    pub message: String,
}

impl LogLine {
    pub fn supervisor(level: Level, message: impl Into<String>) -> LogLine {
        LogLine {
            at_ms: crate::now_ms(),
            level,
            source: "supervisor".into(),
            message: message.into(),
        }
    }

    /// A line the worker wrote on stderr; its level is read from the tracing format when present.
    pub fn from_worker(pid: u32, line: &str) -> LogLine {
        let level = Level::ALL
            .into_iter()
            .find(|l| line.contains(&format!(" {} ", l.upper())))
            .unwrap_or(Level::Info);
        LogLine {
            at_ms: crate::now_ms(),
            level,
            source: format!("worker[{pid}]"),
            message: line.to_string(),
        }
    }
}

/// Where log lines go.
#[derive(Debug, Clone)]
pub struct LogSink(broadcast::Sender<LogLine>);

impl Default for LogSink {
    fn default() -> Self {
        LogSink(broadcast::channel(1024).0)
    }
}

impl LogSink {
    pub fn send(&self, line: LogLine) {
        match line.level {
            Level::Error => tracing::error!(source = %line.source, "{}", line.message),
            Level::Warn => tracing::warn!(source = %line.source, "{}", line.message),
            Level::Info | Level::Debug | Level::Trace => {
                tracing::debug!(source = %line.source, "{}", line.message)
            }
        }
        // No subscriber is fine: nobody is looking.
        let _ = self.0.send(line);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LogLine> {
        self.0.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_lines_level_is_read_from_its_tracing_format() {
        let warn = LogLine::from_worker(7, "2026-12-05T09:00:00Z  WARN gateway_worker: slow");
        assert_eq!(
            (warn.level, warn.source.as_str()),
            (Level::Warn, "worker[7]")
        );
        let error = LogLine::from_worker(7, "2026-12-05T09:00:00Z ERROR gateway_worker: gone");
        assert_eq!(error.level, Level::Error);
        // A line without a level (a panic message, a library's own print) is shown as info.
        assert_eq!(
            LogLine::from_worker(7, "thread main panicked").level,
            Level::Info
        );
    }
}
