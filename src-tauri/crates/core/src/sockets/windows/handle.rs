//! Ending a process on Windows as safely as Linux's pidfd, through one process handle.
//!
//! Cleanup opens the process with the least rights it needs (PROCESS_QUERY_LIMITED_INFORMATION to read its
//! creation time and owner, PROCESS_TERMINATE, SYNCHRONIZE to wait for it). While a handle is open Windows
//! cannot give the pid to another process, so the identity read through it (creation FILETIME from
//! GetProcessTimes, owner SID from its token) is the identity of the process that is then ended, through
//! that same handle.
//!
//! "Ask it to stop, then force": Term posts WM_CLOSE to the process's visible top-level windows, which a
//! windowed program handles as if its window's X were clicked (it may save, ask, or close). A console
//! program has no polite request that can be sent safely from outside: GenerateConsoleCtrlEvent needs us
//! to attach to its console and reaches its whole process group. So Term does nothing for a program
//! without a window, and it is ended by Kill (TerminateProcess through the handle) after the grace period.
//! Waiting is WaitForSingleObject on each handle against one shared deadline.
//!
//! This module is the one place on Windows that calls the OS directly; each unsafe block says why it is
//! sound.

#![allow(unsafe_code)]

use std::io;
use std::ptr;
use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_INVALID_PARAMETER, FILETIME, HANDLE, HWND, LPARAM, LocalFree, WAIT_OBJECT_0,
};
use windows_sys::Win32::Security::Authorization::ConvertSidToStringSidW;
use windows_sys::Win32::Security::{GetTokenInformation, TOKEN_QUERY, TOKEN_USER, TokenUser};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, GetExitCodeProcess, GetProcessTimes, OpenProcess, OpenProcessToken,
    PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SYNCHRONIZE, PROCESS_TERMINATE, TerminateProcess,
    WaitForSingleObject,
};
use windows_sys::Win32::UI::WindowsAndMessaging::{
    EnumWindows, GW_OWNER, GetWindow, GetWindowThreadProcessId, IsWindowVisible, PostMessageW,
    WM_CLOSE,
};

use crate::sockets::sys::{LiveIdentity, Sig, SignalError};

/// The exit code a process ended by Kill reports.
const KILLED_EXIT_CODE: u32 = 1;
/// GetExitCodeProcess's "still running".
const STILL_ACTIVE: u32 = 259;

/// An open process: its pid cannot be reused while this is alive.
#[derive(Debug)]
pub(crate) struct ProcessHandle {
    handle: OwnedHandle,
    pid: u32,
}

impl ProcessHandle {
    /// The identity of the process behind the handle: creation time and owner through the handle itself,
    /// name and command line from the process list (the pid is pinned by the handle).
    pub(crate) fn live_identity(&self) -> io::Result<Option<LiveIdentity>> {
        let start_ticks = creation_time(self.handle.0)?;
        let owner_sid = token_owner_sid(self.handle.0).ok();
        let exited = exit_code(self.handle.0)? != STILL_ACTIVE;
        let Some(facts) = crate::sockets::facts::facts(self.pid) else {
            return Ok(None);
        };
        Ok(Some(LiveIdentity {
            name: facts.name,
            exited,
            start_ticks,
            uid: gateway_proto::NO_UID,
            owner_sid,
            cmdline: facts.cmdline,
        }))
    }

    pub(crate) fn signal(&self, sig: Sig) -> Result<(), SignalError> {
        match sig {
            Sig::Term => {
                post_close_to_windows(self.pid);
                Ok(())
            }
            // SAFETY: the handle is open (owned by self) and was opened with PROCESS_TERMINATE.
            Sig::Kill => match unsafe { TerminateProcess(self.handle.0, KILLED_EXIT_CODE) } {
                0 => {
                    // Terminating a process that already exited fails with access denied; that is done.
                    if exit_code(self.handle.0).is_ok_and(|c| c != STILL_ACTIVE) {
                        Err(SignalError::Gone)
                    } else {
                        Err(SignalError::Os(io::Error::last_os_error()))
                    }
                }
                _ => Ok(()),
            },
        }
    }
}

/// Opens `pid` for query, terminate and wait.
pub(crate) fn open_process(pid: u32) -> Result<ProcessHandle, SignalError> {
    let rights = PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_TERMINATE | PROCESS_SYNCHRONIZE;
    let handle = open(pid, rights).map_err(|err| {
        // No such process: OpenProcess answers "invalid parameter".
        if err.raw_os_error() == Some(ERROR_INVALID_PARAMETER as i32) {
            SignalError::Gone
        } else {
            SignalError::Os(err)
        }
    })?;
    Ok(ProcessHandle { handle, pid })
}

