//! Restarting IB Gateway through IBC and following it through: guard check and record (guard.rs), RESTART
//! to the command server (client.rs), then watching the Gateway's API port go down and listen again, with
//! each step and its time reported as it happens and in the final [`RestartReport`].
//!
//! The port is watched in this computer's connection table (`sockets::scan_quick`: one kernel query, no
//! connection to the Gateway), never by connecting to it: a plain connect-and-close on the API port is the
//! pattern that leaves a Gateway's API layer dead, the very thing being repaired. "Down" is no listener on
//! the port; "listening again" is a listener after down was seen, or a listener with a different kernel
//! identity (inode) than before RESTART, for a restart faster than one poll. Where the table cannot be
//! read (`SocketError::Unsupported`: systems the sockets module does not cover yet), the restart is sent
//! and the report says it was not watched (outcome `not_watched`): nothing is claimed about the Gateway.
//!
//! On IB Gateway, IBC sets the auto-restart time to the start of the next minute (or the one after), so
//! the Gateway goes down up to two minutes after RESTART is answered, and then takes a while to start
//! again: the default deadline ([`DEFAULT_DEADLINE`]) covers both. The session's reconnect afterwards is
//! the supervisor's after-restart rule (one attempt when a new listener is seen), not this module's.

use std::time::Duration;

use gateway_proto::{RestartOutcome, RestartPhase, RestartReport, RestartStep};

use super::client::{CommandServer, IbcCommand, Reply, Timeouts, send};
use super::error::IbcError;
use super::guard::{Decision, RestartGuard, RestartLimits};
use crate::sockets::SocketError;

/// Up to two minutes until IBC's auto-restart time, then the Gateway's own start-up and automatic login.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5 * 60);

/// How often the port is looked at: one kernel query each, cheap; a quarter second keeps the reported
/// times within a quarter second of the truth.
pub const DEFAULT_POLL: Duration = Duration::from_millis(250);

/// What to restart and how.
#[derive(Debug, Clone)]
pub struct RestartPlan {
    pub server: CommandServer,
    /// The Gateway's API port on this computer, watched for the restart.
    pub gateway_port: u16,
    /// The Gateway's name in the restart record (`host:port` of its API, as the connect record uses).
    pub gateway_key: String,
    pub limits: RestartLimits,
    pub timeouts: Timeouts,
    pub deadline: Duration,
    pub poll: Duration,
}

impl RestartPlan {
    /// A plan with the default limits, timeouts, deadline and poll interval.
    pub fn new(server: CommandServer, gateway_host: &str, gateway_port: u16) -> RestartPlan {
        RestartPlan {
            server,
            gateway_port,
            gateway_key: super::config::host_port(gateway_host, gateway_port),
            limits: RestartLimits::default(),
            timeouts: Timeouts::default(),
            deadline: DEFAULT_DEADLINE,
            poll: DEFAULT_POLL,
        }
    }
}

/// The listener on the Gateway's port as one look found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    None,
    /// Something listens; its kernel identity when the system reports one.
    Seen {
        inode: Option<u64>,
    },
}

/// Follows the port from the listener seen before RESTART to one listening again.
#[derive(Debug, Clone)]
pub struct Tracker {
    before: Listener,
    down_at: Option<i64>,
    back_at: Option<i64>,
}

impl Tracker {
    pub fn new(before: Listener) -> Tracker {
        Tracker {
            before,
            down_at: None,
            back_at: None,
        }
    }

    /// Takes one look at `at_ms`; returns the step it reached, if any.
    pub fn observe(&mut self, now: Listener, at_ms: i64) -> Option<RestartPhase> {
        if self.back_at.is_some() {
            return None;
        }
        match now {
            Listener::None if self.down_at.is_none() => {
                self.down_at = Some(at_ms);
                Some(RestartPhase::DownSeen)
            }
            Listener::None => None,
            Listener::Seen { inode } => {
                let replaced = matches!(
                    (self.before, inode),
                    (Listener::Seen { inode: Some(old) }, Some(new)) if old != new
                );
                if self.down_at.is_some() || replaced {
                    self.back_at = Some(at_ms);
                    Some(RestartPhase::ListeningAgain)
                } else {
                    None
                }
            }
        }
    }

    pub fn is_back(&self) -> bool {
        self.back_at.is_some()
    }

