//! A process's identity and details on macOS: proc_bsdinfo through libproc (real uid, parent, start time to
//! the microsecond, name), the command line, environment and working folder through sysinfo
//! (sockets/facts.rs). And ending it: macOS has no pidfd, so right before each kill(2) the start time and
//! uid are read again and compared with those seen when cleanup opened it; a pid reused in between has
//! another start time and is not signalled. (The window left, between that read and kill(2), is a few
//! microseconds, and a pid is reused only after the pid space wraps.)

use std::collections::HashMap;
use std::io;
use std::time::{Duration, Instant};

use gateway_proto::ProcessInfo;
use libproc::bsd_info::BSDInfo;
use libproc::proc_pid::pidinfo;
use rustix::io::Errno;
use rustix::process::{Pid, Signal, kill_process, test_kill_process};

use super::records::{BsdRecord, c_name};
use crate::sockets::facts::facts;
use crate::sockets::recognise::recognise;
use crate::sockets::sys::{LiveIdentity, OwnUser, Sig, SignalError};

/// How often wait_exits looks again.
const POLL: Duration = Duration::from_millis(20);

/// A process as cleanup opened it: its pid, and the start time and uid to find it by again.
#[derive(Debug)]
pub(crate) struct ProcessHandle {
    pid: u32,
    start_micros: u64,
    ruid: u32,
}

impl ProcessHandle {
    pub(crate) fn live_identity(&self) -> io::Result<Option<LiveIdentity>> {
        live_identity(self.pid)
    }

    /// Re-reads start time and uid, then kill(2).
    pub(crate) fn signal(&self, sig: Sig) -> Result<(), SignalError> {
        if !self.still_running()? {
            return Err(SignalError::Gone);
        }
        let signal = match sig {
            Sig::Term => Signal::TERM,
            Sig::Kill => Signal::KILL,
        };
        kill_process(pid_of(self.pid)?, signal).map_err(signal_error)
    }

    /// The same process (start time and uid), not yet exited.
    fn still_running(&self) -> Result<bool, SignalError> {
        match bsd(self.pid).map_err(SignalError::Os)? {
            Some(now) => Ok(now.start_micros() == self.start_micros
                && now.ruid == self.ruid
                && !now.identity(Vec::new()).exited),
            None => Ok(false),
        }
    }
}

pub(crate) fn open_process(pid: u32) -> Result<ProcessHandle, SignalError> {
    let record = bsd(pid)
        .map_err(SignalError::Os)?
        .ok_or(SignalError::Gone)?;
    Ok(ProcessHandle {
        pid,
        start_micros: record.start_micros(),
        ruid: record.ruid,
    })
}

/// Polls until each process has exited (or its pid names another process) or `timeout` passes.
pub(crate) fn wait_exits(handles: &[&ProcessHandle], timeout: Duration) -> Vec<bool> {
    let deadline = Instant::now() + timeout;
    let mut exited = vec![false; handles.len()];
    loop {
        for (i, h) in handles.iter().enumerate() {
            // A process whose state cannot be read is not counted as gone.
            if !exited[i] && matches!(h.still_running(), Ok(false)) {
                exited[i] = true;
            }
        }
        if exited.iter().all(|e| *e) || Instant::now() >= deadline {
            return exited;
        }
        std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
    }
}

/// The process's BSD record; `Ok(None)` when there is no such process.
pub(crate) fn bsd(pid: u32) -> io::Result<Option<BsdRecord>> {
    let raw = i32::try_from(pid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    match pidinfo::<BSDInfo>(raw, 0) {
        Ok(info) => Ok(Some(BsdRecord {
            pid: info.pbi_pid,
            ppid: info.pbi_ppid,
            ruid: info.pbi_ruid,
            status: info.pbi_status,
            name: {
                let name = c_name(&info.pbi_name.map(|c| c as u8));
                if name.is_empty() {
                    c_name(&info.pbi_comm.map(|c| c as u8))
                } else {
                    name
                }
            },
            start_sec: info.pbi_start_tvsec,
            start_usec: info.pbi_start_tvusec,
        })),
        // libproc's errors are text: ask the kernel whether the pid exists at all.
        Err(text) => match Pid::from_raw(raw).map(test_kill_process) {
            Some(Err(Errno::SRCH)) | None => Ok(None),
            _ => Err(io::Error::other(text)),
        },
    }
}

pub(crate) fn live_identity(pid: u32) -> io::Result<Option<LiveIdentity>> {
    let Some(record) = bsd(pid)? else {
        return Ok(None);
    };
    let cmdline = facts(pid).map(|f| f.cmdline).unwrap_or_default();
    Ok(Some(record.identity(cmdline)))
}

/// Details for display and the identity to re-verify later; `Ok(None)` when the process is gone.
pub(crate) fn process_info(
    pid: u32,
    users: &mut HashMap<u32, Option<String>>,
) -> io::Result<Option<ProcessInfo>> {
    let Some(record) = bsd(pid)? else {
        return Ok(None);
    };
    let facts = facts(pid);
    let exe = facts.as_ref().and_then(|f| f.exe.clone());
    let cmdline = facts.map(|f| f.cmdline).unwrap_or_default();
    let user = users
        .entry(record.ruid)
        .or_insert_with(|| {
            uzers::get_user_by_uid(record.ruid).map(|u| u.name().to_string_lossy().into_owned())
        })
        .clone();
    Ok(Some(ProcessInfo {
        pid,
        product: recognise(&record.name, exe.as_deref(), &cmdline),
        name: record.name.clone(),
        uid: record.ruid,
        owner_sid: None,
        user,
        start_ticks: record.start_micros(),
        started_at_ms: record.started_at_ms(),
        is_gateway: false,
        has_live_session: false,
        cmdline,
    }))
}

/// Our parent, its parent, and so on up to launchd: the processes that started Gateway Doctor.
pub(crate) fn ancestors() -> Vec<u32> {
    let mut out = Vec::new();
    let mut pid = std::process::id();
    while out.len() < 4096 {
        match bsd(pid) {
            Ok(Some(record)) if record.ppid > 0 && !out.contains(&record.ppid) => {
                out.push(record.ppid);
                pid = record.ppid;
            }
            _ => break,
        }
    }
    out
}

pub(crate) fn own_pid() -> u32 {
    std::process::id()
}

/// Our real uid: like kill(2)'s check, a process is "ours" when its real uid is this one.
pub(crate) fn own_user() -> OwnUser {
    OwnUser::Uid(rustix::process::getuid().as_raw())
}

/// The kernel task and launchd: never ended.
pub(crate) const SYSTEM_PIDS: &[u32] = &[0, 1];

fn pid_of(pid: u32) -> Result<Pid, SignalError> {
    i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or(SignalError::Gone)
}

fn signal_error(errno: Errno) -> SignalError {
    if errno == Errno::SRCH {
        SignalError::Gone
    } else {
        SignalError::Os(errno.into())
    }
}
