//! The one error type of the sockets module. Per-process trouble during cleanup (a process that vanished,
//! a refused signal) is not an error: it is that process's outcome in the report.

use std::io;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Why a scan or cleanup could not run at all. Messages read well after "failed to ...".
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    /// The kernel's socket table (netlink sock_diag) could not be read.
    #[error("read the kernel's TCP socket table: {source}")]
    SocketTable {
        #[source]
        source: io::Error,
    },
    /// This operating system has no implementation yet.
    #[error(
        "look at the Gateway port's sockets: not supported on this platform (Linux, macOS and Windows only)"
    )]
    Unsupported,
}

/// Why the connections could not be looked at, as the UI branches on it (SCREAMING_SNAKE_CASE on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SocketErrorCode {
    SocketTableUnavailable,
    UnsupportedPlatform,
}

impl SocketErrorCode {
    pub const ALL: [SocketErrorCode; 2] = [
        SocketErrorCode::SocketTableUnavailable,
        SocketErrorCode::UnsupportedPlatform,
    ];
}

impl SocketError {
    /// The stable code for the UI and the CLI's JSON output.
    pub fn code(&self) -> SocketErrorCode {
        match self {
            SocketError::SocketTable { .. } => SocketErrorCode::SocketTableUnavailable,
            SocketError::Unsupported => SocketErrorCode::UnsupportedPlatform,
        }
    }
}
