//! Every way a request can fail, each with its protocol code and a message a trader can act on.
//!
//! The messages are whole sentences because they reach the user as they are (the `message` of an error
//! line), so they name no protocol messages or versions (gateway_proto::words::JARGON, checked by the tests
//! below); context that only a developer needs goes to the log instead (connect.rs logs every connect
//! failure with ibapi's own error).

use std::time::Duration;

use gateway_proto::{ErrorBody, ErrorCode, HandshakeStep};

/// What to do about a Gateway whose API layer stopped answering. Only a restart clears that state.
pub const RESTART_STEPS: &str = "Restart IB Gateway: File \u{2192} Exit, start it again and log in (with 2FA), \
     then connect again.";

pub const NO_SESSION: &str = "Not connected to IB Gateway: connect first.";
pub const STILL_CONNECTING: &str =
    "Not connected to IB Gateway yet: a connect is in progress; wait for its answer.";

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("{0}")]
    BadRequest(String),

    /// One of [`NO_SESSION`] or [`STILL_CONNECTING`].
    #[error("{0}")]
    NotConnected(&'static str),

    #[error("Already connected to {addr} as client id {client_id}; the session stays open.")]
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
         connections it does not trust: in Configure \u{2192} Settings \u{2192} API \u{2192} Settings, tick \
         \u{201c}Allow connections from localhost only\u{201d} (Gateway Doctor on the same computer), or add \
         this computer's address to \u{201c}Trusted IPs\u{201d} (127.0.0.1 is this computer)."
    )]
    RejectedAtHello { addr: String },

    /// The message says how far the handshake got; see `connect::describe_timeout`.
    #[error("{0}")]
    HandshakeTimeout(String),

    #[error(
        "Gateway API layer is unresponsive: {timeouts} connects in a row got no answer, so no new \
         connection will be opened (each attempt can make it worse). Restart IB Gateway: \
         File \u{2192} Exit, start it again and log in (with 2FA); then choose \"I restarted Gateway\" and \
         connect."
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
        "IB Gateway on {addr} is too old for Gateway Doctor. Update IB Gateway (or TWS) to a current \
         release (the \"latest\" or \"stable\" download from Interactive Brokers), then connect again."
    )]
    GatewayTooOld {
        addr: String,
        /// The API versions the Gateway reported and ibapi needs: in the error's `detail`, not in the
        /// message.
        seen: i32,
        needs: i32,
    },

    #[error("{0}")]
    ConnectionLost(String),

    #[error(
        "The program on {addr} answered in a way IB Gateway and TWS never do. Check that this port belongs \
         to IB Gateway or TWS and not to another program."
    )]
    ProtocolError {
        addr: String,
        /// What was wrong with the answer: in the error's `detail`, not in the message.
        detail: String,
    },

    #[error(
        "The Gateway did not answer a heartbeat within {secs:.1} s.",
        secs = .within.as_secs_f64()
    )]
    HeartbeatTimeout { within: Duration },

    #[error(
        "Disconnect is switched off: an explicit disconnect has left IB Gateway's API layer dead in the \
         field, so the session stays open. To allow it, turn on \"Allow disconnecting the session\" in \
         Settings (Advanced)."
    )]
    ForceDisconnectRequired,

    #[error("Internal error in Gateway Doctor's connection helper: {0}")]
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

    /// The error as the protocol carries it: the message in plain words, the protocol facts in `detail`.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            detail: self.detail(),
            ..ErrorBody::new(self.code(), self.to_string())
        }
    }

    /// The technical facts behind the message, for "Details".
    pub fn detail(&self) -> Option<String> {
        match self {
            WorkerError::GatewayTooOld { seen, needs, .. } => Some(format!(
                "server version {seen}; Gateway Doctor needs {needs} or newer"
            )),
            WorkerError::ProtocolError { detail, .. } => Some(detail.clone()),
            WorkerError::Unreachable { reason, .. } => Some(reason.clone()),
            WorkerError::HeartbeatTimeout { .. } => Some("reqCurrentTime unanswered".into()),
            _ => None,
        }
    }

    /// The error with the handshake steps a failed connect reached.
    pub fn body_with_steps(&self, steps: Vec<HandshakeStep>) -> ErrorBody {
        ErrorBody {
            steps: Some(steps),
            ..self.body()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_proto::words::jargon_in;

    /// One of every error, with the values a real one carries. BadRequest is left out: it answers a
    /// malformed request line (the app never sends one), and naming the bad key is its whole point.
    fn every_error() -> Vec<WorkerError> {
        let addr = || "127.0.0.1:4002".to_string();
        vec![
            WorkerError::NotConnected(NO_SESSION),
            WorkerError::NotConnected(STILL_CONNECTING),
            WorkerError::AlreadyConnected {
                addr: addr(),
                client_id: 7,
            },
            WorkerError::ConnectInProgress,
            WorkerError::ConnectionRefused { addr: addr() },
            WorkerError::Unreachable {
                addr: addr(),
                reason: "Network is unreachable".into(),
            },
            WorkerError::RejectedAtHello { addr: addr() },
            WorkerError::GuardrailLatched { timeouts: 3 },
            WorkerError::NoAnswer {
                what: "the request for the account list",
                within: Duration::from_secs(5),
            },
            WorkerError::ClientIdInUse { client_id: 7 },
            WorkerError::GatewayTooOld {
                addr: addr(),
                seen: 187,
                needs: 213,
            },
            WorkerError::ProtocolError {
                addr: addr(),
                detail: "unexpected msg_id 99 in the server version reply".into(),
            },
            WorkerError::HeartbeatTimeout {
                within: Duration::from_secs(3),
            },
            WorkerError::ForceDisconnectRequired,
            WorkerError::Internal("the session task ended".into()),
        ]
    }

    #[test]
    fn every_error_reads_without_protocol_words() {
        for err in every_error() {
            let text = err.to_string();
            assert_eq!(
                jargon_in(&text),
                Vec::<&str>::new(),
                "{:?}: {text}",
                err.code()
            );
        }
    }

    #[test]
    fn a_too_old_gateway_keeps_its_version_out_of_the_words() {
        let err = WorkerError::GatewayTooOld {
            addr: "127.0.0.1:4002".into(),
            seen: 187,
            needs: 213,
        };
        let text = err.to_string();
        assert!(!text.contains("187") && !text.contains("213"), "{text}");
        assert!(text.contains("too old"), "{text}");
        let detail = err.body().detail.unwrap_or_default();
        assert!(detail.contains("187") && detail.contains("213"), "{detail}");
    }
}
