//! Windows: GetExtendedTcpTable through netstat2 for the socket table and its owning pids (table.rs, rows.rs:
//! each connection keyed by its addresses, as Windows has no socket inode), sysinfo and a query handle for
//! process details and identity (process.rs), one process handle for ending a process safely (handle.rs).
//! `rows` is pure and compiled on every OS for its tests.

pub(crate) mod rows;

#[cfg(windows)]
mod handle;
#[cfg(windows)]
mod process;
#[cfg(windows)]
mod table;

#[cfg(windows)]
pub(crate) use crate::sockets::facts::{cwd, environ};
#[cfg(windows)]
pub(crate) use handle::{ProcessHandle, open_process, wait_exits};
#[cfg(windows)]
pub(crate) use process::{ancestors, live_identity, process_info};
#[cfg(windows)]
pub(crate) use rows::SYSTEM_PIDS;
#[cfg(windows)]
pub(crate) use table::{holds_any_socket, port_sockets, socket_holders};

#[cfg(windows)]
use crate::sockets::sys::OwnUser;
#[cfg(windows)]
use crate::sockets::table::RawSocket;

/// The TCP table does not report a listener's accept queue.
#[cfg(windows)]
pub(crate) fn accept_queue(_listener: &RawSocket) -> Option<u32> {
    None
}

#[cfg(windows)]
pub(crate) fn own_pid() -> u32 {
    std::process::id()
}

/// Our SID, read from our token; `None` (nothing counts as ours) if even that fails.
#[cfg(windows)]
pub(crate) fn own_user() -> OwnUser {
    OwnUser::Sid(handle::own_sid().ok())
}
