//! Errors. Inside the app each module returns [`AppError`] (one `thiserror` enum, messages in plain words);
//! at the IPC boundary it becomes a [`CommandError`] `{code, message, detail}` with a stable SCREAMING_SNAKE
//! code the UI branches on and, where there is one, a structured `detail` (e.g. the bad settings). The code
//! is a [`CommandCode`]: the app's own [`AppErrorCode`] or the typed code of the part that failed (the
//! worker and supervisor, sockets, the `.env` import, IBC), passed through as it is, never re-read from
//! text. gateway-core's messages name kernel tables and program paths, so the trader gets plain words and
//! the original goes to `detail.technical` ("Details").

use gateway_core::config::{ImportError, ImportErrorCode, InvalidValue};
use gateway_core::sockets::{SocketError, SocketErrorCode};
use gateway_core::supervisor::SupervisorError;
use gateway_proto::{ErrorCode, IbcErrorCode};
use serde::Serialize;
use serde_json::{Value, json};
use ts_rs::TS;

/// What every failing command returns to the UI.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CommandError {
    /// SCREAMING_SNAKE, stable: the UI branches on it.
    pub code: CommandCode,
    /// Plain words for a trader.
    pub message: String,
    /// Structured detail when there is some (BAD_CONFIG: the InvalidValue list; a sockets or supervisor
    /// error: `{"technical": "<the original message>"}`, shown under "Details"), else null.
    pub detail: Option<Value>,
}

/// The code of a failed command: one string on the wire (`"BAD_CONFIG"`, `"HANDSHAKE_TIMEOUT"`...), typed
/// by the part that failed. In TypeScript the union of those parts' codes, so the UI's table of words
/// (ui/src/model/errors.ts) fails to compile when a code has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(untagged)]
pub enum CommandCode {
    /// The worker's and the supervisor's codes (a code they sent that this build does not know included).
    Session(ErrorCode),
    App(AppErrorCode),
    Sockets(SocketErrorCode),
    Import(ImportErrorCode),
    Ibc(IbcErrorCode),
}

/// The app's own codes: what fails in the app itself rather than in a part it calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AppErrorCode {
    BadConfig,
    UnknownSetting,
    SettingsWriteFailed,
    SettingOverridden,
    /// Ending programs or restarting the Gateway needs the trader's yes first.
    ConfirmationRequired,
    DemoNotRunning,
    DemoFailed,
    DesktopOnly,
    AutostartFailed,
    OpenFolderFailed,
    RestartInProgress,
    GatewayNotStarted,
    /// A command name or its arguments were not understood (a window and a keeper that do not match).
    CommandNotUnderstood,
    /// The window cannot reach the part of Gateway Doctor that keeps the session (the keeper).
    KeeperUnreachable,
}

impl AppErrorCode {
    pub const ALL: [AppErrorCode; 14] = [
        AppErrorCode::BadConfig,
        AppErrorCode::UnknownSetting,
        AppErrorCode::SettingsWriteFailed,
        AppErrorCode::SettingOverridden,
        AppErrorCode::ConfirmationRequired,
        AppErrorCode::DemoNotRunning,
        AppErrorCode::DemoFailed,
        AppErrorCode::DesktopOnly,
        AppErrorCode::AutostartFailed,
        AppErrorCode::OpenFolderFailed,
        AppErrorCode::RestartInProgress,
        AppErrorCode::GatewayNotStarted,
        AppErrorCode::CommandNotUnderstood,
        AppErrorCode::KeeperUnreachable,
    ];
}

impl CommandCode {
    /// Every code this build knows, each kind in its enum's order.
    pub fn known() -> Vec<CommandCode> {
        let session = ErrorCode::ALL.into_iter().map(CommandCode::Session);
        let app = AppErrorCode::ALL.into_iter().map(CommandCode::App);
        let sockets = SocketErrorCode::ALL.into_iter().map(CommandCode::Sockets);
        let import = ImportErrorCode::ALL.into_iter().map(CommandCode::Import);
        let ibc = IbcErrorCode::ALL.into_iter().map(CommandCode::Ibc);
        session
            .chain(app)
            .chain(sockets)
            .chain(import)
            .chain(ibc)
            .collect()
    }

