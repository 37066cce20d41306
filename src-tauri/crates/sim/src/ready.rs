//! The simulator's first stdout line, `{"listening":"127.0.0.1:PORT","control":"127.0.0.1:PORT"}`: written by
//! the binary once its ports listen, read by whoever started it (tests, benchmarks, the app's demo) to learn
//! the ports `--listen 127.0.0.1:0` picked. With `--ibc` it also carries `"ibc":"127.0.0.1:PORT"`, IBC's
//! command port; without, the line is exactly as before.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// Where a started simulator listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ready {
    /// The API port.
    pub listening: SocketAddr,
    /// The control port.
    pub control: SocketAddr,
    /// IBC's command port, when the simulator was started with `--ibc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ibc: Option<SocketAddr>,
}

/// The first line was not the ready line.
#[derive(Debug, thiserror::Error)]
#[error("gateway-sim's first line is not its ready line ({reason}): {line:?}")]
pub struct NotReady {
    line: String,
    reason: String,
}

impl Ready {
    /// Reads the ready line.
    pub fn parse(line: &str) -> Result<Ready, NotReady> {
        serde_json::from_str(line.trim()).map_err(|e| NotReady {
            line: line.to_string(),
            reason: e.to_string(),
        })
    }

    /// The ready line, without its newline.
    pub fn to_line(&self) -> String {
        // Two socket addresses always serialise.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_lines() {
        let ready = Ready {
            listening: "127.0.0.1:4002".parse().expect("addr"),
            control: "127.0.0.1:5000".parse().expect("addr"),
            ibc: None,
        };
        assert_eq!(
            ready.to_line(),
            r#"{"listening":"127.0.0.1:4002","control":"127.0.0.1:5000"}"#
        );
        assert_eq!(
            Ready::parse(&format!("{}\n", ready.to_line())).ok(),
            Some(ready)
        );
        let with_ibc = Ready {
            ibc: Some("127.0.0.1:7462".parse().expect("addr")),
            ..ready
        };
        assert_eq!(
            with_ibc.to_line(),
            r#"{"listening":"127.0.0.1:4002","control":"127.0.0.1:5000","ibc":"127.0.0.1:7462"}"#
        );
        assert_eq!(Ready::parse(&with_ibc.to_line()).ok(), Some(with_ibc));
        for bad in [
            "",
            "hello",
            r#"{"listening":"x","control":"127.0.0.1:1"}"#,
            r#"{"control":"127.0.0.1:1"}"#,
        ] {
            assert!(Ready::parse(bad).is_err(), "{bad}");
        }
    }
}
