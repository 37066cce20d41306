//! The vocabulary between the platform layers (`linux`, `unsupported`) and the platform-free logic: what
//! they hand back, so scan, identity and cleanup never see an OS type.

use std::collections::HashMap;
use std::io;

/// Which processes hold which socket inodes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Holders {
    /// Holders per inode, each pid once, ascending.
    pub pids_by_inode: HashMap<u64, Vec<u32>>,
    /// Processes whose open files could not be read (another user's, without root).
    pub unreadable: u32,
}

/// A process as the OS shows it right now: what the identity check compares with the scan's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiveIdentity {
    pub name: String,
    /// Exited but not yet reaped (a zombie process) or dead: it holds nothing any more.
    pub exited: bool,
    pub start_ticks: u64,
    pub uid: u32,
    pub cmdline: Vec<String>,
}

/// The two signals cleanup sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sig {
    Term,
    Kill,
}

/// Why a process could not be opened or signalled.
#[derive(Debug)]
pub(crate) enum SignalError {
    /// No such process (any more).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))] // only the Linux layer can tell
    Gone,
    Os(io::Error),
}
