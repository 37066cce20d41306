//! Log lines from the supervisor and its worker, fanned out to whoever shows them (the app's log view, the
//! CLI) without ever blocking the supervisor: a slow reader just misses lines.

use serde::Serialize;
use tokio::sync::broadcast;
use ts_rs::TS;

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LogLine {
    pub at_ms: i64,
    /// error, warn, info, debug or trace.
    pub level: String,
    /// "supervisor" or "worker".
    pub source: String,
    pub message: String,
}

impl LogLine {
    pub fn supervisor(level: &str, message: impl Into<String>) -> LogLine {
        LogLine {
            at_ms: crate::now_ms(),
            level: level.into(),
            source: "supervisor".into(),
            message: message.into(),
        }
    }

    /// A line the worker wrote on stderr; its level is read from the tracing format when present.
    pub fn from_worker(pid: u32, line: &str) -> LogLine {
        let level = ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"]
            .into_iter()
            .find(|l| line.contains(&format!(" {l} ")))
            .unwrap_or("INFO")
            .to_ascii_lowercase();
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
        match line.level.as_str() {
            "error" => tracing::error!(source = %line.source, "{}", line.message),
            "warn" => tracing::warn!(source = %line.source, "{}", line.message),
            _ => tracing::debug!(source = %line.source, "{}", line.message),
        }
        // No subscriber is fine: nobody is looking.
        let _ = self.0.send(line);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LogLine> {
        self.0.subscribe()
    }
}
