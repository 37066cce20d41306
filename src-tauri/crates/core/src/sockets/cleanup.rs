//! The cleanup: scan, decide (`policy`), end the eligible processes ([`terminate`]), re-scan to confirm.
//!
//! Ending is "ask to stop" (SIGTERM; on Windows WM_CLOSE to the program's windows) to every eligible process
//! at once, one shared grace period, "force" (SIGKILL; TerminateProcess) to those still running, and a
//! bounded wait for those; so ten zombie holders take one grace period, not ten. Right before the first
//! signal each process is checked again: the fixed rules with our parent chain read afresh, then a handle is
//! opened (Linux pidfd, Windows process handle, macOS a start-time check) and the identity behind it re-read
//! (a pid reused since the scan is never signalled), then its open files must still include one of the
//! zombie sockets it was chosen for. Client zombies whose holder cannot be seen are reported in
//! `cannot_end` (code OWNER_UNKNOWN), never signalled.
//!
//! A confirmed cleanup ([`CleanOptions::confirmation`]) acts only on processes (pid and start time) and
//! zombie sockets that the user saw in the dry run, so every socket it acts on was stale in two scans.

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use gateway_proto::{
    CleanConfirmation, CleanOutcome, CleanReport, CleanResult, ProcessInfo, RefusalReason,
    ZombieSide,
};

use super::detail::describe;
use super::error::SocketError;
use super::identity::{self, IdentityCheck, verify_identity};
use super::platform::{self, ProcessHandle};
use super::policy::{Allow, Context, absolute_refusal, decide, unendable};
use super::scan::scan_with_api_ports;
use super::sys::{Sig, SignalError};
use super::table::API_PORTS;

/// How long a process may take to die after SIGKILL before it is reported as failed.
const KILL_WAIT: Duration = Duration::from_secs(2);
/// How long the re-scan waits for the kernel to drop the ended processes' sockets.
const CONFIRM_WAIT: Duration = Duration::from_secs(1);

/// What [`clean`] may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanOptions {
    /// Time between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// Decide and report; signal nothing.
    pub dry_run: bool,
    /// A non-loopback Gateway address (the configured host) whose client zombies also qualify. Zombies to
    /// loopback or to this machine's own address always do; zombies to any other machine never do.
    pub host: Option<IpAddr>,
    /// What the user confirmed after the dry run: only those processes (pid and start time) and only
    /// those zombie sockets; a live session only for the processes ticked one by one. `None`: every holder
    /// the rules allow, and never one with a live session.
    pub confirmation: Option<CleanConfirmation>,
    /// The host's API ports whose working connections count as a live session (the scanned port always
    /// does). Default: 4001, 4002, 7496, 7497.
    pub api_ports: Vec<u16>,
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions {
            grace: Duration::from_secs(3),
            dry_run: false,
            host: None,
            confirmation: None,
            api_ports: API_PORTS.to_vec(),
        }
    }
}

/// A process to end and the zombie sockets it was chosen for: right before the signal it must still hold
/// one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanTarget {
    pub process: ProcessInfo,
    pub zombie_inodes: Vec<u64>,
}

