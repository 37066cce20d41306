//! The backend's events, re-emitted to the web view under their own names (gateway-backend's `events`
//! lists them). A listener that fell behind misses the oldest: the UI re-reads its snapshots.

use std::sync::Arc;

use gateway_backend::Backend;
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::broadcast::error::RecvError;

/// Starts the task that re-emits every backend event, until the backend is gone.
pub fn spawn<R: Runtime>(app: &AppHandle<R>, backend: &Arc<Backend>) {
    let mut events = backend.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    let _ = app.emit(event.name, event.payload);
                }
                Err(RecvError::Lagged(missed)) => {
                    log::warn!("the window missed {missed} events");
                }
                Err(RecvError::Closed) => return,
            }
        }
    });
}
