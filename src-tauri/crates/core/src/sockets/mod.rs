//! The Gateway port's sockets: who listens, which connections are zombies, which are live, and the safe
//! cleanup of client-side zombies.
//!
//! [`scan_quick`] asks the kernel once for every TCP socket (netlink sock_diag through netstat2, IPv4 and
//! IPv6) and keeps those on the port: the listener (plus its accept-queue length), CLOSE_WAIT sockets with the
//! port as REMOTE port (client zombies) or LOCAL port (Gateway-side zombies), and ESTABLISHED client ends
//! (live sessions). [`scan`] then, only if something matched, walks /proc/*/fd once to find which processes
//! hold those socket inodes and reads those processes' identity (start ticks, uid, command line). [`clean`]
//! scans, decides per process with the rules in `policy` (never the Gateway, pid 0/1, ourselves or our
//! parent, another user's process, or a holder of a live session without confirmation), re-verifies each
//! process's identity through a pidfd before signalling ([`terminate`]), sends SIGTERM, waits a grace period,
//! sends SIGKILL, and re-scans to confirm the zombies are gone. Linux only for now; elsewhere every call
//! returns [`SocketError::Unsupported`].

mod cleanup;
mod detail;
mod error;
mod identity;
mod policy;
mod scan;
mod sys;
mod table;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux as platform;

#[cfg(not(target_os = "linux"))]
mod unsupported;
#[cfg(not(target_os = "linux"))]
use unsupported as platform;

pub use cleanup::{CleanOptions, clean, terminate};
pub use error::SocketError;
pub use gateway_proto::{
    CleanOutcome, CleanReport, CleanResult, ListenerSocket, PortScan, ProcessInfo, QuickScan,
    RefusalReason, SocketEntry, TcpState, ZombieSide, ZombieSocket,
};
pub use identity::{IdentityCheck, verify_identity};
pub use scan::{live_session_inodes, scan, scan_quick};
