//! The vocabulary between the platform layers (`linux`, `macos`, `windows`, `unsupported`) and the
//! platform-free logic: what they hand back, so scan, identity and cleanup never see an OS type.

use std::collections::HashMap;
use std::io;

use gateway_proto::ProcessInfo;

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
    /// Windows: the owner's SID; `None` on Unix.
    pub owner_sid: Option<String>,
    pub cmdline: Vec<String>,
}

/// Who Gateway Doctor runs as, in the platform's own terms: Unix names users by uid, Windows by SID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OwnUser {
    #[cfg_attr(not(any(unix, test)), allow(dead_code))] // Windows names users by SID only
    Uid(u32),
    /// Our SID; `None` when our own token could not be read (then no process counts as ours).
    #[cfg_attr(
        not(any(windows, test, not(any(target_os = "linux", target_os = "macos")))),
        allow(dead_code)
    )] // built by the Windows and unsupported layers and the tests
    Sid(Option<String>),
}

impl OwnUser {
    /// Whether `process` runs as us: `None` when that cannot be told (an owner SID, ours or its, that
    /// could not be read). Exact comparison only: a SID is never folded into a number.
    pub fn owns(&self, process: &ProcessInfo) -> Option<bool> {
        match self {
            OwnUser::Uid(uid) => Some(process.uid == *uid),
            OwnUser::Sid(Some(own)) => process.owner_sid.as_ref().map(|sid| sid == own),
            OwnUser::Sid(None) => None,
        }
    }
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
    #[cfg_attr(
        not(any(target_os = "linux", target_os = "macos", windows)),
        allow(dead_code)
    )]
    Gone,
    Os(io::Error),
}
