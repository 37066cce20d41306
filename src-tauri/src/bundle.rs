//! "Copy support bundle": one JSON text with what a helper needs to see what the trader sees: versions, the
//! configuration with where each value came from (there are no secrets among the settings; the home folder
//! in paths is replaced by `~`), the session's state, the Gateway's presence, the last diagnose report, a
//! fresh connections scan and the most recent log lines.

use serde_json::{Value, json};

use crate::connections;
use crate::dto::AppInfo;
use crate::state::AppState;

/// Log lines the bundle carries.
const BUNDLE_LOG_LINES: usize = 2000;

pub async fn build(state: &AppState, app: AppInfo) -> String {
    let port = state.port();
    let connections = match connections::scan(port).await {
        Ok(scan) => serde_json::to_value(scan).unwrap_or(Value::Null),
        Err(e) => json!({ "error": e.to_string() }),
    };
    let report = state
        .report
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let bundle = json!({
        "generated_at_ms": gateway_core::now_ms(),
        "app": app,
        "os": { "family": std::env::consts::FAMILY, "os": std::env::consts::OS, "arch": std::env::consts::ARCH },
        "tauri": tauri::VERSION,
        "config": state.config_view(),
        "session": state.supervisor.state(),
        "presence": state.presence.borrow().clone(),
        "demo": state.demo.status().await,
        "last_diagnose": report,
        "connections": connections,
        "log": state.logs.recent(BUNDLE_LOG_LINES),
    });
    let text =
        serde_json::to_string_pretty(&bundle).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    match std::env::var("HOME") {
        Ok(home) if home.len() > 1 => text.replace(&home, "~"),
        _ => text,
    }
}
