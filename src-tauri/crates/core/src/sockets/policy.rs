//! Who cleanup may end, decided from a scan alone. Pure logic, unit-tested on hand-made scans.
//!
//! Candidates are the holders of client zombies (plus the Gateway when it holds Gateway-side ones, so the
//! report can say why those stay). Each is refused, first reason wins: pid 0/1, ourselves or our parent
//! (protected_pid); the listener's holder (is_gateway); another user's process (other_user); zombies that
//! all point at another machine (other_host); a process the user did not confirm, when the caller names the
//! confirmed pids (not_confirmed); a live session to the port without the user's confirmation
//! (live_session_needs_confirmation). and, when the caller passes the pids the user confirmed, any process not
//! among them (not_confirmed). Every holder of a shared socket is a candidate in its own right, so
//! all of them are ended and the socket really closes.

use std::collections::BTreeMap;
use std::net::IpAddr;

use gateway_proto::{PortScan, ProcessInfo, RefusalReason, ZombieSide};

use super::platform;
use super::table::points_here;

/// Who is asking: the processes and user that cleanup must treat as off limits or as "ours".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Context {
    pub own_pid: u32,
    pub parent_pid: Option<u32>,
    pub own_uid: u32,
}

impl Context {
    pub fn current() -> Context {
        Context {
            own_pid: platform::own_pid(),
            parent_pid: platform::parent_pid(),
            own_uid: platform::own_uid(),
        }
    }
}

/// A candidate and the verdict on it: `None` means it may be ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decision {
    pub process: ProcessInfo,
    pub zombie_inodes: Vec<u64>,
    pub refusal: Option<RefusalReason>,
}

/// The rules no caller can override, checked again right before any signal: never pid 0/1, ourselves or
/// our parent; never another user's process.
pub(crate) fn absolute_refusal(process: &ProcessInfo, ctx: &Context) -> Option<RefusalReason> {
    protected(process, ctx).or_else(|| foreign(process, ctx))
}

/// What the caller allows beyond the fixed rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Allow<'a> {
    /// Holders of a live session too (the user confirmed).
    pub include_live: bool,
    /// A non-loopback Gateway address whose client zombies also qualify.
    pub host: Option<IpAddr>,
    /// Only these pids (the ones the user confirmed); `None`: any holder.
    pub only_pids: Option<&'a [u32]>,
}

/// Decides for every holder of a zombie on the scanned port.
pub(crate) fn decide(scan: &PortScan, ctx: &Context, allow: Allow<'_>) -> Vec<Decision> {
    let Allow {
        include_live,
        host,
        only_pids,
    } = allow;
    // pid -> (zombie inodes, whether any of its client zombies points at this Gateway)
    let mut held: BTreeMap<u32, (Vec<u64>, bool)> = BTreeMap::new();
    for zombie in &scan.zombies {
        let socket = &zombie.socket;
        for &pid in &socket.pids {
            let here = match zombie.side {
                ZombieSide::Client => {
                    socket_points_here(&socket.local_addr, &socket.remote_addr, host)
                }
                // Only the Gateway itself is listed for Gateway-side zombies (to say why they stay).
                ZombieSide::Gateway if is_gateway(scan, pid) => false,
                ZombieSide::Gateway => continue,
            };
            let entry = held.entry(pid).or_default();
            entry.0.push(socket.inode);
            entry.1 |= here;
        }
    }
    held.into_iter()
        .filter_map(|(pid, (zombie_inodes, here))| {
            // A holder missing from `processes` exited or could not be read: nothing to decide on.
            let process = scan.processes.iter().find(|p| p.pid == pid)?.clone();
            let refusal = protected(&process, ctx)
                .or_else(|| process.is_gateway.then_some(RefusalReason::IsGateway))
                .or_else(|| foreign(&process, ctx))
                .or_else(|| (!here).then_some(RefusalReason::OtherHost))
                .or_else(|| {
                    only_pids
                        .is_some_and(|pids| !pids.contains(&pid))
                        .then_some(RefusalReason::NotConfirmed)
                })
                .or_else(|| {
                    (process.has_live_session && !include_live)
                        .then_some(RefusalReason::LiveSessionNeedsConfirmation)
                });
            Some(Decision {
                process,
                zombie_inodes,
                refusal,
            })
        })
        .collect()
}

fn protected(process: &ProcessInfo, ctx: &Context) -> Option<RefusalReason> {
    let pid = process.pid;
    (pid <= 1 || pid == ctx.own_pid || Some(pid) == ctx.parent_pid)
        .then_some(RefusalReason::ProtectedPid)
}

fn foreign(process: &ProcessInfo, ctx: &Context) -> Option<RefusalReason> {
    (process.uid != ctx.own_uid).then_some(RefusalReason::OtherUser)
}

fn is_gateway(scan: &PortScan, pid: u32) -> bool {
    scan.processes.iter().any(|p| p.pid == pid && p.is_gateway)
}

/// Addresses come from the scan as text; one that does not parse is not treated as this Gateway.
fn socket_points_here(local: &str, remote: &str, host: Option<IpAddr>) -> bool {
    match (local.parse(), remote.parse()) {
        (Ok(local), Ok(remote)) => points_here(local, remote, host),
        _ => false,
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
