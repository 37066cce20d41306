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
    // HOME on Unix; Windows names the profile folder USERPROFILE.
    let home = std::env::var("HOME").or_else(|_| std::env::var("USERPROFILE"));
    match home {
        Ok(home) => hide_home(&text, &home),
        Err(_) => text,
    }
}

/// `text` (JSON) with the home folder replaced by `~`. Paths sit in JSON strings, where a Windows path's
/// backslashes are doubled, so the folder is looked for as JSON writes it. A home of "/" (or none) would
/// match every path: left alone.
fn hide_home(text: &str, home: &str) -> String {
    let home = home.trim_end_matches(['/', '\\']);
    if home.is_empty() {
        return text.to_string();
    }
    match serde_json::to_string(home) {
        Ok(quoted) => text.replace(quoted.trim_matches('"'), "~"),
        Err(_) => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::hide_home;

    #[test]
    fn the_home_folder_becomes_a_tilde_on_unix_and_on_windows() {
        let unix = serde_json::json!({"settings_path": "/home/trader/.config/gateway-doctor/settings.json"});
        assert_eq!(
            hide_home(&unix.to_string(), "/home/trader"),
            r#"{"settings_path":"~/.config/gateway-doctor/settings.json"}"#
        );
        let windows = serde_json::json!({"settings_path": r"C:\Users\trader\AppData\Roaming\x\settings.json"});
        assert_eq!(
            hide_home(&windows.to_string(), r"C:\Users\trader"),
            r#"{"settings_path":"~\\AppData\\Roaming\\x\\settings.json"}"#
        );
    }

    #[test]
    fn a_root_home_hides_nothing() {
        let text = r#"{"path":"/etc/x"}"#;
        assert_eq!(hide_home(text, "/"), text);
        assert_eq!(hide_home(text, ""), text);
    }
}
