//! The Windows socket table is read through netstat2 (windows/table.rs): its states and errors become ours
//! here. (Linux asks the kernel directly: linux/netlink.rs.)

use std::io;

use gateway_proto::TcpState;
use netstat2::TcpState as KernelState;

use super::error::SocketError;

/// The three states that matter (listening, working, stale); `None` for every other.
pub(crate) fn tcp_state(state: KernelState) -> Option<TcpState> {
    match state {
        KernelState::Listen => Some(TcpState::Listen),
        KernelState::Established => Some(TcpState::Established),
        KernelState::CloseWait => Some(TcpState::CloseWait),
        _ => None,
    }
}

/// The socket table could not be read (GetExtendedTcpTable).
impl From<netstat2::error::Error> for SocketError {
    fn from(err: netstat2::error::Error) -> SocketError {
        let source = match err {
            netstat2::error::Error::OsError(io) => io,
            other => io::Error::other(other.to_string()),
        };
        SocketError::SocketTable { source }
    }
}
