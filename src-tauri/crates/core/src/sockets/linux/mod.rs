//! Linux: netlink sock_diag for the socket table and the listener's accept queue, /proc for holders and
//! process identity, pidfds for race-free signalling.

mod holders;
mod netlink;
mod pidfd;
mod procfs;

pub(crate) use holders::socket_holders;
pub(crate) use netlink::{listening_sockets, port_sockets};
pub(crate) use pidfd::{ProcessHandle, SYSTEM_PIDS, open_process, own_pid, own_user, wait_exits};
pub(crate) use procfs::{ancestors, cwd, environ, holds_any_socket, live_identity, process_info};

use crate::sockets::table::RawSocket;

/// The accept-queue length the table's answer carried for `listener`.
pub(crate) fn accept_queue(listener: &RawSocket) -> Option<u32> {
    listener.accept_queue
}
