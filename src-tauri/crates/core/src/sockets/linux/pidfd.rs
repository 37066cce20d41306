//! Signalling without the pid-reuse race. A pid is only a number: between the scan and the kill the process
//! may exit and another take its pid. A pidfd names one process for good, so cleanup opens a pidfd first,
//! then re-reads the identity behind the pid (if the pid was reused before the open, the identity differs
//! and nothing is sent; if it is reused after, the pidfd still names the old, dead process and the signal
//! fails with ESRCH). A pidfd also becomes readable when its process exits, which is how exits are awaited
//! for processes that are not our children (only a parent can wait(2) for a child).

use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};

use crate::sockets::sys::{LiveIdentity, OwnUser, Sig, SignalError};

/// An open process, safe to signal.
#[derive(Debug)]
pub(crate) struct ProcessHandle {
    pidfd: OwnedFd,
    pid: u32,
}

impl ProcessHandle {
    /// The identity behind the pid, read after the pidfd was opened: if the pid was reused before the
    /// open, this shows the new process and the comparison refuses.
    pub(crate) fn live_identity(&self) -> std::io::Result<Option<LiveIdentity>> {
        super::procfs::live_identity(self.pid)
    }

    pub(crate) fn signal(&self, sig: Sig) -> Result<(), SignalError> {
        let signal = match sig {
            Sig::Term => Signal::TERM,
            Sig::Kill => Signal::KILL,
        };
        pidfd_send_signal(&self.pidfd, signal).map_err(signal_error)
    }
}

/// Opens `pid` (0 and negative numbers name no single process and are refused before this).
pub(crate) fn open_process(pid: u32) -> Result<ProcessHandle, SignalError> {
    let raw = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or(SignalError::Gone)?;
    let pidfd = pidfd_open(raw, PidfdFlags::empty()).map_err(signal_error)?;
    Ok(ProcessHandle { pidfd, pid })
}

/// Waits until each process has exited or `timeout` passes; returns, per handle, whether it exited.
pub(crate) fn wait_exits(handles: &[&ProcessHandle], timeout: Duration) -> Vec<bool> {
    let deadline = Instant::now() + timeout;
    let mut exited = vec![false; handles.len()];
    loop {
        let waiting: Vec<usize> = (0..handles.len()).filter(|&i| !exited[i]).collect();
        let left = deadline.saturating_duration_since(Instant::now());
        if waiting.is_empty() {
            return exited;
        }
        let mut fds: Vec<PollFd<'_>> = waiting
            .iter()
            .map(|&i| PollFd::from_borrowed_fd(handles[i].pidfd.as_fd(), PollFlags::IN))
            .collect();
        let timespec = Timespec {
            tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(left.subsec_nanos()),
        };
        match poll(&mut fds, Some(&timespec)) {
            Ok(_) | Err(Errno::INTR) => {}
            // poll on pidfds does not fail otherwise; give up waiting rather than spin.
            Err(_) => return exited,
        }
        for (fd, &i) in fds.iter().zip(&waiting) {
            if !fd.revents().is_empty() {
                exited[i] = true;
            }
        }
        if left.is_zero() {
            return exited;
        }
    }
}

pub(crate) fn own_pid() -> u32 {
    rustix::process::getpid()
        .as_raw_nonzero()
        .get()
        .unsigned_abs()
}

/// Our real uid: like the kernel's kill(2) check, a process is "ours" when its real uid is this one.
pub(crate) fn own_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

pub(crate) fn own_user() -> OwnUser {
    OwnUser::Uid(own_uid())
}

/// The kernel's idle task and init: never ended.
pub(crate) const SYSTEM_PIDS: &[u32] = &[0, 1];

fn signal_error(errno: Errno) -> SignalError {
    if errno == Errno::SRCH {
        SignalError::Gone
    } else {
        SignalError::Os(errno.into())
    }
}
