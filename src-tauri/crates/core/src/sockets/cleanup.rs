//! The cleanup: scan, decide (`policy`), end the eligible processes ([`terminate`]), re-scan to confirm.
//!
//! Ending is SIGTERM to every eligible process at once, one shared grace period, SIGKILL to those still
//! running, and a bounded wait for those; so ten zombie holders take one grace period, not ten. Each
//! process is opened as a pidfd and its identity re-read before the first signal, so a pid reused since the
//! scan is never signalled.

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use gateway_proto::{
    CleanOutcome, CleanReport, CleanResult, ProcessInfo, RefusalReason, ZombieSide,
};

use super::detail::describe;
use super::error::SocketError;
use super::identity::{IdentityCheck, verify_identity};
use super::platform::{self, ProcessHandle};
use super::policy::{Allow, Context, absolute_refusal, decide};
use super::scan::scan;
use super::sys::{Sig, SignalError};

/// How long a process may take to die after SIGKILL before it is reported as failed.
const KILL_WAIT: Duration = Duration::from_secs(2);
/// How long the re-scan waits for the kernel to drop the ended processes' sockets.
const CONFIRM_WAIT: Duration = Duration::from_secs(1);

/// What [`clean`] may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanOptions {
    /// Also end holders that have a live session to the port (the user confirmed).
    pub include_live: bool,
    /// Time between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// Decide and report; signal nothing.
    pub dry_run: bool,
    /// A non-loopback Gateway address (the configured host) whose client zombies also qualify. Zombies to
    /// loopback or to this machine's own address always do; zombies to any other machine never do.
    pub host: Option<IpAddr>,
    /// Only these processes may be ended: the pids the user saw and confirmed. Any other holder is refused
    /// (`not_confirmed`), so a process that appeared between the confirmation and the cleanup is never
    /// signalled. `None`: every holder the rules allow.
    pub only_pids: Option<Vec<u32>>,
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions {
            include_live: false,
            grace: Duration::from_secs(3),
            dry_run: false,
            host: None,
            only_pids: None,
        }
    }
}

/// Scans `port`, ends the client zombies' holders that the rules allow, and re-scans to confirm.
pub fn clean(port: u16, options: &CleanOptions) -> Result<CleanReport, SocketError> {
    let started = Instant::now();
    let before = scan(port)?;
    let ctx = Context::current();
    let mut outcomes = Vec::new();
    let mut eligible = Vec::new();
    let allow = Allow {
        include_live: options.include_live,
        host: options.host,
        only_pids: options.only_pids.as_deref(),
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
    let targets: Vec<ProcessInfo> = eligible.iter().map(|d| d.process.clone()).collect();
    let ended = if options.dry_run {
        dry_run(&targets, &ctx, options.grace)
    } else {
        stop(&targets, options.grace, &ctx)
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
        confirm_gone(port, &gone_inodes)?
    };
    Ok(CleanReport {
        port,
        dry_run: options.dry_run,
        outcomes,
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
/// caller are applied here (never pid 0/1, ourselves, our parent or another user's process; never a process
/// whose identity differs from the record); [`clean`] applies the port's rules (the Gateway, live sessions)
/// first. One outcome per target, in order, with `zombie_inodes` left empty for the caller.
pub fn terminate(targets: &[ProcessInfo], grace: Duration) -> Vec<CleanOutcome> {
    stop(targets, grace, &Context::current())
}

fn stop(targets: &[ProcessInfo], grace: Duration, ctx: &Context) -> Vec<CleanOutcome> {
    let mut steps = Vec::with_capacity(targets.len());
    let mut handles: Vec<Option<ProcessHandle>> = Vec::with_capacity(targets.len());
    for target in targets {
        let (step, handle) = open_verified(target, ctx);
        steps.push(step);
        handles.push(handle);
    }
    // SIGTERM to all, then one shared grace period.
    for (i, handle) in handles.iter_mut().enumerate() {
        if let Some(h) = handle
            && let Err(err) = h.signal(Sig::Term)
        {
            steps[i] = signal_failed(err);
            *handle = None;
        }
    }
    let exited = wait_for(&handles, grace);
    for (i, handle) in handles.iter_mut().enumerate() {
        if handle.is_none() {
            continue;
        }
        if exited[i] {
            steps[i] = Step::plain(CleanResult::Terminated);
            *handle = None;
        } else if let Some(h) = handle
            && let Err(err) = h.signal(Sig::Kill)
        {
            steps[i] = signal_failed(err);
            *handle = None;
        }
    }
    let killed = wait_for(&handles, KILL_WAIT);
    for (i, handle) in handles.iter().enumerate() {
        if handle.is_some() {
            steps[i] = if killed[i] {
                Step::plain(CleanResult::KilledAfterGrace)
            } else {
                Step {
                    note: Some(format!("still running {KILL_WAIT:?} after SIGKILL")),
                    ..Step::plain(CleanResult::Failed)
                }
            };
        }
    }
    targets
        .iter()
        .zip(steps)
        .map(|(process, step)| step.into_outcome(process, ctx, grace))
        .collect()
}

/// The checks before any signal: the absolute rules, then a pidfd, then the identity behind it. Returns the
/// outcome so far and, when the process may be signalled, its handle.
fn open_verified(target: &ProcessInfo, ctx: &Context) -> (Step, Option<ProcessHandle>) {
    if let Some(reason) = absolute_refusal(target, ctx) {
        return (Step::refused(reason), None);
    }
    let handle = match platform::open_process(target.pid) {
        Ok(handle) => handle,
        Err(err) => return (signal_failed(err), None),
    };
    // Checked after the open: a pid reused before it shows a different identity here.
    match verify_identity(target) {
        // The result is settled by the signals that follow.
        IdentityCheck::Same => (Step::plain(CleanResult::Failed), Some(handle)),
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

fn dry_run(targets: &[ProcessInfo], ctx: &Context, grace: Duration) -> Vec<CleanOutcome> {
    targets
        .iter()
        .map(|process| {
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

/// Waits on the open handles only; a `None` slot counts as done.
fn wait_for(handles: &[Option<ProcessHandle>], timeout: Duration) -> Vec<bool> {
    let open: Vec<(usize, &ProcessHandle)> = handles
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.as_ref().map(|h| (i, h)))
        .collect();
    let mut done = vec![true; handles.len()];
    if open.is_empty() {
        return done;
    }
    let refs: Vec<&ProcessHandle> = open.iter().map(|(_, h)| *h).collect();
    for ((i, _), exited) in open.iter().zip(platform::wait_exits(&refs, timeout)) {
        done[*i] = exited;
    }
    done
}

/// Re-scans until none of `gone` is a zombie any more (or `CONFIRM_WAIT` passes) and returns that scan.
fn confirm_gone(port: u16, gone: &HashSet<u64>) -> Result<gateway_proto::PortScan, SocketError> {
    let deadline = Instant::now() + CONFIRM_WAIT;
    loop {
        let after = scan(port)?;
        let lingering = after.zombies.iter().any(|z| gone.contains(&z.socket.inode));
        if !lingering || Instant::now() >= deadline {
            return Ok(after);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
