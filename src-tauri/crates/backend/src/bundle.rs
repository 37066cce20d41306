//! "Copy support bundle": one JSON text with what a helper needs to see what the trader sees: versions, the
//! configuration with where each value came from (there are no secrets among the settings; the home folder
//! in paths is replaced by `~`), the session's state, the Gateway's presence, the last diagnose report, a
//! fresh connections scan, the most recent log lines, and the log files: the current one and every one set
//! aside by rotation, each with its last [`FILE_TAIL_BYTES`] (a clipboard carries a few megabytes well, not
//! the 50 MB the kept files may hold at most; what is left out is said in the bundle).

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

use crate::connections;
use crate::state::AppState;

/// Log lines the bundle carries.
const BUNDLE_LOG_LINES: usize = 2000;
/// The most of each log file the bundle carries: its end, the most recent lines.
pub const FILE_TAIL_BYTES: u64 = 1024 * 1024;

/// One log file in the bundle.
#[derive(Debug, Serialize)]
pub struct LogFile {
    pub name: String,
    pub bytes: u64,
    /// Bytes at the file's start not carried (0: the whole file is here).
    pub left_out_bytes: u64,
    pub text: String,
}

/// `dir`'s log files (`*.log`): the current one, then those set aside by rotation, oldest first; one that cannot be
/// read is listed with why. No folder (the tests' app, or no file written yet): none.
pub fn log_files(dir: &Path, tail: u64) -> Vec<LogFile> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "log"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match read_tail(path, tail) {
                Ok((bytes, text)) => LogFile {
                    name,
                    bytes,
                    left_out_bytes: bytes.saturating_sub(tail),
                    text,
                },
                Err(e) => LogFile {
                    name,
                    bytes: 0,
                    left_out_bytes: 0,
                    text: format!("(cannot read this file: {e})"),
                },
            }
        })
        .collect()
}

/// The file's size and its last `tail` bytes as text (a line cut at the start, or bytes that are not UTF-8,
/// shown as replacement characters).
fn read_tail(path: &Path, tail: u64) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let bytes = file.metadata()?.len();
    file.seek(SeekFrom::Start(bytes.saturating_sub(tail)))?;
    let mut buf = Vec::with_capacity(bytes.min(tail) as usize);
    file.take(tail).read_to_end(&mut buf)?;
    Ok((bytes, String::from_utf8_lossy(&buf).into_owned()))
}

pub async fn build(state: &AppState) -> String {
    let log_dir = state.options.log_dir.as_deref();
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
        "app": state.options.app,
        "os": { "family": std::env::consts::FAMILY, "os": std::env::consts::OS, "arch": std::env::consts::ARCH },
        "shell": state.options.shell,
        "config": state.config_view(),
        "session": state.supervisor.state(),
        "presence": state.presence.borrow().clone(),
        "demo": state.demo.status().await,
        "last_diagnose": report,
        "connections": connections,
        "log": state.logs.recent(BUNDLE_LOG_LINES),
        "log_folder": log_dir,
        "log_files": log_dir.map(|dir| log_files(dir, FILE_TAIL_BYTES)).unwrap_or_default(),
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
    use super::{hide_home, log_files};

    #[test]
    fn every_log_file_is_carried_with_its_end_and_what_was_left_out() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("Gateway Doctor.log"), "line 3\nline 4\n")?;
        std::fs::write(
            dir.path().join("Gateway Doctor_2026-12-01_10-00-00.log"),
            "line 1\nline 2\n",
        )?;
        std::fs::write(dir.path().join("window-state.json"), "{}")?;
        let files = log_files(dir.path(), 7);
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Gateway Doctor.log",
                "Gateway Doctor_2026-12-01_10-00-00.log"
            ]
        );
        assert_eq!(files[0].text, "line 4\n");
        assert_eq!((files[0].bytes, files[0].left_out_bytes), (14, 7));
        let whole = log_files(dir.path(), 1 << 20);
        assert_eq!(whole[1].text, "line 1\nline 2\n");
        assert_eq!(whole[1].left_out_bytes, 0);
        assert!(log_files(&dir.path().join("missing"), 10).is_empty());
        Ok(())
    }

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
