//! The one error type of the sockets module. Per-process trouble during cleanup (a process that vanished,
//! a refused signal) is not an error: it is that process's outcome in the report.

use std::io;

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

impl SocketError {
    /// A stable SCREAMING_SNAKE code for the UI and the CLI's JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            SocketError::SocketTable { .. } => "SOCKET_TABLE_UNAVAILABLE",
            SocketError::Unsupported => "UNSUPPORTED_PLATFORM",
        }
    }
}
