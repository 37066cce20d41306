//! Every OS but Linux, macOS and Windows (the BSDs, for instance): each entry point answers
//! [`SocketError::Unsupported`], and nothing is ever signalled.

use std::collections::{HashMap, HashSet};
use std::io;
use std::time::Duration;

use gateway_proto::ProcessInfo;

use super::error::SocketError;
use super::sys::{Holders, LiveIdentity, OwnUser, Sig, SignalError};
use super::table::RawSocket;

#[derive(Debug)]
pub(crate) struct ProcessHandle;

impl ProcessHandle {
    pub(crate) fn live_identity(&self) -> io::Result<Option<LiveIdentity>> {
        Err(unsupported())
    }

    pub(crate) fn signal(&self, _sig: Sig) -> Result<(), SignalError> {
        Err(SignalError::Os(unsupported()))
    }
}

pub(crate) fn port_sockets(_ports: &[u16]) -> Result<Vec<RawSocket>, SocketError> {
    Err(SocketError::Unsupported)
}

pub(crate) fn accept_queue(_listener: &RawSocket) -> Option<u32> {
    None
}

pub(crate) fn socket_holders(_inodes: &HashSet<u64>) -> Holders {
    Holders::default()
}

pub(crate) fn live_identity(_pid: u32) -> io::Result<Option<LiveIdentity>> {
    Err(unsupported())
}

pub(crate) fn process_info(
    _pid: u32,
    _users: &mut HashMap<u32, Option<String>>,
) -> io::Result<Option<ProcessInfo>> {
    Err(unsupported())
}

pub(crate) fn open_process(_pid: u32) -> Result<ProcessHandle, SignalError> {
    Err(SignalError::Os(unsupported()))
}

pub(crate) fn wait_exits(handles: &[&ProcessHandle], _timeout: Duration) -> Vec<bool> {
    vec![false; handles.len()]
}

pub(crate) fn own_pid() -> u32 {
    std::process::id()
}

pub(crate) fn ancestors() -> Vec<u32> {
    Vec::new()
}

pub(crate) fn holds_any_socket(_pid: u32, _inodes: &[u64]) -> io::Result<bool> {
    Err(unsupported())
}

pub(crate) fn environ(_pid: u32) -> io::Result<Vec<u8>> {
    Err(unsupported())
}

pub(crate) fn cwd(_pid: u32) -> io::Result<std::path::PathBuf> {
    Err(unsupported())
}

/// No user is known, so no process counts as ours.
pub(crate) fn own_user() -> OwnUser {
    OwnUser::Sid(None)
}

pub(crate) const SYSTEM_PIDS: &[u32] = &[0, 1];

fn unsupported() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "not supported on this platform (Linux, macOS and Windows only)",
    )
}