/// Opens `pid` to read its creation time and owner (the scan's record and the identity check).
pub(crate) fn query(pid: u32) -> io::Result<Option<(u64, Option<String>, bool)>> {
    let handle = match open(pid, PROCESS_QUERY_LIMITED_INFORMATION) {
        Ok(handle) => handle,
        Err(err) if err.raw_os_error() == Some(ERROR_INVALID_PARAMETER as i32) => return Ok(None),
        Err(err) => return Err(err),
    };
    let created = creation_time(handle.0)?;
    let exited = exit_code(handle.0)? != STILL_ACTIVE;
    Ok(Some((created, token_owner_sid(handle.0).ok(), exited)))
}

/// Our own SID, from our process token.
pub(crate) fn own_sid() -> io::Result<String> {
    // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no closing and is always valid.
    token_owner_sid(unsafe { GetCurrentProcess() })
}

/// Waits until each process has exited or `timeout` passes; returns, per handle, whether it exited.
pub(crate) fn wait_exits(handles: &[&ProcessHandle], timeout: Duration) -> Vec<bool> {
    let deadline = Instant::now() + timeout;
    handles
        .iter()
        .map(|h| {
            let left = deadline.saturating_duration_since(Instant::now());
            let ms = u32::try_from(left.as_millis()).unwrap_or(u32::MAX - 1);
            // SAFETY: the handle is open (borrowed from a live ProcessHandle) and has SYNCHRONIZE.
            unsafe { WaitForSingleObject(h.handle.0, ms) == WAIT_OBJECT_0 }
        })
        .collect()
}

/// A handle closed when dropped.
#[derive(Debug)]
struct OwnedHandle(HANDLE);

impl Drop for OwnedHandle {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenProcess, is non-null and is closed exactly once, here.
        unsafe {
            CloseHandle(self.0);
        }
    }
}

fn open(pid: u32, rights: u32) -> io::Result<OwnedHandle> {
    // SAFETY: OpenProcess takes plain values and returns a new handle or null.
    let handle = unsafe { OpenProcess(rights, 0, pid) };
    if handle.is_null() {
        Err(io::Error::last_os_error())
    } else {
        Ok(OwnedHandle(handle))
    }
}

/// The creation time as a FILETIME in one u64 (100 ns units since 1601).
fn creation_time(handle: HANDLE) -> io::Result<u64> {
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
    // SAFETY: the handle is open with PROCESS_QUERY_LIMITED_INFORMATION; the four out-pointers point at
    // live, writable FILETIMEs.
    let ok = unsafe { GetProcessTimes(handle, &mut created, &mut exited, &mut kernel, &mut user) };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((u64::from(created.dwHighDateTime) << 32) | u64::from(created.dwLowDateTime))
}

