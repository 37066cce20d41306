//! What the supervisor publishes: its lifecycle phase and the worker's last reported status.

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
    pub changed_at_ms: i64,
}

impl SupervisorState {
    pub(crate) fn new(max_timeouts: u32) -> SupervisorState {
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
            changed_at_ms: crate::now_ms(),
        }
    }
}
