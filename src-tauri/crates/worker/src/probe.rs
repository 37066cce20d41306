//! Times the handshake's steps on the worker's own socket by reading ibapi's log records of it.
//!
//! ibapi's connect is one future with no hooks for its steps, and its notice stream is handed over only
//! after success, so a timed-out connect would say nothing about how far it got. But ibapi logs each step
//! as it happens on that socket: `Handshake version: ...` right after the TCP connect returns, `<- ...` for
//! every frame read after the version reply (`msg_id=15` managed accounts, `msg_id=9` nextValidId), and
//! `[code] message` for each IB notice. [`crate::logging`] hands every ibapi record to [`observe`]; while a
//! connect is armed the matching ones become timed steps. The version reply itself is not logged, so
//! `server_version` is timed by the first frame after it (one loopback round trip later) or by the
//! connect's own outcome. One connect runs at a time per worker, so one global attempt is enough.
//! These records are ibapi's log text, not its API: the workspace pins ibapi exactly for them
//! (docs/DEPENDENCIES.md).

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use gateway_proto::{HandshakeStep, HandshakeStepName};

/// ibapi's message ids for the two frames that complete its handshake.
const MANAGED_ACCOUNTS_ID: &str = "15";
const NEXT_VALID_ID: &str = "9";

static ATTEMPT: Mutex<Option<Attempt>> = Mutex::new(None);

fn attempt() -> MutexGuard<'static, Option<Attempt>> {
    ATTEMPT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What was seen of one connect.
#[derive(Debug, Clone)]
pub struct Attempt {
    started: Instant,
    pub steps: Vec<HandshakeStep>,
    /// IB notice codes, in arrival order.
    pub notices: Vec<i32>,
}

impl Attempt {
    pub fn reached(&self, step: HandshakeStepName) -> bool {
        self.steps.iter().any(|s| s.step == step)
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Records `step` now unless it was already seen. The TCP connect and the version reply come before
    /// anything else, so they are implied; accounts and nextValidId keep their own arrival order.
    pub fn reach(&mut self, step: HandshakeStepName) {
        let ms = round_ms(self.started.elapsed());
        for prerequisite in [
            HandshakeStepName::TcpConnected,
            HandshakeStepName::ServerVersion,
        ] {
            if prerequisite < step && !self.reached(prerequisite) {
                self.steps.push(HandshakeStep {
                    step: prerequisite,
                    ms,
                });
            }
        }
        if !self.reached(step) {
            self.steps.push(HandshakeStep { step, ms });
        }
    }
}

/// Starts observing a connect; the observation ends when the guard is finished or dropped.
pub fn arm() -> Armed {
    *attempt() = Some(Attempt {
        started: Instant::now(),
        steps: Vec::new(),
        notices: Vec::new(),
    });
    Armed(())
}

pub struct Armed(());

impl Armed {
    /// Stops observing and returns what was seen.
    pub fn finish(self) -> Attempt {
        attempt().take().unwrap_or_else(|| Attempt {
            started: Instant::now(),
            steps: Vec::new(),
            notices: Vec::new(),
        })
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        attempt().take();
    }
}

/// Feeds one ibapi log record to the armed attempt, if any.
pub fn observe(record: &log::Record<'_>) {
    let mut guard = attempt();
    let Some(attempt) = guard.as_mut() else {
        return;
    };
    let target = record.target();
    if !target.starts_with("ibapi::") {
        return;
    }
    let text = record.args().to_string();
    if target.starts_with("ibapi::connection") {
        if text.starts_with("Handshake version:") || text.starts_with("-> handshake") {
            attempt.reach(HandshakeStepName::TcpConnected);
        } else if let Some(frame) = text.strip_prefix("<- ") {
            match frame.strip_prefix("protobuf msg_id=") {
                Some(MANAGED_ACCOUNTS_ID) => attempt.reach(HandshakeStepName::ManagedAccounts),
                Some(NEXT_VALID_ID) => attempt.reach(HandshakeStepName::NextValidId),
                _ => attempt.reach(HandshakeStepName::ServerVersion),
            }
        }
    } else if let Some(code) = notice_code(&text) {
        attempt.notices.push(code);
    }
}

/// The code of a notice as ibapi logs it: `[2104] Market data farm connection is OK:usfarm`.
fn notice_code(text: &str) -> Option<i32> {
    text.strip_prefix('[')?.split_once(']')?.0.parse().ok()
}

/// Milliseconds with 0.01 ms resolution: loopback handshakes take well under one.
pub fn round_ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 100_000.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(target: &str, text: &str) {
        observe(
            &log::Record::builder()
                .target(target)
                .args(format_args!("{text}"))
                .build(),
        );
    }

    fn names(attempt: &Attempt) -> Vec<HandshakeStepName> {
        attempt.steps.iter().map(|s| s.step).collect()
    }

    // One test, because the attempt is process-global.
    #[test]
    fn steps_follow_ibapi_log_records_and_stop_when_disarmed() {
        use HandshakeStepName::*;
        feed("ibapi::connection::common", "Handshake version: v213..226");
        let armed = arm();
        feed("ibapi::connection::common", "Handshake version: v213..226");
        feed("ibapi::connection::async", "-> handshake: [65, 80, 73, 0]");
        feed("ibapi::connection::common", "<- protobuf msg_id=15");
        feed(
            "ibapi::messages::notice",
            "[2104] Market data farm connection is OK:usfarm",
        );
        feed("other::crate", "[2106] not ibapi");
        let seen = armed.finish();
        assert_eq!(
            names(&seen),
            vec![TcpConnected, ServerVersion, ManagedAccounts]
        );
        assert_eq!(seen.notices, vec![2104]);

        feed("ibapi::connection::common", "<- protobuf msg_id=9");
        let armed = arm();
        feed("ibapi::connection::common", "<- protobuf msg_id=9");
        assert_eq!(
            names(&armed.finish()),
            vec![TcpConnected, ServerVersion, NextValidId]
        );
    }
}
