//! The events the UI listens to, and the background tasks that emit them. Each snapshot command has its
//! change event: `get_status` + `worker://state` (every supervisor change), `get_status_view` +
//! `status://view` (the status light and its words, on every change of either), `get_logs` + `log://line` (every
//! line, app and worker), `get_gateway_presence` + `gateway://presence` (when the listener on the port
//! appears, disappears or changes). `diagnose://progress` is emitted by a diagnose run, and `tray://diagnose`
//! when the tray's Diagnose item asks the window to run one.

use std::sync::Arc;

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

use crate::logstore::LogStore;
use crate::presence;
use crate::state::AppState;

pub const WORKER_STATE: &str = "worker://state";
/// The status view changed (status_feed.rs).
pub const STATUS_VIEW: &str = "status://view";
pub const LOG_LINE: &str = "log://line";
pub const GATEWAY_PRESENCE: &str = "gateway://presence";
pub const DIAGNOSE_PROGRESS: &str = "diagnose://progress";
pub const TRAY_DIAGNOSE: &str = "tray://diagnose";
/// A restart through IBC reached its next step (restart.rs).
pub const RESTART_PROGRESS: &str = "restart://progress";
/// The checklist of a restart by hand ticked a step (restart_checklist.rs).
pub const RESTART_CHECKLIST: &str = "restart://checklist";

/// Every event name, for the capability test.
pub const ALL: [&str; 8] = [
    WORKER_STATE,
    STATUS_VIEW,
    LOG_LINE,
    GATEWAY_PRESENCE,
    DIAGNOSE_PROGRESS,
    TRAY_DIAGNOSE,
    RESTART_PROGRESS,
    RESTART_CHECKLIST,
];

/// Starts the tasks: supervisor log -> log store; store -> `log://line`; supervisor state -> `worker://state`;
/// the presence poll -> `gateway://presence`.
pub fn spawn<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let logs = state.logs.clone();
    let sink = state.supervisor.log().subscribe();
    tauri::async_runtime::spawn(feed(sink, logs.clone()));
    tauri::async_runtime::spawn(lines(app.clone(), logs.subscribe()));
    tauri::async_runtime::spawn(changes(app.clone(), WORKER_STATE, state.supervisor.watch()));
    tauri::async_runtime::spawn(changes(
        app.clone(),
        GATEWAY_PRESENCE,
        state.presence.subscribe(),
    ));
    tauri::async_runtime::spawn(crate::status_feed::follow(app.clone()));
    tauri::async_runtime::spawn(crate::restart_checklist::feed::run(app.clone()));
    let restarts = app.state::<crate::restart::Restarts>();
    tauri::async_runtime::spawn(runs(app.clone(), restarts.watch()));
    let handle = app.clone();
    let port = move || handle.state::<AppState>().port();
    let handle = app.clone();
    let rules = move || {
        let state = handle.state::<AppState>();
        (state.schedule_now(), state.config.time_rules())
    };
    tauri::async_runtime::spawn(presence::poll(
        port,
        rules,
        state.presence.clone(),
        state.options.presence_poll,
    ));
}

/// The supervisor's and worker's lines into the log store (and the log file).
async fn feed(
    mut sink: broadcast::Receiver<gateway_core::supervisor::LogLine>,
    logs: Arc<LogStore>,
) {
    loop {
        match sink.recv().await {
            Ok(line) => logs.record(line),
            Err(RecvError::Lagged(missed)) => log::warn!("the log view missed {missed} lines"),
            Err(RecvError::Closed) => return,
        }
    }
}

async fn lines<R: Runtime>(
    app: AppHandle<R>,
    mut feed: broadcast::Receiver<gateway_core::supervisor::LogLine>,
) {
    loop {
        match feed.recv().await {
            Ok(line) => {
                let _ = app.emit(LOG_LINE, line);
            }
            // The UI can re-read what it missed with get_logs.
            Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }
    }
}

/// Emits the value of `watch` as `event` on every change, until the sender is gone.
async fn changes<R: Runtime, T: Serialize + Clone>(
    app: AppHandle<R>,
    event: &'static str,
    mut watch: watch::Receiver<T>,
) {
    while watch.changed().await.is_ok() {
        let value = watch.borrow_and_update().clone();
        let _ = app.emit(event, value);
    }
}

/// Emits each change of the restart run as `restart://progress` (the run itself, never null).
async fn runs<R: Runtime>(
    app: AppHandle<R>,
    mut watch: watch::Receiver<Option<crate::restart_view::RestartRun>>,
) {
    while watch.changed().await.is_ok() {
        let run = watch.borrow_and_update().clone();
        if let Some(run) = run {
            let _ = app.emit(RESTART_PROGRESS, run);
        }
    }
}
