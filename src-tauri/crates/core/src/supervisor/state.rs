//! What the supervisor publishes: its lifecycle phase, the worker's last reported status, and which of the
//! user's session controls (Connect, Reconnect, Stop) make sense now, decided here once for every screen.

use gateway_proto::{ErrorBody, WorkerStatus};

use super::client_id_wait::ClientIdWait;
use serde::Serialize;
use ts_rs::TS;

/// Where the supervisor is in keeping the one session alive.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Lifecycle {
    /// Not connected, by choice (nobody asked, or the user stopped it).
    Idle,
    /// A connect attempt is running.
    Connecting { attempt: u32 },
    /// The session is up and answering heartbeats.
    Connected,
    /// The session is up but heartbeats go unanswered: the API layer is not responding.
    Unresponsive,
    /// Waiting before the next attempt (one attempt per step, doubling, capped).
    Backoff {
        attempt: u32,
        retry_in_ms: u64,
        error: ErrorBody,
    },
    /// The guardrail tripped: no more attempts until the Gateway is restarted (seen on its port) or reset.
    Latched { error: ErrorBody },
    /// Something only the user can fix (Gateway too old, worker missing, bad settings): no retries.
    Failed { error: ErrorBody },
}

impl Lifecycle {
    /// The phase's name: the `phase` tag it is serialised with.
    pub fn phase(&self) -> &'static str {
        match self {
            Lifecycle::Idle => "idle",
            Lifecycle::Connecting { .. } => "connecting",
            Lifecycle::Connected => "connected",
            Lifecycle::Unresponsive => "unresponsive",
            Lifecycle::Backoff { .. } => "backoff",
            Lifecycle::Latched { .. } => "latched",
            Lifecycle::Failed { .. } => "failed",
        }
    }
}

/// A snapshot of the supervisor, published on every change.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SupervisorState {
    pub lifecycle: Lifecycle,
    /// The worker's last reported status (session, handshake steps, heartbeat, link, farms).
    pub worker: WorkerStatus,
    pub worker_pid: Option<u32>,
    /// Worker processes started so far.
    pub worker_starts: u32,
    /// Workers ended because they did not answer a request in time (each was replaced).
    pub workers_replaced: u32,
    /// Connect requests sent to workers so far.
    pub connect_attempts: u64,
    /// Handshake timeouts in a row, kept across worker restarts.
    pub timeouts_in_a_row: u32,
    pub max_timeouts: u32,
    /// Times the Gateway's listening socket was seen replaced (a Gateway restart).
    pub gateway_restarts_seen: u32,
    /// Sessions in a row that ended before they were stable (the stable_after setting); reaching
    /// `DROPS_TO_LATCH` latches with GATEWAY_DROPS_SESSIONS.
    pub short_sessions_in_a_row: u32,
    /// Set while the supervisor waits for the program holding our client id to leave (after error 326).
    pub client_id_wait: Option<ClientIdWait>,
    /// The backoff is the connect budget's wait (a Reconnect or a retry found it spent): nothing is sent
    /// before `retry_in_ms` is over, whoever asks.
    pub waiting_for_budget: bool,
    /// Idle because the user stopped the session (until the next Connect or "I restarted Gateway").
    pub stopped_by_user: bool,
    /// The session controls that make sense now (see [`Offered::for_state`]); screens show exactly these.
    pub offered: Offered,
    pub changed_at_ms: i64,
}

/// Which of the user's session controls make sense now. The main button stays "the next thing to do";
/// these say which session controls a screen (Status, the tray) may show beside it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Offered {
    /// Nothing runs and nothing waits: ask for a session.
    pub connect: bool,
    /// A wait before the next try (a retry's backoff, the connect budget, a client id held by another
    /// program, a Gateway not yet listening) or a failure: try now, within the connect budget.
    pub reconnect: bool,
    /// A session is up, being opened or being retried: end it and every wait; nothing more is sent.
    pub stop: bool,
}

