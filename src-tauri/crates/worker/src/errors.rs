//! Every way a request can fail, each with its protocol code and a message a trader can act on.
//!
//! The messages are whole sentences because they reach the user as they are (the `message` of an error
//! line); context that only a developer needs goes to the log instead.

use std::time::Duration;

use gateway_proto::{ErrorBody, ErrorCode, HandshakeStep};

/// What to do about a Gateway whose API layer stopped answering. Only a restart clears that state.
pub const RESTART_STEPS: &str = "Restart IB Gateway: File \u{2192} Exit, start it again and log in (with 2FA), \
     then connect again.";

pub const NO_SESSION: &str = "There is no API session: send connect first.";
pub const STILL_CONNECTING: &str =
    "There is no API session yet: a connect is in progress; wait for its answer.";

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("{0}")]
    BadRequest(String),

    /// One of [`NO_SESSION`] or [`STILL_CONNECTING`].
    #[error("{0}")]
    NotConnected(&'static str),

    #[error(
        "Already connected to {addr} as client id {client_id}; the session stays open. Use status to see it."
    )]
    AlreadyConnected { addr: String, client_id: i32 },

    #[error("A connect is already in progress; wait for its answer.")]
    ConnectInProgress,

    #[error(
        "Nothing is accepting connections on {addr}. Start IB Gateway and log in, and check the port \
         (4002 Gateway paper, 4001 Gateway live, 7497 TWS paper, 7496 TWS live) and that the API is enabled \
         in Configure \u{2192} Settings \u{2192} API \u{2192} Settings."
    )]
    ConnectionRefused { addr: String },

    #[error(
        "Could not open a connection to {addr} ({reason}). Check the host name and port and that the \
         network is up."
    )]
    Unreachable { addr: String, reason: String },

    #[error(
        "{addr} closed the connection as soon as Gateway Doctor said hello. IB Gateway does this to \
         connections it does not trust: in Configure \u{2192} Settings \u{2192} API \u{2192} Settings, add this \
         computer's address to the Trusted IPs (127.0.0.1 for this computer)."
    )]
    RejectedAtHello { addr: String },

    /// The message says how far the handshake got; see `connect::describe_timeout`.
    #[error("{0}")]
    HandshakeTimeout(String),

    #[error(
        "Gateway API layer is unresponsive: {timeouts} connects in a row got no answer to the handshake, so \
         no new connection will be opened (each attempt can make it worse). Restart IB Gateway: \
         File \u{2192} Exit, start it again and log in (with 2FA); then choose \"I restarted Gateway\" (reset) \
         and connect."
    )]
    GuardrailLatched { timeouts: u32 },

    #[error(
        "The Gateway did not answer {what} within {secs:.1} s: its API layer is not responding. {RESTART_STEPS}",
        secs = .within.as_secs_f64()
    )]
    NoAnswer {
        what: &'static str,
        within: Duration,
    },

    #[error(
        "Client id {client_id} is already in use by another connection to this Gateway. Close the program \
         using it or choose another client id; if nothing else should be using it, an old connection may \
         still hold it (see Connections)."
    )]
    ClientIdInUse { client_id: i32 },

    #[error(
        "IB Gateway on {addr} speaks API server version {seen}; Gateway Doctor needs 213 or newer. Update \
         IB Gateway (or TWS) to a current release (the \"latest\" or \"stable\" download from \
         Interactive Brokers), then connect again."
    )]
    GatewayTooOld { addr: String, seen: i32 },

    #[error("{0}")]
    ConnectionLost(String),

    #[error(
        "The program on {addr} answered with bytes that are not the TWS API ({detail}). Check that this port \
         belongs to IB Gateway or TWS and not to another program."
    )]
    ProtocolError { addr: String, detail: String },

    #[error(
        "The Gateway did not answer the heartbeat (reqCurrentTime) within {secs:.1} s.",
        secs = .within.as_secs_f64()
    )]
    HeartbeatTimeout { within: Duration },

    #[error(
        "Disconnect is switched off: an explicit disconnect has left IB Gateway's API layer dead in the \
         field, so the session stays open. Stop the worker instead (shutdown), or set \
         IBKR_FORCE_DISCONNECT=1 to allow it."
    )]
    ForceDisconnectRequired,

    #[error("Internal error in gateway-worker: {0}")]
    Internal(String),
}

impl WorkerError {
    pub fn code(&self) -> ErrorCode {
        match self {
            WorkerError::BadRequest(_) => ErrorCode::BadRequest,
            WorkerError::NotConnected(_) => ErrorCode::NotConnected,
            WorkerError::AlreadyConnected { .. } | WorkerError::ConnectInProgress => {
                ErrorCode::AlreadyConnected
            }
            WorkerError::ConnectionRefused { .. }
            | WorkerError::Unreachable { .. }
            | WorkerError::RejectedAtHello { .. } => ErrorCode::ConnectionRefused,
            WorkerError::HandshakeTimeout(_) => ErrorCode::HandshakeTimeout,
            WorkerError::GuardrailLatched { .. } | WorkerError::NoAnswer { .. } => {
                ErrorCode::GatewayUnresponsive
            }
            WorkerError::ClientIdInUse { .. } => ErrorCode::ClientIdInUse,
            WorkerError::GatewayTooOld { .. } => ErrorCode::GatewayTooOld,
            WorkerError::ConnectionLost(_) => ErrorCode::ConnectionLost,
            WorkerError::ProtocolError { .. } => ErrorCode::ProtocolError,
            WorkerError::HeartbeatTimeout { .. } => ErrorCode::HeartbeatTimeout,
            WorkerError::ForceDisconnectRequired => ErrorCode::ForceDisconnectRequired,
            WorkerError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The error as the protocol carries it.
    pub fn body(&self) -> ErrorBody {
        ErrorBody::new(self.code(), self.to_string())
    }

    /// The error with the handshake steps a failed connect reached.
    pub fn body_with_steps(&self, steps: Vec<HandshakeStep>) -> ErrorBody {
        ErrorBody {
            steps: Some(steps),
            ..self.body()
        }
    }
}
