//! Errors. Inside the app each module returns [`AppError`] (one `thiserror` enum, messages in plain words);
//! at the IPC boundary it becomes a [`CommandError`] `{code, message, detail}` with a stable SCREAMING_SNAKE
//! code the UI branches on and, where there is one, a structured `detail` (e.g. the bad settings). Codes of
//! gateway-core's errors (sockets, supervisor) pass through unchanged.

use gateway_core::config::{ImportError, InvalidValue};
use gateway_core::sockets::SocketError;
use gateway_core::supervisor::SupervisorError;
use serde::Serialize;
use serde_json::{Value, json};
use ts_rs::TS;

/// What every failing command returns to the UI.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CommandError {
    /// SCREAMING_SNAKE, stable: the UI branches on it.
    pub code: String,
    /// Plain words for a trader.
    pub message: String,
    /// Structured detail when there is some (BAD_CONFIG: the InvalidValue list), else null.
    pub detail: Option<Value>,
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
    #[error("ending processes needs the list of processes you confirmed: scan again and confirm")]
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
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadConfig(_) => "BAD_CONFIG",
            AppError::UnknownSetting(_) => "UNKNOWN_SETTING",
            AppError::SettingsWrite(_) => "SETTINGS_WRITE_FAILED",
            AppError::SettingOverridden(_) => "SETTING_OVERRIDDEN",
            AppError::Import(e) => e.code(),
            AppError::Sockets(e) => e.code(),
            AppError::Supervisor(e) => e.code().as_str(),
            AppError::ConfirmationRequired => "CONFIRMATION_REQUIRED",
            AppError::DemoNotRunning => "DEMO_NOT_RUNNING",
            AppError::Demo(_) => "DEMO_FAILED",
            AppError::DesktopOnly => "DESKTOP_ONLY",
            AppError::Autostart(_) => "AUTOSTART_FAILED",
            AppError::OpenFolder(_) => "OPEN_FOLDER_FAILED",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    /// A background task (a blocking socket scan) ended without an answer.
    pub fn join(err: tokio::task::JoinError) -> AppError {
        AppError::Internal(format!("a background task stopped: {err}"))
    }
}

impl From<AppError> for CommandError {
    fn from(err: AppError) -> CommandError {
        let detail = match &err {
            AppError::BadConfig(invalid) => serde_json::to_value(invalid).ok(),
            AppError::UnknownSetting(key) => Some(json!({ "key": key })),
            AppError::Import(e) if !e.invalid().is_empty() => {
                serde_json::to_value(e.invalid()).ok()
            }
            _ => None,
        };
        CommandError {
            code: err.code().to_string(),
            message: capitalised(&err.to_string()),
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
