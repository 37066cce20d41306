//! The background tasks that keep the backend's feeds current and publish its events: the supervisor's
//! lines into the log store and each line as `log://line`, each supervisor change as `worker://state`, the
//! presence poll and each change as `gateway://presence`, the status view (`status://view`), the followed
//! restart by hand (`restart://checklist`), each step of a restart through IBC (`restart://progress`), the
//! automatic restart, the log line that names who holds a refused client id, and the connect at start-up
//! when the settings ask for it. They run until the process
//! ends.

use std::sync::Arc;

use gateway_core::supervisor::Lifecycle;
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

use crate::events::{GATEWAY_PRESENCE, LOG_LINE, RESTART_PROGRESS, WORKER_STATE};
use crate::logstore::LogStore;
use crate::restart_view::RestartRun;
use crate::{Backend, presence};

pub fn spawn(backend: &Arc<Backend>) {
    let state = &backend.state;
    let logs = state.logs.clone();
    tokio::spawn(feed(state.supervisor.log().subscribe(), logs.clone()));
    tokio::spawn(lines(backend.clone(), logs.subscribe()));
    tokio::spawn(changes(
        backend.clone(),
        WORKER_STATE,
        state.supervisor.watch(),
    ));
    tokio::spawn(changes(
        backend.clone(),
        GATEWAY_PRESENCE,
        state.presence.subscribe(),
    ));
    tokio::spawn(crate::status_feed::follow(backend.clone()));
    tokio::spawn(crate::restart_checklist::feed::run(backend.clone()));
    tokio::spawn(runs(backend.clone(), backend.restarts.watch()));
    let port = {
        let backend = backend.clone();
        move || backend.state.port()
    };
    let rules = {
        let backend = backend.clone();
        move || {
            (
                backend.state.schedule_now(),
                backend.state.config.time_rules(),
            )
        }
    };
    tokio::spawn(presence::poll(
        port,
        rules,
        state.presence.clone(),
        state.options.presence_poll,
    ));
    tokio::spawn(crate::restart::auto(backend.clone()));
    tokio::spawn(name_client_id_holders(backend.clone()));
    if state.connects_at_startup() {
        let backend = backend.clone();
        tokio::spawn(async move {
            if let Err(e) = backend.state.connect().await {
                log::warn!("connect at start-up: {e}");
            }
        });
    }
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

async fn lines(
    backend: Arc<Backend>,
    mut feed: broadcast::Receiver<gateway_core::supervisor::LogLine>,
) {
    loop {
        match feed.recv().await {
            Ok(line) => backend.emit(LOG_LINE, line),
            // The window can re-read what it missed with get_logs.
            Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }
    }
}

/// Emits the value of `watch` as `event` on every change, until the sender is gone.
async fn changes<T: Serialize + Clone>(
    backend: Arc<Backend>,
    event: &'static str,
    mut watch: watch::Receiver<T>,
) {
    while watch.changed().await.is_ok() {
        let value = watch.borrow_and_update().clone();
        backend.emit(event, value);
    }
}

/// Emits each change of the restart run as `restart://progress` (the run itself, never null).
async fn runs(backend: Arc<Backend>, mut watch: watch::Receiver<Option<RestartRun>>) {
    while watch.changed().await.is_ok() {
        let run = watch.borrow_and_update().clone();
        if let Some(run) = run {
            backend.emit(RESTART_PROGRESS, run);
        }
    }
}

/// When the Gateway refuses the client id as in use, says in the log who on this computer holds it (the
/// same words as the Status screen's holder card and Diagnose), once per refusal, so the log and the
/// support bundle carry it too.
async fn name_client_id_holders(backend: Arc<Backend>) {
    let state = &backend.state;
    let mut watch = state.supervisor.watch();
    let mut refused = false;
    while watch.changed().await.is_ok() {
        let in_use = matches!(
            &watch.borrow_and_update().lifecycle,
            Lifecycle::Backoff { error, .. } | Lifecycle::Failed { error } | Lifecycle::Latched { error }
                if error.code == gateway_proto::ErrorCode::ClientIdInUse
        );
        if in_use && !refused {
            let client_id = state.refused_client_id();
            let said = match crate::connections::holders(state.port(), client_id).await {
                Ok(holders) => holders.summary,
                Err(e) => format!("who holds it cannot be seen: {e}"),
            };
            state.logs.record(gateway_core::supervisor::LogLine {
                at_ms: gateway_core::now_ms(),
                level: gateway_proto::Level::Warn,
                source: "app".into(),
                message: format!("IB Gateway refused client id {client_id} as in use: {said}"),
            });
        }
        refused = in_use;
    }
}
