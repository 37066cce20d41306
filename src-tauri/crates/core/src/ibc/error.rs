//! The one error type of the ibc module. Its Display is the plain sentence a trader reads; [`IbcError::details`]
//! holds the technical part (addresses, what was received, the system's error), shown apart.

use std::time::Duration;

use gateway_proto::{IbcErrorCode, IbcFailure};

use super::config::IbcConfigError;
use super::guard::RestartRecordError;

/// Why talking to IBC, or restarting the Gateway through it, did not happen or failed.
#[derive(Debug, thiserror::Error)]
pub enum IbcError {
    #[error("IBC's command server is not set up: {why}")]
    NotConfigured { why: String },
    #[error(transparent)]
    Config(#[from] IbcConfigError),
    #[error("IBC's command server at {server} cannot be reached: is IBC running, on that port?")]
    Unreachable {
        server: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "IBC's command server at {server} closed the connection without answering: IBC only takes commands \
         from this computer and the addresses in its ControlFrom setting"
    )]
    Refused { server: String },
    #[error("IBC's command server at {server} did not answer within {waited:?}")]
    Timeout {
        server: String,
        waited: Duration,
        received: String,
    },
    #[error("IBC's command server at {server} answered something that is not an IBC reply")]
    BadReply { server: String, received: String },
    #[error("IBC refused the command {command}: {text}")]
    CommandFailed {
        server: String,
        command: &'static str,
        text: String,
    },
    #[error(
        "IB Gateway was restarted less than {period_min} minutes ago: the next restart is allowed at {next_allowed}"
    )]
    RestartTooSoon {
        period_min: u64,
        next_allowed: String,
        next_allowed_ms: i64,
    },
    #[error(
        "IB Gateway was already restarted {cap} times in the last 24 hours: the next restart is allowed at {next_allowed}"
    )]
    RestartDailyCap {
        cap: u32,
        next_allowed: String,
        next_allowed_ms: i64,
    },
    #[error(transparent)]
    Record(#[from] RestartRecordError),
}

impl IbcError {
    /// A stable SCREAMING_SNAKE code for the UI and the CLI's JSON output.
    pub fn code(&self) -> IbcErrorCode {
        match self {
            IbcError::NotConfigured { .. } => IbcErrorCode::IbcNotConfigured,
            IbcError::Config(err) => err.code(),
            IbcError::Unreachable { .. } => IbcErrorCode::IbcUnreachable,
            IbcError::Refused { .. } => IbcErrorCode::IbcRefused,
            IbcError::Timeout { .. } => IbcErrorCode::IbcTimeout,
            IbcError::BadReply { .. } => IbcErrorCode::IbcBadReply,
            IbcError::CommandFailed { .. } => IbcErrorCode::IbcCommandFailed,
            IbcError::RestartTooSoon { .. } => IbcErrorCode::RestartTooSoon,
            IbcError::RestartDailyCap { .. } => IbcErrorCode::RestartDailyCap,
            IbcError::Record(_) => IbcErrorCode::RestartRecordUnusable,
        }
    }

    /// The technical part: addresses, what was received, the system's own error text.
    pub fn details(&self) -> String {
        match self {
            IbcError::NotConfigured { .. }
            | IbcError::Config(_)
            | IbcError::Record(_)
            | IbcError::RestartTooSoon { .. }
            | IbcError::RestartDailyCap { .. } => String::new(),
            IbcError::Unreachable { server, source } => format!("connect to {server}: {source}"),
            IbcError::Refused { server } => {
                format!("{server} accepted the TCP connection and closed it before sending a byte")
            }
            IbcError::Timeout {
                server, received, ..
            } => format!("{server}; received before the deadline: {received:?}"),
            IbcError::BadReply { server, received } => format!("{server} sent {received:?}"),
            IbcError::CommandFailed { server, text, .. } => {
                format!("{server} answered \"ERROR {text}\"")
            }
        }
    }

    /// When a restart held back by the guard is allowed again.
    pub fn next_allowed_ms(&self) -> Option<i64> {
        match self {
            IbcError::RestartTooSoon {
                next_allowed_ms, ..
            }
            | IbcError::RestartDailyCap {
                next_allowed_ms, ..
            } => Some(*next_allowed_ms),
            _ => None,
        }
    }

    /// The error as the UI and the CLI's JSON show it.
    pub fn to_failure(&self) -> IbcFailure {
        IbcFailure {
            code: self.code(),
            message: self.to_string(),
            details: self.details(),
            next_allowed_ms: self.next_allowed_ms(),
        }
    }
}
