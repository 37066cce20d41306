//! The Gateway port's sockets: who listens, which connections are zombies, which are live, and the safe
//! cleanup of client-side zombies.
//!
//! [`scan_quick`] asks the OS once for its TCP table and keeps the sockets on the port: the listener (plus
//! its accept-queue length), CLOSE_WAIT sockets with the port as REMOTE port (client zombies) or LOCAL port
//! (Gateway-side zombies), and ESTABLISHED client ends (live sessions). [`scan`] then, only if something
//! matched, finds which processes hold those sockets and reads those processes' identity (start time,
//! owner, command line). [`clean`] scans, decides per process with the rules in `policy` (never the
//! Gateway or TWS, the system's own processes, ourselves or any ancestor, another user's process or one
//! whose owner cannot be read, a holder of a live session the user did not tick, or, with the user's
//! confirmation, anything not in it), re-verifies each process before signalling ([`terminate`]: ancestors,
//! identity through a process handle, the zombie still held), asks it to stop, waits a grace period, forces
//! it, and re-scans to confirm the zombies are gone. Zombies whose holder cannot be seen are reported as
//! `cannot_end` (OWNER_UNKNOWN), never signalled. [`client_ledger`] lists the programs with a working
//! connection to the port and the client id each uses where it can be seen; [`client_id_holders`] names,
//! from it, the program holding a client id the Gateway refused. [`gateway_processes`] finds IB Gateway and
//! TWS processes whatever they listen on.
//!
//! Each OS has its own layer behind one set of functions (`sys.rs` is the vocabulary between them):
//! - Linux (`linux/`): netlink sock_diag for the table (fast and exact, socket inodes, listeners alone when
//!   that is all that is asked),
//!   one /proc/*/fd walk for the holders, /proc for identity (start time in clock ticks, finer than
//!   sysinfo's seconds), pidfds for signalling without a pid-reuse race.
//! - macOS (`macos/`): libproc, which builds from any OS (netstat2's macOS build needs the macOS SDK), for
//!   every readable process's TCP sockets keyed by the kernel's socket address, and proc_bsdinfo for
//!   identity (start time to the microsecond); kill(2) right after re-reading start time and uid. Without
//!   root, other users' sockets are not seen.
//! - Windows (`windows/`): GetExtendedTcpTable through netstat2 (rows with owning pids; each connection
//!   keyed by its addresses, as Windows has no socket inode), a process handle for identity (creation
//!   time, owner SID) and for ending (WM_CLOSE, then TerminateProcess through the same handle).
//! - Any other OS (`unsupported.rs`): every call answers [`SocketError::Unsupported`].
//!
//! sysinfo serves process details on macOS and Windows and the Gateway lookup on every OS.

mod cleanup;
mod detail;
mod error;
#[cfg(any(windows, target_os = "macos"))]
mod facts;
mod gateway_process;
mod holders;
mod identity;
mod ledger;
#[cfg(windows)]
mod netstat;
mod policy;
mod recognise;
mod scan;
mod sys;
mod table;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux as platform;

// The pure record conversions (`windows/rows.rs`, `macos/records.rs`) are also compiled for tests on every OS.
#[cfg(any(target_os = "macos", test))]
mod macos;
#[cfg(target_os = "macos")]
use macos as platform;

#[cfg(any(windows, test))]
mod windows;
#[cfg(windows)]
use windows as platform;

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
mod unsupported;
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
use unsupported as platform;

pub use cleanup::{CleanOptions, CleanTarget, clean, terminate};
pub use error::{SocketError, SocketErrorCode};
pub use gateway_process::gateway_processes;
pub use gateway_proto::{
    CleanConfirmation, CleanOutcome, CleanReport, CleanResult, ClientIdHolders, ClientIdSource,
    ClientLedger, GatewayProcess, GatewayProduct, LedgerEntry, ListenerSocket, PortScan,
    ProcessInfo, ProcessKey, QuickScan, RefusalReason, SocketEntry, TcpState, UnendableCode,
    UnendableZombie, ZombieSide, ZombieSocket,
};
pub use holders::{client_id_holders, client_ids_in_use, holder_sentence, holders_of};
pub use identity::{IdentityCheck, verify_identity};
pub use ledger::{client_ledger, ledger_of};
pub use recognise::recognise;
pub use scan::{
    ListenerLook, live_session_inodes, scan, scan_listener, scan_quick, scan_with_api_ports,
};
pub use table::API_PORTS;
