//! A process's details on Windows: identity (creation time, owner SID) through a query handle
//! (handle.rs), everything else (name, program file, command line, environment, working folder) from
//! sysinfo (sockets/facts.rs), which reads them from the process itself. The command line and environment of another
//! user's (or an elevated) process cannot be read without admin rights: they come back empty, which the
//! ledger treats as "not visible".

use std::collections::HashMap;
use std::io;

use gateway_proto::{NO_UID, ProcessInfo};
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

use super::handle;
use super::rows::filetime_to_unix_ms;
use crate::sockets::facts::facts;
use crate::sockets::recognise::recognise;
use crate::sockets::sys::LiveIdentity;

/// The process as it is now; `Ok(None)` when there is no such process.
pub(crate) fn live_identity(pid: u32) -> io::Result<Option<LiveIdentity>> {
    let Some((start_ticks, owner_sid, exited)) = handle::query(pid)? else {
        return Ok(None);
    };
    let Some(facts) = facts(pid) else {
        return Ok(None);
    };
    Ok(Some(LiveIdentity {
        name: facts.name,
        exited,
        start_ticks,
        uid: NO_UID,
        owner_sid,
        cmdline: facts.cmdline,
    }))
}

/// Details for display and the identity to re-verify later; `Ok(None)` when the process is gone. An
/// error (the process cannot be opened even to query it) makes it a holder that could not be read.
/// `_users` (a uid cache) has no use where users are SIDs; only our own account is named.
pub(crate) fn process_info(
    pid: u32,
    _users: &mut HashMap<u32, Option<String>>,
) -> io::Result<Option<ProcessInfo>> {
    let Some((start_ticks, owner_sid, _)) = handle::query(pid)? else {
        return Ok(None);
    };
    let Some(facts) = facts(pid) else {
        return Ok(None);
    };
    Ok(Some(ProcessInfo {
        pid,
        product: recognise(&facts.name, facts.exe.as_deref(), &facts.cmdline),
        name: facts.name,
        cmdline: facts.cmdline,
        uid: NO_UID,
        user: owner_sid.as_deref().and_then(account_name),
        owner_sid,
        start_ticks,
        started_at_ms: filetime_to_unix_ms(start_ticks),
        is_gateway: false,
        has_live_session: false,
    }))
}

/// Our parent, its parent, and so on: the processes that started Gateway Doctor, nearest first. Windows
/// keeps a parent pid after the parent exits (and may give it to a new process), so the walk stops at a
/// parent that started after its child.
pub(crate) fn ancestors() -> Vec<u32> {
    let system = {
        let mut s = System::new();
        s.refresh_processes_specifics(ProcessesToUpdate::All, true, ProcessRefreshKind::nothing());
        s
    };
    let mut out = Vec::new();
    let mut pid = Pid::from_u32(std::process::id());
    while out.len() < 4096 {
        let Some(me) = system.process(pid) else {
            break;
        };
        let Some(parent) = me.parent() else {
            break;
        };
        let Some(parent_process) = system.process(parent) else {
            break;
        };
        let raw = parent.as_u32();
        if raw == 0 || out.contains(&raw) || parent_process.start_time() > me.start_time() {
            break;
        }
        out.push(raw);
        pid = parent;
    }
    out
}

/// The account name of a process that runs as us (from our own environment, display only); another
/// account stays unnamed ("another user"): sysinfo's user list crashes under Wine (a null buffer turned
/// into a slice), and naming other accounts is not worth more unsafe calls here.
fn account_name(sid: &str) -> Option<String> {
    let own = handle::own_sid().ok()?;
    if own == sid {
        std::env::var("USERNAME").ok()
    } else {
        None
    }
}
