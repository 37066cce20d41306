//! Who cleanup may end, decided from a scan alone. Pure logic, unit-tested on hand-made scans.
//!
//! Candidates are the holders of client zombies (plus the Gateway when it holds Gateway-side ones, so the
//! report can say why those stay). Each is refused, first reason wins: the system's own processes (pid 0/1
//! on Unix, 0/4 on Windows), ourselves or any process that started us, up the whole parent chain
//! (protected_pid); the listener's holder, or a process recognised as IB Gateway or TWS (is_gateway);
//! another user's process (other_user), or one whose owner cannot be read (owner_unknown: on Windows users
//! are SIDs, compared exactly, never folded into a number); zombies that all point at another machine
//! (other_host). When the caller
//! passes the user's confirmation (from a dry run): a process not in it (not_confirmed), the same pid with
//! another start time (identity_changed: the pid was reused), a process none of whose zombies were in the
//! dry run (not_seen_in_both_scans). Last, a live session to the Gateway that the user did not tick for
//! this very process (live_session_needs_confirmation). Every holder of a shared socket is a candidate in
//! its own right, so all of them are ended and the socket really closes.

use std::collections::BTreeMap;
use std::net::IpAddr;

use gateway_proto::{
    CleanConfirmation, PortScan, ProcessInfo, ProcessKey, RefusalReason, UnendableCode,
    UnendableZombie, ZombieSide,
};

use super::platform;
use super::sys::OwnUser;
use super::table::points_here;

/// Who is asking: the processes and user that cleanup must treat as off limits or as "ours".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Context {
    pub own_pid: u32,
    /// Our parent, its parent, and so on: never ended.
    pub ancestors: Vec<u32>,
    pub own: OwnUser,
    /// The system's own process ids (never ended): 0 and 1 on Unix, 0 (Idle) and 4 (System) on Windows.
    pub system_pids: &'static [u32],
}

impl Context {
    /// Read afresh: cleanup calls it at decision time and again right before signalling.
    pub fn current() -> Context {
        Context {
            own_pid: platform::own_pid(),
            ancestors: platform::ancestors(),
            own: platform::own_user(),
            system_pids: platform::SYSTEM_PIDS,
        }
    }

    pub fn is_ancestor(&self, pid: u32) -> bool {
        self.ancestors.contains(&pid)
    }
}

/// A candidate and the verdict on it: `None` means it may be ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decision {
    pub process: ProcessInfo,
    /// Every zombie it holds (for the report).
    pub zombie_inodes: Vec<u64>,
    /// The client zombies that justify ending it (pointing at this Gateway, and in the confirmation when
    /// there is one): right before the signal it must still hold one of these.
    pub target_inodes: Vec<u64>,
    pub refusal: Option<RefusalReason>,
}

/// The rules no caller can override, checked again right before any signal: never a system process,
/// ourselves or an ancestor; never IB Gateway or TWS; never another user's process, nor one whose owner
/// cannot be read.
pub(crate) fn absolute_refusal(process: &ProcessInfo, ctx: &Context) -> Option<RefusalReason> {
    protected(process, ctx)
        .or_else(|| process.product.map(|_| RefusalReason::IsGateway))
        .or_else(|| foreign(process, ctx))
}

/// What the caller allows beyond the fixed rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Allow<'a> {
    /// A non-loopback Gateway address whose client zombies also qualify.
    pub host: Option<IpAddr>,
    /// What the user confirmed after a dry run; `None`: any holder the other rules allow, and none with a
    /// live session.
    pub confirmation: Option<&'a CleanConfirmation>,
}

