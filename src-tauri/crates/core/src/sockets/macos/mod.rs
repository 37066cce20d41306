//! macOS: libproc for the socket table (every readable process's TCP sockets, keyed by the kernel's
//! socket address: fds.rs, records.rs) and for process identity (proc_bsdinfo, start time to the
//! microsecond: process.rs); sysinfo for command lines, environments and working folders. `records` is
//! pure and compiled on every OS for its tests.

pub(crate) mod records;

#[cfg(target_os = "macos")]
mod fds;
#[cfg(target_os = "macos")]
mod process;

#[cfg(target_os = "macos")]
pub(crate) use crate::sockets::facts::{cwd, environ};
#[cfg(target_os = "macos")]
pub(crate) use process::{
    ProcessHandle, SYSTEM_PIDS, ancestors, live_identity, open_process, own_pid, own_user,
    process_info, wait_exits,
};

#[cfg(target_os = "macos")]
mod table {
    use std::collections::HashSet;
    use std::io;

    use super::fds::{holders, tcp_sockets, walk};
    use super::records::raw_socket;
    use crate::sockets::error::SocketError;
    use crate::sockets::sys::Holders;
    use crate::sockets::table::RawSocket;

    /// TCP sockets with one of `ports` at either end, in LISTEN, ESTABLISHED or CLOSE_WAIT, of the
    /// processes whose descriptors can be read.
    pub(crate) fn port_sockets(ports: &[u16]) -> Result<Vec<RawSocket>, SocketError> {
        let found = walk(|r| {
            raw_socket(r).is_some_and(|s| {
                ports.contains(&s.local.port()) || ports.contains(&s.remote.port())
            })
        })
        .map_err(|source| SocketError::SocketTable { source })?;
        Ok(found
            .sockets
            .values()
            .filter_map(|(record, _)| raw_socket(record))
            .collect())
    }

    /// macOS reports a listener's queue in its record (`soi_qlen`).
    pub(crate) fn accept_queue(listener: &RawSocket) -> Option<u32> {
        listener.accept_queue
    }

    pub(crate) fn socket_holders(sockets: &HashSet<u64>) -> Holders {
        holders(sockets)
    }

    /// Whether `pid` holds one of `sockets` right now; `Ok(false)` when the process is gone.
    pub(crate) fn holds_any_socket(pid: u32, sockets: &[u64]) -> io::Result<bool> {
        match tcp_sockets(pid) {
            Some(records) => Ok(records.iter().any(|r| sockets.contains(&r.so))),
            None if super::process::bsd(pid)?.is_none() => Ok(false),
            None => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "its open files could not be listed",
            )),
        }
    }
}

#[cfg(target_os = "macos")]
pub(crate) use table::{accept_queue, holds_any_socket, port_sockets, socket_holders};