impl Offered {
    /// The rule, from the lifecycle and whether a client id wait runs. A latched guardrail offers none of
    /// them: only a Gateway restart (or "I restarted Gateway") may lead to another connect.
    pub fn for_state(lifecycle: &Lifecycle, client_id_wait: bool) -> Offered {
        let none = Offered::default();
        match lifecycle {
            Lifecycle::Idle => Offered {
                connect: true,
                ..none
            },
            Lifecycle::Connecting { .. } | Lifecycle::Connected | Lifecycle::Unresponsive => {
                Offered { stop: true, ..none }
            }
            Lifecycle::Backoff { .. } => Offered {
                reconnect: true,
                stop: true,
                ..none
            },
            // Waiting for the holder of our client id to leave is a retry waiting too.
            Lifecycle::Failed { .. } => Offered {
                reconnect: true,
                stop: client_id_wait,
                ..none
            },
            Lifecycle::Latched { .. } => none,
        }
    }
}

impl SupervisorState {
    /// The state before anything happened: idle, no worker, with the guardrail's limit.
    pub fn new(max_timeouts: u32) -> SupervisorState {
        SupervisorState {
            lifecycle: Lifecycle::Idle,
            worker: WorkerStatus::default(),
            worker_pid: None,
            worker_starts: 0,
            workers_replaced: 0,
            connect_attempts: 0,
            timeouts_in_a_row: 0,
            max_timeouts,
            gateway_restarts_seen: 0,
            short_sessions_in_a_row: 0,
            client_id_wait: None,
            waiting_for_budget: false,
            stopped_by_user: false,
            offered: Offered::for_state(&Lifecycle::Idle, false),
            changed_at_ms: crate::now_ms(),
        }
    }
}

#[cfg(test)]
mod tests {
    use gateway_proto::{ErrorBody, ErrorCode};

    use super::*;

    fn error() -> ErrorBody {
        ErrorBody::new(ErrorCode::ConnectionRefused, "refused")
    }

    #[test]
    fn each_phase_name_is_the_tag_it_is_serialised_with() {
        for lifecycle in [
            Lifecycle::Idle,
            Lifecycle::Connecting { attempt: 1 },
            Lifecycle::Connected,
            Lifecycle::Unresponsive,
            Lifecycle::Backoff {
                attempt: 1,
                retry_in_ms: 250,
                error: error(),
            },
            Lifecycle::Latched { error: error() },
            Lifecycle::Failed { error: error() },
        ] {
            let tag = serde_json::to_value(&lifecycle).expect("serialises")["phase"].clone();
            assert_eq!(tag, lifecycle.phase(), "{lifecycle:?}");
        }
    }

    #[test]
    fn stop_is_offered_whenever_a_session_is_up_or_being_retried_and_reconnect_during_every_wait() {
        let backoff = Lifecycle::Backoff {
            attempt: 2,
            retry_in_ms: 4000,
            error: error(),
        };
        let failed = Lifecycle::Failed { error: error() };
        let latched = Lifecycle::Latched { error: error() };
        // (lifecycle, client id wait) -> (connect, reconnect, stop)
        let cases = [
            (Lifecycle::Idle, false, (true, false, false)),
            (
                Lifecycle::Connecting { attempt: 1 },
                false,
                (false, false, true),
            ),
            (Lifecycle::Connected, false, (false, false, true)),
            (Lifecycle::Unresponsive, false, (false, false, true)),
            (backoff, false, (false, true, true)),
            (failed.clone(), false, (false, true, false)),
            (failed, true, (false, true, true)),
            (latched, false, (false, false, false)),
        ];
        for (lifecycle, waiting, (connect, reconnect, stop)) in cases {
            let offered = Offered::for_state(&lifecycle, waiting);
            assert_eq!(
                offered,
                Offered {
                    connect,
                    reconnect,
                    stop
                },
                "{lifecycle:?}, client id wait {waiting}"
            );
        }
    }
}
