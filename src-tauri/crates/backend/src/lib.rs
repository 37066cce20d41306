//! Gateway Doctor's backend: everything the app does except drawing its window. It holds the one supervisor
//! (exactly one gateway-worker at a time), the settings, the log store, the Gateway's presence on its port,
//! the status view, restarts through IBC and the demo gateway, and it answers every command the window
//! offers through one door, [`api::call`]: a command's name and its JSON arguments in, its JSON answer or a
//! [`CommandError`] out. What changes is published as [`Event`]s (`worker://state`, `status://view`,
//! `log://line`, ...; names in [`events`]) on one bus.
//!
//! Two programs run it. The Tauri app (the root package) runs it in its own process where the window cannot
//! live apart from the session (Windows and macOS, and its tests); on Linux the keeper (crates/keeper) runs it
//! without GTK or WebKit, and the window forwards each command and event over the local link. This crate
//! depends on neither: a notification is shown through the [`notices::Notify`] the program passes in.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::broadcast;

mod alerts;
pub mod api;
mod bundle;
mod config;
mod connections;
mod demo;
mod diagnose;
pub mod dto;
pub mod error;
pub mod events;
pub mod light;
pub mod link;
pub mod logstore;
pub mod notices;
pub mod paths;
mod presence;
mod restart;
mod restart_checklist;
mod restart_start;
mod restart_view;
mod stale;
pub mod state;
mod status_feed;
pub mod status_view;
mod tasks;

pub use error::{AppError, AppErrorCode, CommandCode, CommandError};
pub use events::Event;
pub use logstore::LogStore;
pub use state::{AppState, Options};
pub use status_feed::StatusFeed;

use restart::Restarts;
use restart_checklist::feed::Checklist;

/// The running backend: the app's state and the feeds made from it, and the event bus.
pub struct Backend {
    pub state: AppState,
    /// The status view the window and the tray show.
    pub feed: StatusFeed,
    restarts: Restarts,
    checklist: Checklist,
    events: broadcast::Sender<Event>,
}

/// Events kept for a listener that is behind; a slower one misses the oldest (log lines first: the window
/// re-reads them with get_logs).
const EVENT_BACKLOG: usize = 4096;

impl Backend {
    /// Resolves the settings, starts the supervisor and the tasks that keep the feeds and the events going,
    /// and connects when the settings ask for it at start-up. Call inside a tokio runtime.
    pub fn start(options: Options, logs: Arc<LogStore>) -> Result<Arc<Backend>, AppError> {
        let state = AppState::start(options, logs)?;
        let feed = StatusFeed::new(&state);
        let backend = Arc::new(Backend {
            state,
            feed,
            restarts: Restarts::default(),
            checklist: Checklist::default(),
            events: broadcast::Sender::new(EVENT_BACKLOG),
        });
        tasks::spawn(&backend);
        Ok(backend)
    }

    /// Publishes `payload` as the event `name` (nobody listening is fine).
    pub fn emit(&self, name: &'static str, payload: impl Serialize) {
        match serde_json::to_value(payload) {
            Ok(payload) => {
                let _ = self.events.send(Event { name, payload });
            }
            Err(e) => log::warn!("event {name} not sent: {e}"),
        }
    }

    /// Every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// The tray's session item: Stop whenever the supervisor offers it (`Offered::stop`, the rule the
    /// Status screen's Stop button follows too), else Connect. A failure is logged: a tray has no screen.
    pub async fn toggle_session(&self) {
        let state = &self.state;
        if state.supervisor.state().offered.stop {
            log::info!("Stop from the tray: ending the session's worker");
            if let Err(e) = state.supervisor.stop().await {
                log::warn!("stop from the tray: {e}");
            }
        } else if let Err(e) = state.connect().await {
            log::warn!("connect from the tray: {e}");
        }
    }

    /// Ends the session's worker (no API disconnect) and the demo gateway; on every way out of the app.
    pub async fn shutdown(&self) {
        self.state.shutdown().await;
    }
}