    /// Down to listening again, when both were seen.
    pub fn down_ms(&self) -> Option<i64> {
        Some(self.back_at? - self.down_at?)
    }
}

/// One look at the port in the connection table.
async fn look(port: u16) -> Result<Listener, SocketError> {
    let quick = tokio::task::spawn_blocking(move || crate::sockets::scan_quick(port))
        .await
        .map_err(|err| SocketError::SocketTable {
            source: std::io::Error::other(err),
        })??;
    Ok(if quick.listeners == 0 {
        Listener::None
    } else {
        Listener::Seen {
            inode: quick.listener_inode.filter(|&i| i != 0),
        }
    })
}

/// Restarts the Gateway through IBC, reporting each step to `on_step` as it is reached.
pub async fn restart(
    plan: &RestartPlan,
    guard: &RestartGuard,
    mut on_step: impl FnMut(&RestartStep),
) -> Result<RestartReport, IbcError> {
    let recorded_at = crate::now_ms();
    match guard.take(&plan.gateway_key, &plan.limits, recorded_at)? {
        Decision::Allowed => {}
        Decision::TooSoon { next_allowed_ms } => {
            return Err(IbcError::RestartTooSoon {
                period_min: plan.limits.period.as_secs().div_ceil(60),
                next_allowed: local_time(next_allowed_ms),
                next_allowed_ms,
            });
        }
        Decision::DailyCap { next_allowed_ms } => {
            return Err(IbcError::RestartDailyCap {
                cap: plan.limits.daily_cap,
                next_allowed: local_time(next_allowed_ms),
                next_allowed_ms,
            });
        }
    }
    let before = look(plan.gateway_port).await;
    let exchange = match send(&plan.server, IbcCommand::Restart, plan.timeouts).await {
        Ok(exchange) => exchange,
        Err(err) => {
            if matches!(err, IbcError::Unreachable { .. } | IbcError::Refused { .. }) {
                // Nothing reached IBC: no restart happened, so none stays on record.
                forget(guard, plan, recorded_at);
            }
            return Err(err);
        }
    };
    let reply = match exchange.reply {
        Reply::Ok(_) => exchange.reply_line,
        Reply::Error(text) => {
            // IBC did nothing with it (e.g. "RESTART already in progress").
            forget(guard, plan, recorded_at);
            return Err(IbcError::CommandFailed {
                server: plan.server.address(),
                command: IbcCommand::Restart.word(),
                text,
            });
        }
    };
    let sent_at = crate::now_ms();
    let mut steps = vec![step(RestartPhase::Sent, sent_at, &mut on_step)];
    let mut report = RestartReport {
        command_server: plan.server.address(),
        gateway_port: plan.gateway_port,
        reply,
        steps: Vec::new(),
        outcome: RestartOutcome::NotWatched,
        down_ms: None,
        took_ms: 0,
        message: String::new(),
        details: String::new(),
    };
    let before = match before {
        Ok(before) => before,
        Err(err) => {
            report.steps = steps;
            report.message =
                "IBC accepted the restart. Gateway Doctor cannot watch IB Gateway's port on \
                              this computer, so please check that IB Gateway comes back."
                    .into();
            report.details = format!("port {}: {err}", plan.gateway_port);
            return Ok(report);
        }
    };
    let mut tracker = Tracker::new(before);
    let deadline = tokio::time::Instant::now() + plan.deadline;
    while !tracker.is_back() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(plan.poll).await;
        // A failed look is skipped: the next one decides.
        let Ok(now) = look(plan.gateway_port).await else {
            continue;
        };
        let at = crate::now_ms();
        if let Some(phase) = tracker.observe(now, at) {
            steps.push(step(phase, at, &mut on_step));
        }
    }
    let ended = crate::now_ms();
    report.steps = steps;
    report.down_ms = tracker.down_ms();
    report.took_ms = ended - sent_at;
    let seconds = |ms: i64| format!("{:.1} s", ms as f64 / 1000.0);
    let down_seen = tracker.down_ms().is_some()
        || report
            .steps
            .iter()
            .any(|s| s.phase == RestartPhase::DownSeen);
    report.outcome = if tracker.is_back() {
        RestartOutcome::Back
    } else if down_seen {
        RestartOutcome::NotBackInTime
    } else {
        RestartOutcome::NeverWentDown
    };
    report.message = match report.outcome {
        RestartOutcome::Back => match report.down_ms {
            Some(down) => format!(
                "IB Gateway restarted: it was down for {} and is listening again.",
                seconds(down)
            ),
            None => "IB Gateway restarted and is listening again.".into(),
        },
        RestartOutcome::NotBackInTime => format!(
            "IB Gateway went down to restart but is not back after {}. It may be waiting for a login \
             (after IBKR's Sunday reset a new login is needed).",
            seconds(report.took_ms)
        ),
        RestartOutcome::NeverWentDown => format!(
            "IBC accepted the restart, but IB Gateway has not gone down after {}. Look at the Gateway's \
             window: IBC restarts it at the next full minute.",
            seconds(report.took_ms)
        ),
        RestartOutcome::NotWatched => String::new(),
    };
    let before_text = match before {
        Listener::None => "nothing listened on it before RESTART".to_string(),
        Listener::Seen { inode: Some(inode) } => format!("listener inode {inode} before RESTART"),
        Listener::Seen { inode: None } => "a listener before RESTART".to_string(),
    };
    report.details = format!(
        "RESTART to {} answered {:?}; API port {} ({before_text}) watched every {:?} for at most {:?}",
        report.command_server, report.reply, plan.gateway_port, plan.poll, plan.deadline
    );
    tracing::info!(outcome = ?report.outcome, down_ms = ?report.down_ms, took_ms = report.took_ms, "restart through IBC followed through");
    Ok(report)
}

