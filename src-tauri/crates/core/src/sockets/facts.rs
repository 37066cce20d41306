//! What sysinfo shows of one process on Windows and macOS (name, program file, command line, environment,
//! working folder): the parts of a process's details that identity does not depend on, or (the command
//! line) that both the scan and the identity check read the same way. Linux reads /proc directly
//! (linux/procfs.rs), which is as precise and cheaper.

use std::io;
use std::path::PathBuf;

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

/// What sysinfo shows of one process.
pub(crate) struct Facts {
    #[cfg_attr(target_os = "macos", allow(dead_code))] // macOS takes the name from proc_bsdinfo
    pub name: String,
    pub exe: Option<String>,
    pub cmdline: Vec<String>,
}

/// The process list's entry for `pid`, refreshed now; `None` when there is no such process.
pub(crate) fn facts(pid: u32) -> Option<Facts> {
    let system = refreshed(
        pid,
        ProcessRefreshKind::nothing()
            .with_cmd(UpdateKind::Always)
            .with_exe(UpdateKind::Always),
    );
    let process = system.process(Pid::from_u32(pid))?;
    Some(Facts {
        name: process.name().to_string_lossy().into_owned(),
        exe: process.exe().map(|p| p.to_string_lossy().into_owned()),
        cmdline: process
            .cmd()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
    })
}

/// The process's environment, NUL-separated `KEY=value` (as Linux's /proc/PID/environ).
pub(crate) fn environ(pid: u32) -> io::Result<Vec<u8>> {
    let system = refreshed(
        pid,
        ProcessRefreshKind::nothing().with_environ(UpdateKind::Always),
    );
    let process = system
        .process(Pid::from_u32(pid))
        .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
    let mut out = Vec::new();
    for pair in process.environ() {
        out.extend_from_slice(pair.to_string_lossy().as_bytes());
        out.push(0);
    }
    Ok(out)
}

/// The process's working folder.
pub(crate) fn cwd(pid: u32) -> io::Result<PathBuf> {
    let system = refreshed(
        pid,
        ProcessRefreshKind::nothing().with_cwd(UpdateKind::Always),
    );
    system
        .process(Pid::from_u32(pid))
        .and_then(|p| p.cwd().map(PathBuf::from))
        .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
}

fn refreshed(pid: u32, kind: ProcessRefreshKind) -> System {
    let mut system = System::new();
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&[Pid::from_u32(pid)]), true, kind);
    system
}
