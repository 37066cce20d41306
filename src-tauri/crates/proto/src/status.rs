//! The worker's view of its session, as `status` answers and every `state` event carries.
//!
//! Times are milliseconds: durations as `f64` (sub-millisecond on loopback matters), wall-clock instants
//! as Unix milliseconds.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::response::ErrorBody;

/// Everything the worker knows about its one API session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WorkerStatus {
    pub session: SessionState,
    /// Where the live session, the running connect or the last attempt went.
    pub target: Option<Target>,
    /// Accounts the Gateway reported (empty without a session).
    pub accounts: Vec<String>,
    pub server_version: Option<i32>,
    /// The Gateway's clock at connect, RFC 3339.
    pub connection_time: Option<String>,
    /// When the live session was established, Unix ms.
    pub connected_at_ms: Option<i64>,
    /// How far the last handshake got, step by step.
    pub handshake: Option<HandshakeReport>,
    pub heartbeat: HeartbeatStatus,
    /// The Gateway's own link to IB's servers, from notices 1100/1101/1102/1300/2110.
    pub link: LinkStatus,
    /// Data farms, from notices 2103..2108/2157/2158, one entry per farm.
    pub farms: Vec<FarmStatus>,
    pub guardrail: GuardrailStatus,
    /// Why the session ended or the last connect failed; cleared by a successful connect.
    pub last_error: Option<ErrorBody>,
}

/// The API session's life cycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    #[default]
    Disconnected,
    Connecting,
    Connected,
    /// Connected, but heartbeats went unanswered (two in a row).
    Unresponsive,
}

/// The settings a connect used, after params, environment and defaults were merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub client_id: i32,
    pub readonly: bool,
    pub timeout_s: f64,
}

/// One connect attempt, step by step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HandshakeReport {
    /// Steps reached, in order, with the time each was seen since the connect began.
    pub steps: Vec<HandshakeStep>,
    /// IB notice codes that arrived during the handshake (farm notices 2104/2106/2158...).
    pub notices: Vec<i32>,
    pub elapsed_ms: f64,
    /// `None` when the attempt connected.
    pub failed_with: Option<crate::ErrorCode>,
}

/// A handshake step and when it was seen, in ms since the connect began.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HandshakeStep {
    pub step: HandshakeStepName,
    pub ms: f64,
}

/// The steps of the TWS API handshake, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum HandshakeStepName {
    /// The TCP connection is open.
    TcpConnected,
    /// The Gateway answered the hello with its server version.
    ServerVersion,
    /// The Gateway sent the managed accounts after START_API.
    ManagedAccounts,
    /// The Gateway sent nextValidId: the session is usable.
    NextValidId,
}

/// The reqCurrentTime heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HeartbeatStatus {
    pub interval_ms: u32,
    pub timeout_ms: u32,
    pub last_rtt_ms: Option<f64>,
    /// When a round trip last succeeded, Unix ms.
    pub last_ok_at_ms: Option<i64>,
    pub misses_in_a_row: u32,
}

/// The Gateway's link to IB's servers as its notices describe it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LinkStatus {
    pub state: LinkState,
    /// The notice that set the state.
    pub code: Option<i32>,
    pub message: Option<String>,
    pub at_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// No session, so nothing is known.
    #[default]
    Unknown,
    /// Connected and no connectivity notice since.
    Ok,
    /// 1100: connectivity between IB and the Gateway is lost.
    Lost,
    /// 1101: restored, market data subscriptions were lost.
    RestoredDataLost,
    /// 1102: restored, data maintained.
    Restored,
    /// 1300: the socket port was reset; this connection is being dropped.
    SocketPortReset,
    /// 2110: connectivity between the Gateway and the server is broken (restores itself).
    ServerBroken,
}

/// One data farm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FarmStatus {
    pub kind: FarmKind,
    /// The farm's name from the notice (`usfarm`, `ushmds`, `secdefnj`).
    pub name: String,
    pub state: FarmState,
    pub code: i32,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum FarmKind {
    MarketData,
    HistoricalData,
    SecurityDefinition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum FarmState {
    Ok,
    Broken,
    /// Inactive but available on demand (2107/2108).
    Inactive,
}

/// Handshake timeouts in a row; latched at `max_timeouts` until `reset`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GuardrailStatus {
    pub timeouts_in_a_row: u32,
    pub max_timeouts: u32,
    pub latched: bool,
}
