//! Restarting IB Gateway through IBC from the app: finding IBC's config.ini (the file named in Settings,
//! else IBC's usual places), the Restart screen's view (rules in restart_view.rs), and a restart run: the
//! guard checked up front, RESTART sent and followed through by gateway-core (`ibc::restart`, which only
//! watches the port, never connects), each step published on `restart://progress`, then exactly one
//! reconnect of the session once the Gateway listens again. "Stop IB Gateway" sends STOP.
//!
//! Every command sent to IBC, its reply and the outcome go to the log store (source "restart"), so the Logs
//! screen and the support bundle have them. The restart record (the guard's `restarts.json`, Options) is the
//! one `gateway-doctor restart` uses, so the limits hold across the app and the terminal.

mod auto;
mod finding;
mod ibc_commands;
mod run;
mod screen;

use std::sync::atomic::AtomicU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use gateway_core::ibc::{CommandServer, IbcError, RestartGuard, RestartPlan};
use gateway_core::supervisor::{LogLine, SupervisorState};
use gateway_proto::{IbcErrorCode, Level};
use serde_json::json;
use tokio::sync::watch;

use crate::error::{AppError, AppErrorCode, CommandCode, CommandError};
use crate::restart_view::{RestartRun, RunResult};
use crate::state::AppState;

pub use auto::auto;
pub use ibc_commands::{reconnect_account, start_gateway, stop};
pub use run::start;
pub use screen::view;

/// How an automatic restart's messages start.
const AUTOMATIC: &str = "Automatic restart (on in Settings):";

/// How long the one reconnect after the restart may take beyond the connect timeout.
const SESSION_MARGIN: Duration = Duration::from_secs(10);

/// Why a restart or stop through IBC was not started.
#[derive(Debug, thiserror::Error)]
pub enum RestartError {
    #[error("{0}")]
    Ibc(#[from] IbcError),
    #[error("IBC is not set up for restarts: {0}")]
    NotFound(String),
    #[error("{0}")]
    ConfirmationRequired(String),
    #[error("a restart of IB Gateway is already running: wait for it to finish")]
    InProgress,
    /// The shared restart record cannot be used, so no restart is sent (the guard must hold).
    #[error("{0}")]
    RecordUnusable(String),
    #[error("{0}")]
    CannotStart(String),
    #[error("{0}")]
    App(#[from] AppError),
}

impl RestartError {
    pub fn code(&self) -> CommandCode {
        match self {
            RestartError::Ibc(err) => CommandCode::Ibc(err.code()),
            RestartError::NotFound(_) => CommandCode::Ibc(IbcErrorCode::IbcNotConfigured),
            RestartError::ConfirmationRequired(_) => {
                CommandCode::App(AppErrorCode::ConfirmationRequired)
            }
            RestartError::InProgress => CommandCode::App(AppErrorCode::RestartInProgress),
            RestartError::RecordUnusable(_) => {
                CommandCode::Ibc(IbcErrorCode::RestartRecordUnusable)
            }
            RestartError::CannotStart(_) => CommandCode::App(AppErrorCode::GatewayNotStarted),
            RestartError::App(err) => err.code(),
        }
    }
}

impl From<RestartError> for CommandError {
    fn from(err: RestartError) -> CommandError {
        match err {
            RestartError::App(app) => app.into(),
            other => {
                let detail = match &other {
                    RestartError::Ibc(ibc) => serde_json::to_value(ibc.to_failure()).ok(),
                    RestartError::ConfirmationRequired(question) => {
                        Some(json!({ "question": question }))
                    }
                    _ => None,
                };
                CommandError {
                    code: other.code(),
                    message: other.to_string(),
                    detail,
                }
            }
        }
    }
}

/// The app's restarts through IBC: the run in progress (or the last one), published to the UI.
pub struct Restarts {
    run: watch::Sender<Option<RestartRun>>,
    next_id: AtomicU32,
    /// Accounts last seen in a session, so a LIVE account is known while the session is down.
    last_accounts: Mutex<Vec<String>>,
}

impl Default for Restarts {
    fn default() -> Self {
        Restarts {
            run: watch::Sender::new(None),
            next_id: AtomicU32::new(1),
            last_accounts: Mutex::new(Vec::new()),
        }
    }
}

impl Restarts {
    pub fn watch(&self) -> watch::Receiver<Option<RestartRun>> {
        self.run.subscribe()
    }

    pub fn current(&self) -> Option<RestartRun> {
        self.run.borrow().clone()
    }

    fn running(&self) -> bool {
        self.run
            .borrow()
            .as_ref()
            .is_some_and(|run| run.result == RunResult::Running)
    }

    fn update(&self, change: impl FnOnce(&mut RestartRun)) {
        self.run.send_modify(|run| {
            if let Some(run) = run.as_mut() {
                change(run);
                // Whatever step it is at, the trader sees that nobody clicked.
                if run.automatic && !run.message.starts_with(AUTOMATIC) {
                    run.message = format!("{AUTOMATIC} {}", run.message);
                }
            }
        });
    }

    fn note_accounts(&self, state: &SupervisorState) {
        if !state.worker.accounts.is_empty() {
            *self
                .last_accounts
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = state.worker.accounts.clone();
        }
    }

    fn accounts(&self) -> Vec<String> {
        self.last_accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The restart record shared with every Gateway Doctor program (`restarts.json` in the settings folder).
fn guard(state: &AppState) -> Result<RestartGuard, RestartError> {
    state
        .options
        .restarts_path
        .clone()
        .map(RestartGuard::new)
        .ok_or_else(|| {
            RestartError::RecordUnusable(
                "this computer has no settings folder for the restart record, so Gateway Doctor does not \
                 restart IB Gateway (the limit on restarts could not hold)"
                    .into(),
            )
        })
}

/// The Gateway's host and API port the session uses (the demo's while the demo runs).
fn gateway(state: &AppState) -> (String, u16) {
    let host = state
        .applied()
        .map_or_else(|| "127.0.0.1".to_string(), |config| config.host());
    (host, state.port())
}

fn plan_key(host: &str, port: u16) -> String {
    RestartPlan::new(CommandServer::loopback(0), host, port).gateway_key
}

fn record(state: &AppState, level: Level, message: String) {
    state.logs.record(LogLine {
        at_ms: gateway_core::now_ms(),
        level,
        source: "restart".into(),
        message,
    });
}
