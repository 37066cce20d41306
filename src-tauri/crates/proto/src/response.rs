//! What the worker answers: `{"id":..,"status":"success","data":{...}}` or
//! `{"id":..,"status":"error","error":{"code":"...","message":"plain words"}}`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::ErrorCode;
use crate::status::{GuardrailStatus, HandshakeStep, WorkerStatus};

/// The answer to one request; `id` is the request's, omitted when it had none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Response {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl Response {
    pub fn success(id: Option<Value>, data: ResponseData) -> Response {
        Response {
            id,
            outcome: Outcome::Success { data },
        }
    }

    pub fn error(id: Option<Value>, error: ErrorBody) -> Response {
        Response {
            id,
            outcome: Outcome::Error { error },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Success { data: ResponseData },
    Error { error: ErrorBody },
}

/// A failure in words a trader can act on, with the code the UI branches on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// For a failed connect: the handshake steps it reached, with their times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<HandshakeStep>>,
    /// Technical facts behind `message` (the Gateway's API version, what was wrong with an answer): for
    /// "Details" and support bundles, never for the main text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code,
            message: message.into(),
            steps: None,
            detail: None,
        }
    }
}

/// Success data, one shape per command. Untagged: the shapes have distinct required fields and are tried
/// in this order, but a client that knows what it asked for should read the shape it expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(untagged)]
pub enum ResponseData {
    Connect(ConnectData),
    Status(Box<WorkerStatus>),
    Ping(PingData),
    Accounts(AccountsData),
    Reset(ResetData),
    Disconnect(DisconnectData),
    Shutdown(ShutdownData),
}

/// `connect` succeeded: the session is open and stays open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConnectData {
    pub connected: bool,
    pub accounts: Vec<String>,
    pub client_id: i32,
    pub server_version: i32,
    /// The Gateway's clock at connect, RFC 3339.
    pub connection_time: Option<String>,
    pub handshake_ms: f64,
    pub steps: Vec<HandshakeStep>,
    pub host: String,
    pub port: u16,
    pub readonly: bool,
}

/// `ping`: one reqCurrentTime round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PingData {
    /// The Gateway's clock, RFC 3339.
    pub server_time: String,
    pub rtt_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AccountsData {
    pub accounts: Vec<String>,
}

/// `reset`: the guardrail after clearing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ResetData {
    /// Whether it was latched before.
    pub was_latched: bool,
    pub guardrail: GuardrailStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DisconnectData {
    pub disconnected: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ShutdownData {
    pub shutting_down: bool,
}