/// Decides for every holder of a zombie on the scanned port.
pub(crate) fn decide(scan: &PortScan, ctx: &Context, allow: Allow<'_>) -> Vec<Decision> {
    let Allow { host, confirmation } = allow;
    // pid -> (zombie inodes, client zombie inodes pointing at this Gateway)
    let mut held: BTreeMap<u32, (Vec<u64>, Vec<u64>)> = BTreeMap::new();
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
            if here {
                entry.1.push(socket.inode);
            }
        }
    }
    held.into_iter()
        .filter_map(|(pid, (zombie_inodes, here))| {
            // A holder missing from `processes` exited or could not be read: nothing to decide on.
            let process = scan.processes.iter().find(|p| p.pid == pid)?.clone();
            let key = ProcessKey::of(&process);
            let target_inodes: Vec<u64> = match confirmation {
                Some(c) => here
                    .iter()
                    .copied()
                    .filter(|i| c.zombie_inodes.contains(i))
                    .collect(),
                None => here.clone(),
            };
            let refusal = protected(&process, ctx)
                .or_else(|| {
                    (process.is_gateway || process.product.is_some())
                        .then_some(RefusalReason::IsGateway)
                })
                .or_else(|| foreign(&process, ctx))
                .or_else(|| here.is_empty().then_some(RefusalReason::OtherHost))
                .or_else(|| confirmation.and_then(|c| unconfirmed(c, key)))
                .or_else(|| {
                    target_inodes
                        .is_empty()
                        .then_some(RefusalReason::NotSeenInBothScans)
                })
                .or_else(|| {
                    let ticked = confirmation.is_some_and(|c| c.include_live.contains(&key));
                    (process.has_live_session && !ticked)
                        .then_some(RefusalReason::LiveSessionNeedsConfirmation)
                });
            Some(Decision {
                process,
                zombie_inodes,
                target_inodes,
                refusal,
            })
        })
        .collect()
}

/// The client zombies pointing at this Gateway that no cleanup can end: a holder cannot be seen (the
/// socket shows no holder, or a holder's details could not be read). They are said, never signalled.
pub(crate) fn unendable(scan: &PortScan, host: Option<IpAddr>) -> Vec<UnendableZombie> {
    scan.zombies
        .iter()
        .filter(|z| z.side == ZombieSide::Client)
        .filter(|z| socket_points_here(&z.socket.local_addr, &z.socket.remote_addr, host))
        .filter_map(|z| {
            let unseen: Vec<u32> = (z.socket.pids.iter())
                .filter(|pid| !scan.processes.iter().any(|p| p.pid == **pid))
                .copied()
                .collect();
            let why = if z.socket.pids.is_empty() {
                "the system does not say which program holds it (another user's program, or one \
                 Gateway Doctor has no right to look at)"
                    .to_string()
            } else if unseen.is_empty() {
                return None;
            } else {
                format!(
                    "the details of the program holding it could not be read (process {})",
                    unseen
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            Some(UnendableZombie {
                zombie: z.clone(),
                code: UnendableCode::OwnerUnknown,
                detail: format!(
                    "Gateway Doctor cannot end the program holding the stale connection from port {}: {why}. \
                     Close the program yourself, or restart the computer.",
                    z.socket.local_port
                ),
            })
        })
        .collect()
}

/// Not in the confirmation at all, or its pid confirmed with another start time (a reused pid).
fn unconfirmed(confirmation: &CleanConfirmation, key: ProcessKey) -> Option<RefusalReason> {
    if confirmation.processes.contains(&key) {
        None
    } else if confirmation.processes.iter().any(|k| k.pid == key.pid) {
        Some(RefusalReason::IdentityChanged)
    } else {
        Some(RefusalReason::NotConfirmed)
    }
}

fn protected(process: &ProcessInfo, ctx: &Context) -> Option<RefusalReason> {
    let pid = process.pid;
    (ctx.system_pids.contains(&pid) || pid <= 1 || pid == ctx.own_pid || ctx.is_ancestor(pid))
        .then_some(RefusalReason::ProtectedPid)
}

fn foreign(process: &ProcessInfo, ctx: &Context) -> Option<RefusalReason> {
    match ctx.own.owns(process) {
        Some(true) => None,
        Some(false) => Some(RefusalReason::OtherUser),
        None => Some(RefusalReason::OwnerUnknown),
    }
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