fn exit_code(handle: HANDLE) -> io::Result<u32> {
    let mut code = 0u32;
    // SAFETY: the handle is open with PROCESS_QUERY_LIMITED_INFORMATION; `code` is writable.
    if unsafe { GetExitCodeProcess(handle, &mut code) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(code)
}

/// The string SID (`S-1-5-21-...`) of the user a process runs as, from its token.
fn token_owner_sid(process: HANDLE) -> io::Result<String> {
    let mut token: HANDLE = ptr::null_mut();
    // SAFETY: `process` is an open handle with PROCESS_QUERY_LIMITED_INFORMATION (or our pseudo-handle);
    // `token` is writable and receives a new handle on success.
    if unsafe { OpenProcessToken(process, TOKEN_QUERY, &mut token) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let token = OwnedHandle(token);
    // TOKEN_USER plus the SID it points into: asked for its size first. u64 elements keep the buffer
    // aligned for TOKEN_USER's pointer.
    let mut needed = 0u32;
    // SAFETY: a size query: null buffer with length 0; `needed` is writable.
    unsafe { GetTokenInformation(token.0, TokenUser, ptr::null_mut(), 0, &mut needed) };
    if needed == 0 {
        return Err(io::Error::last_os_error());
    }
    let mut buffer = vec![0u64; (needed as usize).div_ceil(8)];
    // SAFETY: the buffer is writable and at least `needed` bytes long.
    let ok = unsafe {
        GetTokenInformation(
            token.0,
            TokenUser,
            buffer.as_mut_ptr().cast(),
            needed,
            &mut needed,
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: on success the buffer starts with a TOKEN_USER (aligned: u64 buffer), whose SID pointer
    // points inside the same buffer, alive until the end of this function.
    let sid = unsafe { (*buffer.as_ptr().cast::<TOKEN_USER>()).User.Sid };
    let mut text: *mut u16 = ptr::null_mut();
    // SAFETY: `sid` is a valid SID (above); `text` receives a LocalAlloc'd, NUL-terminated string.
    if unsafe { ConvertSidToStringSidW(sid, &mut text) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `text` is a NUL-terminated UTF-16 string from ConvertSidToStringSidW; read up to the NUL,
    // then freed once with LocalFree as its documentation requires.
    let sid = unsafe {
        let mut len = 0usize;
        while *text.add(len) != 0 {
            len += 1;
        }
        let sid = String::from_utf16_lossy(std::slice::from_raw_parts(text, len));
        LocalFree(text.cast());
        sid
    };
    Ok(sid)
}

/// Posts WM_CLOSE to every visible, unowned top-level window of `pid` (its main windows, not dialogs).
fn post_close_to_windows(pid: u32) {
    let mut windows: Vec<HWND> = Vec::new();
    let mut search = (pid, &mut windows);
    // SAFETY: `collect` only runs during EnumWindows, which returns before `search` goes out of scope; the
    // LPARAM is a pointer to `search`, used with its own type in `collect`.
    unsafe {
        EnumWindows(Some(collect), ptr::from_mut(&mut search) as LPARAM);
    }
    for hwnd in windows {
        // SAFETY: PostMessageW takes plain values; a window closed since the enumeration fails harmlessly.
        unsafe {
            PostMessageW(hwnd, WM_CLOSE, 0, 0);
        }
    }
}

/// EnumWindows callback: keeps the windows of the wanted pid. Returns 1 to go on.
unsafe extern "system" fn collect(hwnd: HWND, lparam: LPARAM) -> i32 {
    // SAFETY: `lparam` is the `(u32, &mut Vec<HWND>)` that post_close_to_windows passed, alive and not
    // otherwise borrowed during EnumWindows.
    let (pid, windows) = unsafe { &mut *(lparam as *mut (u32, &mut Vec<HWND>)) };
    let mut owner = 0u32;
    // SAFETY: `hwnd` comes from EnumWindows; `owner` is writable.
    unsafe { GetWindowThreadProcessId(hwnd, &mut owner) };
    // SAFETY: plain queries on a window handle from EnumWindows.
    let main_window = unsafe { IsWindowVisible(hwnd) != 0 && GetWindow(hwnd, GW_OWNER).is_null() };
    if owner == *pid && main_window {
        windows.push(hwnd);
    }
    1
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::process::{Command, Stdio};

    use super::*;

    /// A console program of ours that waits for a key that never comes.
    fn waiting_child() -> std::process::Child {
        Command::new("cmd")
            .args(["/c", "pause"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start cmd /c pause")
    }

    #[test]
    fn a_process_is_identified_and_ended_through_one_handle() {
        let mut child = waiting_child();
        let pid = child.id();
        let info = super::super::process::process_info(pid, &mut HashMap::new())
            .expect("read the child")
            .expect("the child runs");
        // Our own child runs as us, and its SID reads the same through the scan and through our token.
        let own = own_sid().expect("our own SID");
        assert_eq!(info.owner_sid.as_deref(), Some(own.as_str()));
        assert!(own.starts_with("S-1-"), "{own}");
        let handle = open_process(pid).expect("open the child");
        let live = handle
            .live_identity()
            .expect("read through the handle")
            .expect("still there");
        assert_eq!(live.start_ticks, info.start_ticks);
        assert_eq!(live.owner_sid, info.owner_sid);
        assert!(!live.exited);
        // A console program has no window: the polite request does nothing.
        handle.signal(Sig::Term).expect("term");
        let after_term = handle.live_identity().expect("read").expect("there");
        assert!(!after_term.exited);
        handle.signal(Sig::Kill).expect("kill");
        assert_eq!(wait_exits(&[&handle], Duration::from_secs(10)), [true]);
        let after_kill = handle.live_identity().expect("read").map(|l| l.exited);
        assert_ne!(after_kill, Some(false));
        let _ = child.wait();
    }

    #[test]
    fn a_process_that_does_not_exist_is_gone() {
        // Windows pids are multiples of 4; an odd one never names a process.
        assert!(matches!(open_process(4_000_001), Err(SignalError::Gone)));
        assert!(matches!(query(4_000_001), Ok(None)));
    }
}
