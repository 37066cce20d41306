//! The error codes a worker answers with, as the UI branches on them. A code this build does not know (a
//! newer worker, a hand-written line) is kept as it was sent ([`ErrorCode::Unknown`]), never turned into
//! another code.

use std::fmt;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Why a request failed. Serialized in SCREAMING_SNAKE_CASE (`"HANDSHAKE_TIMEOUT"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The request line itself is wrong: not JSON, unknown command or key, wrong type, out of range.
    BadRequest,
    /// The command needs a live session and there is none.
    NotConnected,
    /// `connect` while a session is live or another connect is running.
    AlreadyConnected,
    /// Nothing accepted a TCP connection on the port, or the Gateway closed it at the first hello.
    ConnectionRefused,
    /// The Gateway did not finish the API handshake in time.
    HandshakeTimeout,
    /// The guardrail is latched (too many handshake timeouts in a row), or a call got no answer.
    GatewayUnresponsive,
    /// Error 326: another connection holds the client id.
    ClientIdInUse,
    /// The Gateway speaks a server version older than this app needs (213).
    GatewayTooOld,
    /// The Gateway closed the connection.
    ConnectionLost,
    /// The bytes on the port are not the TWS API.
    ProtocolError,
    /// A `ping` got no answer in time.
    HeartbeatTimeout,
    /// `disconnect` without IBKR_FORCE_DISCONNECT=1.
    ForceDisconnectRequired,
    /// A bug in the worker.
    Internal,
    /// The gateway-worker program is not where Gateway Doctor expects it (a broken install).
    WorkerMissing,
    /// The gateway-worker program is there but could not be started.
    WorkerSpawnFailed,
    /// The supervisor has ended (the app or the CLI is shutting down).
    SupervisorStopped,
    /// A request to the supervisor got no answer within its deadline.
    RequestTimeout,
    /// The worker did not answer within its deadline; it was ended and a new one started.
    WorkerUnresponsive,
    /// The Gateway ended several sessions in a row soon after they started, so the supervisor stopped
    /// reconnecting (a half-dead API layer, a proxy or tunnel that cuts connections).
    GatewayDropsSessions,
    /// A code this build does not know, as it was sent: the message beside it still says what happened.
    #[serde(untagged)]
    Unknown(UnknownCode),
}

/// The text of a code the receiver does not know. In TypeScript a branded string, so a `switch` over
/// [`ErrorCode`] is exhaustive only when every known code has its case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export, type = "string & { readonly unknownCode: true }")]
pub struct UnknownCode(pub String);

impl ErrorCode {
    pub const ALL: [ErrorCode; 19] = [
        ErrorCode::BadRequest,
        ErrorCode::NotConnected,
        ErrorCode::AlreadyConnected,
        ErrorCode::ConnectionRefused,
        ErrorCode::HandshakeTimeout,
        ErrorCode::GatewayUnresponsive,
        ErrorCode::ClientIdInUse,
        ErrorCode::GatewayTooOld,
        ErrorCode::ConnectionLost,
        ErrorCode::ProtocolError,
        ErrorCode::HeartbeatTimeout,
        ErrorCode::ForceDisconnectRequired,
        ErrorCode::Internal,
        ErrorCode::WorkerMissing,
        ErrorCode::WorkerSpawnFailed,
        ErrorCode::SupervisorStopped,
        ErrorCode::RequestTimeout,
        ErrorCode::WorkerUnresponsive,
        ErrorCode::GatewayDropsSessions,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::NotConnected => "NOT_CONNECTED",
            ErrorCode::AlreadyConnected => "ALREADY_CONNECTED",
            ErrorCode::ConnectionRefused => "CONNECTION_REFUSED",
            ErrorCode::HandshakeTimeout => "HANDSHAKE_TIMEOUT",
            ErrorCode::GatewayUnresponsive => "GATEWAY_UNRESPONSIVE",
            ErrorCode::ClientIdInUse => "CLIENT_ID_IN_USE",
            ErrorCode::GatewayTooOld => "GATEWAY_TOO_OLD",
            ErrorCode::ConnectionLost => "CONNECTION_LOST",
            ErrorCode::ProtocolError => "PROTOCOL_ERROR",
            ErrorCode::HeartbeatTimeout => "HEARTBEAT_TIMEOUT",
            ErrorCode::ForceDisconnectRequired => "FORCE_DISCONNECT_REQUIRED",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::WorkerMissing => "WORKER_MISSING",
            ErrorCode::WorkerSpawnFailed => "WORKER_SPAWN_FAILED",
            ErrorCode::SupervisorStopped => "SUPERVISOR_STOPPED",
            ErrorCode::RequestTimeout => "REQUEST_TIMEOUT",
            ErrorCode::WorkerUnresponsive => "WORKER_UNRESPONSIVE",
            ErrorCode::GatewayDropsSessions => "GATEWAY_DROPS_SESSIONS",
            ErrorCode::Unknown(UnknownCode(code)) => code,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_matches_as_str_for_every_code() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(&code).expect("serialize");
            assert_eq!(json, serde_json::Value::String(code.as_str().into()));
            let back: ErrorCode = serde_json::from_value(json).expect("deserialize");
            assert_eq!(back, code);
        }
    }

    #[test]
    fn a_code_this_build_does_not_know_is_kept_as_sent() {
        let back: ErrorCode =
            serde_json::from_value(serde_json::json!("SOMETHING_NEW")).expect("deserialize");
        assert_eq!(
            back,
            ErrorCode::Unknown(UnknownCode("SOMETHING_NEW".into()))
        );
        assert_eq!(back.as_str(), "SOMETHING_NEW");
        assert_eq!(
            serde_json::to_value(&back).expect("serialize"),
            serde_json::json!("SOMETHING_NEW")
        );
        // A known code never reads as unknown.
        let known: ErrorCode =
            serde_json::from_value(serde_json::json!("CLIENT_ID_IN_USE")).expect("deserialize");
        assert_eq!(known, ErrorCode::ClientIdInUse);
    }
}