/// Scans `port`, ends the client zombies' holders that the rules allow, and re-scans to confirm.
pub fn clean(port: u16, options: &CleanOptions) -> Result<CleanReport, SocketError> {
    let started = Instant::now();
    let before = scan_with_api_ports(port, &options.api_ports)?;
    let ctx = Context::current();
    let mut outcomes = Vec::new();
    let mut eligible = Vec::new();
    let allow = Allow {
        host: options.host,
        confirmation: options.confirmation.as_ref(),
    };
    for decision in decide(&before, &ctx, allow) {
        match decision.refusal {
            Some(reason) => {
                let mut outcome =
                    Step::refused(reason).into_outcome(&decision.process, &ctx, options.grace);
                outcome.zombie_inodes = decision.zombie_inodes;
                outcomes.push(outcome);
            }
            None => eligible.push(decision),
        }
    }
    let targets: Vec<CleanTarget> = eligible
        .iter()
        .map(|d| CleanTarget {
            process: d.process.clone(),
            zombie_inodes: d.target_inodes.clone(),
        })
        .collect();
    let ended = if options.dry_run {
        dry_run(&targets, &ctx, options.grace)
    } else {
        stop(&targets, options.grace)
    };
    let mut gone_inodes = HashSet::new();
    for (mut outcome, decision) in ended.into_iter().zip(eligible) {
        if matches!(
            outcome.result,
            CleanResult::Terminated | CleanResult::KilledAfterGrace
        ) {
            gone_inodes.extend(decision.zombie_inodes.iter().copied());
        }
        outcome.zombie_inodes = decision.zombie_inodes;
        outcomes.push(outcome);
    }
    outcomes.sort_by_key(|o| o.process.pid);
    let after = if gone_inodes.is_empty() {
        before
    } else {
        confirm_gone(port, &options.api_ports, &gone_inodes)?
    };
    Ok(CleanReport {
        port,
        dry_run: options.dry_run,
        outcomes,
        cannot_end: unendable(&after, options.host),
        remaining_client_zombies: after
            .zombies
            .iter()
            .filter(|z| z.side == ZombieSide::Client)
            .cloned()
            .collect(),
        gateway_zombies: after
            .zombies
            .iter()
            .filter(|z| z.side == ZombieSide::Gateway)
            .count()
            .try_into()
            .unwrap_or(u32::MAX),
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// Ends `targets` (processes recorded by a scan): SIGTERM, `grace`, SIGKILL. Only the rules that hold for any
/// caller are applied here (never pid 0/1, ourselves, an ancestor or another user's process; never a
/// process whose identity differs from the record or that no longer holds one of its zombie sockets);
/// [`clean`] applies the port's rules (the Gateway, live sessions, the confirmation) first. One outcome per
/// target, in order, with `zombie_inodes` left empty for the caller.
pub fn terminate(targets: &[CleanTarget], grace: Duration) -> Vec<CleanOutcome> {
    stop(targets, grace)
}

fn stop(targets: &[CleanTarget], grace: Duration) -> Vec<CleanOutcome> {
    // Read now, at signal time: the parent chain may have changed since the decision.
    let ctx = &Context::current();
    let mut endings: Vec<Ending> = targets
        .iter()
        .map(|target| {
            let (step, handle) = open_verified(target, ctx);
            Ending {
                target,
                step,
                handle,
            }
        })
        .collect();
    // SIGTERM to all, then one shared grace period.
    for ending in &mut endings {
        ending.signal(Sig::Term);
    }
    wait_for(&mut endings, grace, CleanResult::Terminated);
    for ending in &mut endings {
        ending.signal(Sig::Kill);
    }
    wait_for(&mut endings, KILL_WAIT, CleanResult::KilledAfterGrace);
    for ending in &mut endings {
        if ending.handle.is_some() {
            ending.settle(Step {
                note: Some(format!("still running {KILL_WAIT:?} after SIGKILL")),
                ..Step::plain(CleanResult::Failed)
            });
        }
    }
    endings
        .into_iter()
        .map(|e| e.step.into_outcome(&e.target.process, ctx, grace))
        .collect()
}

/// One target on its way to its outcome: where it stands, and its handle while it may still be signalled.
struct Ending<'a> {
    target: &'a CleanTarget,
    step: Step,
    handle: Option<ProcessHandle>,
}

impl Ending<'_> {
    /// Sends `sig` while the process is still open; a failed signal settles its outcome.
    fn signal(&mut self, sig: Sig) {
        if let Some(h) = &self.handle
            && let Err(err) = h.signal(sig)
        {
            self.settle(signal_failed(err));
        }
    }

    /// The outcome is known: nothing more is sent to this process.
    fn settle(&mut self, step: Step) {
        self.step = step;
        self.handle = None;
    }
}

/// The checks before any signal: the absolute rules, then a pidfd, then the identity behind it, then the
/// zombie socket in its open files. Returns the outcome so far and, when the process may be signalled, its
/// handle.
fn open_verified(target: &CleanTarget, ctx: &Context) -> (Step, Option<ProcessHandle>) {
    let process = &target.process;
    if let Some(reason) = absolute_refusal(process, ctx) {
        return (Step::refused(reason), None);
    }
    let handle = match platform::open_process(process.pid) {
        Ok(handle) => handle,
        Err(err) => return (signal_failed(err), None),
    };
    // Checked after the open, through the handle: a pid reused before the open shows a different
    // identity here (on Windows the handle also pins the pid: it cannot be reused while we hold it).
    match identity::compare(process, handle.live_identity()) {
        // The result is settled by the signals that follow.
        IdentityCheck::Same => match still_holds(target) {
            None => (Step::plain(CleanResult::Failed), Some(handle)),
            Some(step) => (step, None),
        },
        IdentityCheck::Changed(what) => (
            Step {
                note: Some(what),
                ..Step::refused(RefusalReason::IdentityChanged)
            },
            None,
        ),
        IdentityCheck::Gone => (Step::plain(CleanResult::AlreadyGone), None),
    }
}

/// `None` when the process still holds one of its zombie sockets; else the refusal (a process whose open
/// files cannot be read is not signalled on a guess).
fn still_holds(target: &CleanTarget) -> Option<Step> {
    let refused = |note: Option<String>| Step {
        note,
        ..Step::refused(RefusalReason::NoLongerHoldsZombie)
    };
    if target.zombie_inodes.is_empty() {
        return Some(refused(None));
    }
    match platform::holds_any_socket(target.process.pid, &target.zombie_inodes) {
        Ok(true) => None,
        Ok(false) => Some(refused(None)),
        Err(err) => Some(refused(Some(format!(
            "its open files could not be read ({err})"
        )))),
    }
}

fn dry_run(targets: &[CleanTarget], ctx: &Context, grace: Duration) -> Vec<CleanOutcome> {
    targets
        .iter()
        .map(|CleanTarget { process, .. }| {
            let step = match absolute_refusal(process, ctx) {
                Some(reason) => Step::refused(reason),
                None => match verify_identity(process) {
                    IdentityCheck::Same => Step::plain(CleanResult::WouldTerminate),
                    IdentityCheck::Changed(_) => Step::refused(RefusalReason::IdentityChanged),
                    IdentityCheck::Gone => Step::plain(CleanResult::AlreadyGone),
                },
            };
            step.into_outcome(process, ctx, grace)
        })
        .collect()
}

fn signal_failed(err: SignalError) -> Step {
    match err {
        SignalError::Gone => Step::plain(CleanResult::AlreadyGone),
        SignalError::Os(err) => Step {
            note: Some(format!("system error: {err}")),
            ..Step::plain(CleanResult::Failed)
        },
    }
}

/// Where one target stands: the result so far, the refusal, and a note for the detail (what changed, or
/// the OS error of a failed signal).
struct Step {
    result: CleanResult,
    reason: Option<RefusalReason>,
    note: Option<String>,
}

impl Step {
    fn plain(result: CleanResult) -> Step {
        Step {
            result,
            reason: None,
            note: None,
        }
    }

    fn refused(reason: RefusalReason) -> Step {
        Step {
            reason: Some(reason),
            ..Step::plain(CleanResult::Refused)
        }
    }

    fn into_outcome(self, process: &ProcessInfo, ctx: &Context, grace: Duration) -> CleanOutcome {
        let mut detail = describe(process, self.result, self.reason, ctx, grace);
        if let Some(note) = self.note {
            detail = format!("{detail} ({note})");
        }
        CleanOutcome {
            detail,
            process: process.clone(),
            result: self.result,
            reason: self.reason,
            zombie_inodes: Vec::new(),
        }
    }
}

/// Waits up to `timeout` for the processes still open to exit; each that did ends as `exited`.
fn wait_for(endings: &mut [Ending], timeout: Duration, exited: CleanResult) {
    let open: Vec<(usize, &ProcessHandle)> = endings
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.handle.as_ref().map(|h| (i, h)))
        .collect();
    if open.is_empty() {
        return;
    }
    let handles: Vec<&ProcessHandle> = open.iter().map(|(_, h)| *h).collect();
    let gone: Vec<usize> = open
        .iter()
        .zip(platform::wait_exits(&handles, timeout))
        .filter_map(|((i, _), exited)| exited.then_some(*i))
        .collect();
    for i in gone {
        endings[i].settle(Step::plain(exited));
    }
}

/// Re-scans until none of `gone` is a zombie any more (or `CONFIRM_WAIT` passes) and returns that scan.
fn confirm_gone(
    port: u16,
    api_ports: &[u16],
    gone: &HashSet<u64>,
) -> Result<gateway_proto::PortScan, SocketError> {
    let deadline = Instant::now() + CONFIRM_WAIT;
    loop {
        let after = scan_with_api_ports(port, api_ports)?;
        let lingering = after.zombies.iter().any(|z| gone.contains(&z.socket.inode));
        if !lingering || Instant::now() >= deadline {
            return Ok(after);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
