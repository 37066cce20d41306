//! Linux: netlink sock_diag for the socket table, /proc for accept queues, holders and process identity,
//! pidfds for race-free signalling.

mod accept_queue;
mod holders;
mod netlink;
mod pidfd;
mod procfs;

pub(crate) use accept_queue::accept_queue;
pub(crate) use holders::socket_holders;
pub(crate) use netlink::port_sockets;
pub(crate) use pidfd::{ProcessHandle, SYSTEM_PIDS, open_process, own_pid, own_user, wait_exits};
pub(crate) use procfs::{ancestors, cwd, environ, holds_any_socket, live_identity, process_info};