fn step(phase: RestartPhase, at_ms: i64, on_step: &mut impl FnMut(&RestartStep)) -> RestartStep {
    let step = RestartStep { phase, at_ms };
    on_step(&step);
    step
}

fn forget(guard: &RestartGuard, plan: &RestartPlan, at_ms: i64) {
    if let Err(err) = guard.forget(&plan.gateway_key, at_ms) {
        // The restart then stays counted: the guard errs on the side of fewer restarts.
        tracing::warn!("could not take back the restart record entry: {err}");
    }
}

/// `14:05 on Tue 3 Dec` in this computer's time zone.
fn local_time(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(at) => at
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%H:%M on %a %-d %b")
            .to_string(),
        Err(_) => format!("{ms} ms after 1970"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_then_listening_again_is_a_restart_with_its_down_time() {
        let mut tracker = Tracker::new(Listener::Seen { inode: Some(7) });
        assert_eq!(
            tracker.observe(Listener::Seen { inode: Some(7) }, 100),
            None
        );
        assert_eq!(
            tracker.observe(Listener::None, 200),
            Some(RestartPhase::DownSeen)
        );
        assert_eq!(tracker.observe(Listener::None, 300), None);
        assert_eq!(
            tracker.observe(Listener::Seen { inode: Some(9) }, 1200),
            Some(RestartPhase::ListeningAgain)
        );
        assert!(tracker.is_back());
        assert_eq!(tracker.down_ms(), Some(1000));
        assert_eq!(tracker.observe(Listener::None, 1300), None, "done");
    }

    #[test]
    fn a_new_listener_without_a_down_seen_is_a_restart_faster_than_a_poll() {
        let mut tracker = Tracker::new(Listener::Seen { inode: Some(7) });
        assert_eq!(
            tracker.observe(Listener::Seen { inode: Some(8) }, 100),
            Some(RestartPhase::ListeningAgain)
        );
        assert_eq!(tracker.down_ms(), None);
    }

    #[test]
    fn without_inodes_only_down_then_up_counts() {
        let mut tracker = Tracker::new(Listener::Seen { inode: None });
        assert_eq!(tracker.observe(Listener::Seen { inode: None }, 100), None);
        assert_eq!(
            tracker.observe(Listener::None, 200),
            Some(RestartPhase::DownSeen)
        );
        assert_eq!(
            tracker.observe(Listener::Seen { inode: None }, 900),
            Some(RestartPhase::ListeningAgain)
        );
        // A Gateway not running before RESTART: listening is only "again" after a down was seen.
        let mut from_nothing = Tracker::new(Listener::None);
        assert_eq!(
            from_nothing.observe(Listener::None, 100),
            Some(RestartPhase::DownSeen)
        );
    }
}
