//! The Gateway port's sockets: who listens, which connections are zombies, which are live, and the safe
//! cleanup of client-side zombies.
//!
//! [`scan_quick`] asks the kernel once for every TCP socket (netlink sock_diag through netstat2, IPv4 and
//! IPv6) and keeps those on the port: the listener (plus its accept-queue length), CLOSE_WAIT sockets with the
//! port as REMOTE port (client zombies) or LOCAL port (Gateway-side zombies), and ESTABLISHED client ends
//! (live sessions). [`scan`] then, only if something matched, walks /proc/*/fd once to find which processes
//! hold those socket inodes and reads those processes' identity (start ticks, uid, command line). [`clean`]
//! scans, decides per process with the rules in `policy` (never the Gateway, pid 0/1, ourselves or any
//! ancestor, another user's process, a holder of a live session the user did not tick, or, with the user's
//! confirmation, anything not in it), re-verifies each process before signalling ([`terminate`]: ancestors,
//! identity through a pidfd, the zombie still in its open files), sends SIGTERM, waits a grace period,
//! sends SIGKILL, and re-scans to confirm the zombies are gone. [`client_ledger`] lists the programs with
//! a working connection to the port and the client id each uses where it can be seen;
//! [`client_id_holders`] names, from it, the program holding a client id the Gateway refused. Linux only for now;
//! elsewhere every call returns [`SocketError::Unsupported`].

mod cleanup;
mod detail;
mod error;
mod holders;
mod identity;
mod ledger;
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

pub use cleanup::{CleanOptions, CleanTarget, clean, terminate};
pub use error::SocketError;
pub use gateway_proto::{
    CleanConfirmation, CleanOutcome, CleanReport, CleanResult, ClientIdHolders, ClientIdSource,
    ClientLedger, LedgerEntry, ListenerSocket, PortScan, ProcessInfo, ProcessKey, QuickScan,
    RefusalReason, SocketEntry, TcpState, ZombieSide, ZombieSocket,
};
pub use holders::{client_id_holders, client_ids_in_use, holder_sentence, holders_of};
pub use identity::{IdentityCheck, verify_identity};
pub use ledger::{client_ledger, ledger_of};
pub use scan::{live_session_inodes, scan, scan_quick, scan_with_api_ports};
pub use table::API_PORTS;