    /// The code as it goes on the wire.
    pub fn wire(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// Why something the app was asked to do failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("a setting is wrong: {}", .0.first().map_or("see the list", |v| v.message.as_str()))]
    BadConfig(Vec<InvalidValue>),
    #[error("there is no setting called {0:?}")]
    UnknownSetting(String),
    #[error("the settings could not be saved: {0}")]
    SettingsWrite(String),
    /// A value was saved, but a higher source (the environment, .env) still wins.
    #[error("{0}")]
    SettingOverridden(String),
    /// The trading program's `.env` could not be imported (nothing changed).
    #[error("{0}")]
    Import(#[from] ImportError),
    #[error("{0}")]
    Sockets(#[from] SocketError),
    #[error("{0}")]
    Supervisor(#[from] SupervisorError),
    #[error("ending programs needs the list of programs you confirmed: look again and confirm")]
    ConfirmationRequired,
    #[error("the demo gateway is not running: start it first")]
    DemoNotRunning,
    #[error("the demo gateway failed: {0}")]
    Demo(String),
    /// A command of the desktop app asked of an app without a desktop (the tests' mock runtime).
    #[error("this works only in the Gateway Doctor desktop app")]
    DesktopOnly,
    #[error("start at login could not be changed: {0}")]
    Autostart(String),
    #[error("the logs folder could not be opened: {0}")]
    OpenFolder(String),
    #[error("{0}")]
    CommandNotUnderstood(String),
    #[error("{0}")]
    KeeperUnreachable(String),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> CommandCode {
        match self {
            AppError::BadConfig(_) => CommandCode::App(AppErrorCode::BadConfig),
            AppError::UnknownSetting(_) => CommandCode::App(AppErrorCode::UnknownSetting),
            AppError::SettingsWrite(_) => CommandCode::App(AppErrorCode::SettingsWriteFailed),
            AppError::SettingOverridden(_) => CommandCode::App(AppErrorCode::SettingOverridden),
            AppError::Import(e) => CommandCode::Import(e.code()),
            AppError::Sockets(e) => CommandCode::Sockets(e.code()),
            AppError::Supervisor(e) => CommandCode::Session(e.code()),
            AppError::ConfirmationRequired => CommandCode::App(AppErrorCode::ConfirmationRequired),
            AppError::DemoNotRunning => CommandCode::App(AppErrorCode::DemoNotRunning),
            AppError::Demo(_) => CommandCode::App(AppErrorCode::DemoFailed),
            AppError::DesktopOnly => CommandCode::App(AppErrorCode::DesktopOnly),
            AppError::Autostart(_) => CommandCode::App(AppErrorCode::AutostartFailed),
            AppError::OpenFolder(_) => CommandCode::App(AppErrorCode::OpenFolderFailed),
            AppError::CommandNotUnderstood(_) => {
                CommandCode::App(AppErrorCode::CommandNotUnderstood)
            }
            AppError::KeeperUnreachable(_) => CommandCode::App(AppErrorCode::KeeperUnreachable),
            // One INTERNAL on the wire, whichever part had the bug.
            AppError::Internal(_) => CommandCode::Session(ErrorCode::Internal),
        }
    }

    /// A background task (a blocking socket scan) ended without an answer.
    pub fn join(err: tokio::task::JoinError) -> AppError {
        AppError::Internal(format!("a background task stopped: {err}"))
    }
}

impl AppError {
    /// The message a trader reads: plain words for gateway-core's errors that name the machinery (the
    /// worker's own answers are plain already and pass through), the error's own words otherwise.
    fn plain_message(&self) -> String {
        let plain = match self {
            AppError::Sockets(SocketError::SocketTable { .. }) => {
                "Gateway Doctor could not read this computer's network connections."
            }
            AppError::Sockets(SocketError::Unsupported) => {
                "Gateway Doctor cannot list network connections on this system."
            }
            AppError::Supervisor(SupervisorError::WorkerMissing { .. }) => {
                "Part of Gateway Doctor is missing: reinstall Gateway Doctor."
            }
            AppError::Supervisor(SupervisorError::Spawn { .. }) => {
                "Part of Gateway Doctor could not start."
            }
            AppError::Supervisor(SupervisorError::Stopped) => "Gateway Doctor is shutting down.",
            AppError::CommandNotUnderstood(_) => {
                "Gateway Doctor's window and its background part do not understand each other: quit \
                 Gateway Doctor and start it again."
            }
            AppError::Supervisor(SupervisorError::Timeout { .. }) => {
                "Gateway Doctor did not answer in time: try again."
            }
            _ => return capitalised(&self.to_string()),
        };
        plain.to_string()
    }
}

impl From<AppError> for CommandError {
    fn from(err: AppError) -> CommandError {
        let message = err.plain_message();
        let original = capitalised(&err.to_string());
        let detail = match &err {
            AppError::BadConfig(invalid) => serde_json::to_value(invalid).ok(),
            AppError::UnknownSetting(key) => Some(json!({ "key": key })),
            AppError::Import(e) if !e.invalid().is_empty() => {
                serde_json::to_value(e.invalid()).ok()
            }
            _ if message != original => Some(json!({ "technical": original })),
            _ => None,
        };
        CommandError {
            code: err.code(),
            message,
            detail,
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What command adapters return.
pub type CmdResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use gateway_core::config::{Key, Source};
    use gateway_proto::words::jargon_in;
    use gateway_proto::{ErrorBody, ErrorCode};

    use super::*;

    /// One of every error a command can fail with (the worker's own answers are checked in its crate).
    fn every_error() -> Vec<AppError> {
        vec![
            AppError::BadConfig(vec![InvalidValue {
                key: Key::Port,
                source: Source::Default,
                message: "port 70000 is not between 1 and 65535".into(),
            }]),
            AppError::UnknownSetting("colour".into()),
            AppError::SettingsWrite("the folder is read-only".into()),
            AppError::SettingOverridden("port is set in the environment".into()),
            AppError::Sockets(SocketError::SocketTable {
                source: std::io::Error::other("netlink refused"),
            }),
            AppError::Sockets(SocketError::Unsupported),
            AppError::Supervisor(SupervisorError::WorkerMissing {
                path: PathBuf::from("/opt/gateway-worker"),
            }),
            AppError::Supervisor(SupervisorError::Spawn {
                path: PathBuf::from("/opt/gateway-worker"),
                source: std::io::Error::other("permission denied"),
            }),
            AppError::Supervisor(SupervisorError::Stopped),
            AppError::Supervisor(SupervisorError::Timeout {
                what: "status",
                after: Duration::from_secs(5),
            }),
            AppError::Supervisor(SupervisorError::Worker(ErrorBody::new(
                ErrorCode::NotConnected,
                "Not connected to IB Gateway: connect first.",
            ))),
            AppError::ConfirmationRequired,
            AppError::DemoNotRunning,
            AppError::Demo("it stopped".into()),
            AppError::Internal("a background task stopped".into()),
            AppError::CommandNotUnderstood(
                "get_logs: the arguments are not right: missing field `limit`".into(),
            ),
            AppError::KeeperUnreachable(
                "Gateway Doctor's background part is not running: start Gateway Doctor again."
                    .into(),
            ),
        ]
    }

    #[test]
    fn every_command_error_reads_without_protocol_words() {
        for err in every_error() {
            let code = err.code();
            let sent = CommandError::from(err);
            assert_eq!(sent.code, code);
            assert_eq!(
                jargon_in(&sent.message),
                Vec::<&str>::new(),
                "{code:?}: {}",
                sent.message
            );
        }
    }

    #[test]
    fn the_machinerys_own_words_go_to_details() {
        let sent = CommandError::from(AppError::Supervisor(SupervisorError::WorkerMissing {
            path: PathBuf::from("/opt/gateway-worker"),
        }));
        assert_eq!(sent.code, CommandCode::Session(ErrorCode::WorkerMissing));
        assert_eq!(
            serde_json::to_value(&sent).expect("serialize")["code"],
            "WORKER_MISSING"
        );
        assert!(!sent.message.contains("/opt"), "{}", sent.message);
        let technical = sent.detail.as_ref().and_then(|d| d["technical"].as_str());
        assert!(
            technical.is_some_and(|t| t.contains("/opt/gateway-worker")),
            "{:?}",
            sent.detail
        );
        // Plain errors keep their words and carry no technical detail.
        let plain = CommandError::from(AppError::DemoNotRunning);
        assert_eq!(
            plain.message,
            "The demo gateway is not running: start it first"
        );
        assert_eq!(plain.detail, None);
    }

    #[test]
    fn a_worker_code_this_build_does_not_know_reaches_the_ui_as_sent() {
        let body: ErrorBody = serde_json::from_value(json!({
            "code": "GATEWAY_ON_FIRE",
            "message": "IB Gateway reported something new.",
        }))
        .expect("an answer with a code this build does not know");
        let sent = CommandError::from(AppError::Supervisor(SupervisorError::Worker(body)));
        let wire = serde_json::to_value(&sent).expect("serialize");
        assert_eq!(wire["code"], "GATEWAY_ON_FIRE");
        assert_eq!(wire["message"], "IB Gateway reported something new.");
    }

    #[test]
    fn every_kind_of_code_goes_out_as_its_own_string() {
        let internal = AppError::Internal("x".into()).code();
        for (code, expected) in [
            (
                CommandCode::Session(ErrorCode::HandshakeTimeout),
                "HANDSHAKE_TIMEOUT",
            ),
            (CommandCode::App(AppErrorCode::BadConfig), "BAD_CONFIG"),
            (
                CommandCode::Sockets(SocketErrorCode::SocketTableUnavailable),
                "SOCKET_TABLE_UNAVAILABLE",
            ),
            (
                CommandCode::Import(ImportErrorCode::EnvNotAFile),
                "ENV_NOT_A_FILE",
            ),
            (
                CommandCode::Ibc(IbcErrorCode::RestartTooSoon),
                "RESTART_TOO_SOON",
            ),
            (internal, "INTERNAL"),
        ] {
            assert_eq!(
                serde_json::to_value(&code).expect("serialize"),
                expected,
                "{code:?}"
            );
        }
    }

    #[test]
    fn no_two_kinds_of_code_share_a_wire_string() {
        let mut seen = std::collections::BTreeMap::new();
        for code in CommandCode::known() {
            let wire = code.wire();
            assert!(!wire.is_empty(), "{code:?}");
            if let Some(first) = seen.insert(wire.clone(), code.clone()) {
                panic!("{wire} is both {first:?} and {code:?}");
            }
        }
    }
}
