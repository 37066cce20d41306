//! Testing the Gateway's API through the ONE persistent session, never through a throwaway connection: a
//! live session answers one bounded ping (a round trip through the supervisor's request); a session that is
//! not up is asked to connect, and is then kept (the caller decides when it ends; the app never ends it).
//! A quick connect-then-close is the pattern that kills a real Gateway's API layer, so nothing here closes.

use std::time::Duration;

use gateway_proto::{SessionState, WorkerStatus};
use serde::{Deserialize, Serialize};

use crate::supervisor::{Lifecycle, Supervisor};

/// What one bounded ping through the live session gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PingOutcome {
    /// The Gateway answered in `rtt_ms`.
    Answered { rtt_ms: f64 },
    /// No answer in time, or the session refused the request; `message` says which.
    Unanswered { message: String },
}

/// The session after the test: the worker's status, the ping (when the session was already live) and the
/// worker's process (its connection to the Gateway is ours, not another program's).
#[derive(Debug, Clone)]
pub struct SessionTest {
    pub status: WorkerStatus,
    pub ping: Option<PingOutcome>,
    pub worker_pid: Option<u32>,
    pub lifecycle: Lifecycle,
}

/// Tests the API through `supervisor`'s session. Live: one ping bounded by `ping_bound`. Not live and
/// `connect`: asks the supervisor for the session and waits (at most `connect_bound`) for the attempt to
/// settle; the session it opens stays open. A latched guardrail or a failed state is reported as it is,
/// without a new attempt.
pub async fn test_session(
    supervisor: &Supervisor,
    connect: bool,
    connect_bound: Duration,
    ping_bound: Duration,
) -> SessionTest {
    let live = |l: &Lifecycle| matches!(l, Lifecycle::Connected | Lifecycle::Unresponsive);
    let mut ping = None;
    let lifecycle = supervisor.state().lifecycle;
    if live(&lifecycle) {
        ping = Some(bounded_ping(supervisor, ping_bound).await);
    } else if connect && matches!(lifecycle, Lifecycle::Idle | Lifecycle::Connecting { .. }) {
        connect_and_settle(supervisor, connect_bound).await;
    }
    let state = supervisor.state();
    SessionTest {
        status: state.worker,
        ping,
        worker_pid: state.worker_pid,
        lifecycle: state.lifecycle,
    }
}

/// One `ping` through the supervisor, never longer than `bound` (the worker bounds it too; this guards
/// against a supervisor or worker that stops answering).
async fn bounded_ping(supervisor: &Supervisor, bound: Duration) -> PingOutcome {
    match tokio::time::timeout(bound, supervisor.request("ping")).await {
        Ok(Ok(data)) => match data.get("rtt_ms").and_then(serde_json::Value::as_f64) {
            Some(rtt_ms) => PingOutcome::Answered { rtt_ms },
            None => PingOutcome::Unanswered {
                message: format!("the answer had no round-trip time: {data}"),
            },
        },
        Ok(Err(e)) => PingOutcome::Unanswered {
            message: e.to_string(),
        },
        Err(_) => PingOutcome::Unanswered {
            message: format!("no answer within {} s", bound.as_secs_f64()),
        },
    }
}

/// Asks for the session and waits until the attempt has an outcome (connected, waiting to retry, latched,
/// failed), at most `bound`.
async fn connect_and_settle(supervisor: &Supervisor, bound: Duration) {
    let settled = |l: &Lifecycle| !matches!(l, Lifecycle::Idle | Lifecycle::Connecting { .. });
    let mut watch = supervisor.watch();
    let before = watch.borrow_and_update().clone();
    if supervisor.connect().await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(bound, async {
        // The attempt has an outcome once the phase settles after it started. A watch keeps only the latest
        // state, so a fast attempt may never be seen Connecting: a settled phase other than the one before,
        // or a new connect request sent, counts as well.
        let mut seen_attempt = false;
        loop {
            let now = watch.borrow_and_update().clone();
            seen_attempt |= matches!(now.lifecycle, Lifecycle::Connecting { .. })
                || now.lifecycle != before.lifecycle
                || now.connect_attempts > before.connect_attempts;
            if seen_attempt && settled(&now.lifecycle) {
                return;
            }
            if watch.changed().await.is_err() {
                return;
            }
        }
    })
    .await;
}

/// True only when the socket table was read and shows no listener on `port`: then a session is not worth
/// wanting (the supervisor would keep retrying at nothing). Unknown (the table cannot be read) is false.
pub async fn nothing_listens(port: u16) -> bool {
    matches!(
        tokio::task::spawn_blocking(move || crate::sockets::scan_quick(port)).await,
        Ok(Ok(quick)) if quick.listeners == 0
    )
}

/// True when the status shows the API was exercised: a session is (or was just) up, or an attempt ended
/// with an error. An idle session that never tried tells nothing about the API.
pub fn api_was_tested(status: &WorkerStatus) -> bool {
    matches!(
        status.session,
        SessionState::Connected | SessionState::Unresponsive
    ) || status.last_error.is_some()
}

/// How long a session opened only to test the API (`gateway-doctor diagnose --handshake` with no app
/// open) stays open, counted from when it was established, before its process may end it.
///
/// Why 10 s: closing an API session soon after starting it is what leaves a Gateway's API layer dead (the
/// field report's "rapid connect/disconnect"). IBKR publishes no figure for how soon is too soon; the
/// simulator models the window as 5 s (gateway-sim's `red_after_disconnect`, `RED_WITHIN_DEFAULT` in
/// src-tauri/crates/sim/src/fault.rs: "closes within 5000 ms of starting its API session"). Twice that
/// gives a margin for a slower real Gateway while a terminal user waits only seconds; the CLI says so
/// while it waits.
pub const QUICK_CLOSE_HOLD: Duration = Duration::from_secs(10);

/// How much longer a session established at `status.connected_at_ms` must stay open at `now_ms` to have
/// lived [`QUICK_CLOSE_HOLD`]; `None` when no session was established (nothing to protect).
pub fn hold_remaining(status: &WorkerStatus, now_ms: i64) -> Option<Duration> {
    let since = status.connected_at_ms?;
    let lived = u64::try_from(now_ms.saturating_sub(since)).unwrap_or(0);
    Some(QUICK_CLOSE_HOLD.saturating_sub(Duration::from_millis(lived)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_held_until_it_has_lived_the_window() {
        let at = |ms| WorkerStatus {
            connected_at_ms: Some(ms),
            ..WorkerStatus::default()
        };
        assert_eq!(hold_remaining(&WorkerStatus::default(), 5_000), None);
        assert_eq!(hold_remaining(&at(1_000), 1_000), Some(QUICK_CLOSE_HOLD));
        assert_eq!(
            hold_remaining(&at(1_000), 4_000),
            Some(QUICK_CLOSE_HOLD - Duration::from_secs(3))
        );
        assert_eq!(hold_remaining(&at(1_000), 60_000), Some(Duration::ZERO));
        // A clock that went back never shortens the hold.
        assert_eq!(hold_remaining(&at(9_000), 1_000), Some(QUICK_CLOSE_HOLD));
    }
}
