//! How severe a log line is, from the worker's stderr and the app's own records to the Logs screen.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A log line's level, most severe first. Lowercase on the wire (`"warn"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Error,
        Level::Warn,
        Level::Info,
        Level::Debug,
        Level::Trace,
    ];

    /// The level as written in a tracing or log record: `ERROR`, `WARN`, `INFO`, `DEBUG`, `TRACE`.
    pub fn upper(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }

    /// The level a record names, in any case (`"WARN"`, `"warn"`); `None` for any other word.
    pub fn from_word(word: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.upper().eq_ignore_ascii_case(word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_reads_back_from_its_word_and_its_wire_form() {
        for level in Level::ALL {
            assert_eq!(Level::from_word(level.upper()), Some(level));
            let wire = serde_json::to_value(level).expect("serialize");
            assert_eq!(wire, serde_json::json!(level.upper().to_ascii_lowercase()));
            assert_eq!(
                Level::from_word(wire.as_str().unwrap_or_default()),
                Some(level)
            );
        }
        assert_eq!(Level::from_word("notice"), None);
        assert!(Level::Error < Level::Warn && Level::Debug < Level::Trace);
    }
}
