//! IBC (the program many traders run IB Gateway under) as Gateway Doctor shows it: what was found in IBC's
//! config.ini and where, why a command to IBC's command server failed, why a restart was held back, and a
//! restart followed through step by step. gateway-core's `ibc` module computes these; the app and the CLI
//! show them. Times are Unix milliseconds.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The settings of IBC's config.ini that Gateway Doctor reads, by IBC's own names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum IbcKey {
    CommandServerPort,
    BindAddress,
    ControlFrom,
    TradingMode,
    ReadOnlyApi,
    OverrideTwsApiPort,
    CommandPrompt,
    SuppressInfoMessages,
}

impl IbcKey {
    pub const ALL: [IbcKey; 8] = [
        IbcKey::CommandServerPort,
        IbcKey::BindAddress,
        IbcKey::ControlFrom,
        IbcKey::TradingMode,
        IbcKey::ReadOnlyApi,
        IbcKey::OverrideTwsApiPort,
        IbcKey::CommandPrompt,
        IbcKey::SuppressInfoMessages,
    ];

    /// The name as written in config.ini (IBC matches names case-sensitively).
    pub fn name(self) -> &'static str {
        match self {
            IbcKey::CommandServerPort => "CommandServerPort",
            IbcKey::BindAddress => "BindAddress",
            IbcKey::ControlFrom => "ControlFrom",
            IbcKey::TradingMode => "TradingMode",
            IbcKey::ReadOnlyApi => "ReadOnlyApi",
            IbcKey::OverrideTwsApiPort => "OverrideTwsApiPort",
            IbcKey::CommandPrompt => "CommandPrompt",
            IbcKey::SuppressInfoMessages => "SuppressInfoMessages",
        }
    }
}

/// One setting found in config.ini: its value as IBC uses it, and the file and line it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct IbcSetting {
    pub key: IbcKey,
    pub value: String,
    pub path: String,
    /// From 1: the line where the setting starts.
    pub line: u32,
}

/// What was found in IBC's config.ini.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct IbcConfigView {
    pub path: String,
    /// The settings that have a value (a setting left blank is IBC's default and is not listed).
    pub settings: Vec<IbcSetting>,
    /// Where the command server can be reached from this computer (`None`: IBC's command server is off).
    pub command_server: Option<String>,
}

/// Why something to do with IBC failed, as the UI branches on it. SCREAMING_SNAKE_CASE on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IbcErrorCode {
    /// No config.ini was found, or its command server is off (no CommandServerPort).
    IbcNotConfigured,
    /// config.ini exists but could not be read.
    IbcConfigUnreadable,
    /// config.ini holds a value IBC would reject or ignore.
    IbcConfigInvalid,
    /// Nothing accepted a connection on the command server's port.
    IbcUnreachable,
    /// The command server closed the connection without answering (ControlFrom does not allow us).
    IbcRefused,
    /// The command server did not answer in time.
    IbcTimeout,
    /// The command server answered with something that is not IBC's reply format.
    IbcBadReply,
    /// IBC answered the command with ERROR.
    IbcCommandFailed,
    /// A restart was sent less than the restart period ago.
    RestartTooSoon,
    /// The day's restarts are used up.
    RestartDailyCap,
    /// The shared restart record could not be read or written.
    RestartRecordUnusable,
}

impl IbcErrorCode {
    pub const ALL: [IbcErrorCode; 11] = [
        IbcErrorCode::IbcNotConfigured,
        IbcErrorCode::IbcConfigUnreadable,
        IbcErrorCode::IbcConfigInvalid,
        IbcErrorCode::IbcUnreachable,
        IbcErrorCode::IbcRefused,
        IbcErrorCode::IbcTimeout,
        IbcErrorCode::IbcBadReply,
        IbcErrorCode::IbcCommandFailed,
        IbcErrorCode::RestartTooSoon,
        IbcErrorCode::RestartDailyCap,
        IbcErrorCode::RestartRecordUnusable,
    ];
}

/// A failure in words a trader can act on, the code the UI branches on, and technical details apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct IbcFailure {
    pub code: IbcErrorCode,
    pub message: String,
    pub details: String,
    /// For a restart held back by the guard: when the next one is allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_allowed_ms: Option<i64>,
}

/// A step of a restart through IBC, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RestartPhase {
    /// IBC accepted RESTART.
    Sent,
    /// Nothing listens on the Gateway's port any more: it has gone down to restart.
    DownSeen,
    /// The Gateway's port listens again (a new listening socket).
    ListeningAgain,
}

/// One step reached, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RestartStep {
    pub phase: RestartPhase,
    pub at_ms: i64,
}

/// How a restart through IBC ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RestartOutcome {
    /// The Gateway went down and listens again.
    Back,
    /// The deadline passed before the Gateway went down (IBC may restart it later).
    NeverWentDown,
    /// The Gateway went down and did not listen again before the deadline.
    NotBackInTime,
    /// RESTART was accepted, but this computer's connection table cannot be read here, so whether the
    /// Gateway came back was not watched (nothing is claimed).
    NotWatched,
}

/// A restart through IBC, followed through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RestartReport {
    /// The command server RESTART went to (`host:port`).
    pub command_server: String,
    /// The Gateway's API port that was watched.
    pub gateway_port: u16,
    /// IBC's reply, as received (`OK RESTART in progress`).
    pub reply: String,
    /// The steps reached, in order, with their times.
    pub steps: Vec<RestartStep>,
    pub outcome: RestartOutcome,
    /// From the Gateway going down to listening again (when both were seen).
    pub down_ms: Option<i64>,
    /// From RESTART being sent to the end of the follow-through.
    pub took_ms: i64,
    /// Plain words for the trader; technical detail in `details`.
    pub message: String,
    pub details: String,
}
