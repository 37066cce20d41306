//! The log view and the support bundle.

use std::path::PathBuf;

use gateway_core::supervisor::LogLine;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::{AppError, CmdResult};
use crate::state::AppState;

/// The most recent `limit` lines, oldest first (paired with `log://line`).
#[tauri::command]
pub fn get_logs(state: State<'_, AppState>, limit: usize) -> CmdResult<Vec<LogLine>> {
    Ok(state.logs.recent(limit))
}

/// Everything a helper needs, as JSON text for the clipboard.
#[tauri::command]
pub async fn get_support_bundle<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<String> {
    let dir = log_dir(&app, &state);
    Ok(crate::bundle::build(&state, super::app::info(&app), dir.as_deref()).await)
}

/// "Open logs folder": the folder with the log file and the ones set aside, in the file manager. Answers
/// the folder's path, so the screen can say where it is when no file manager comes up.
#[tauri::command]
pub fn open_logs_folder<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<String> {
    let dir = log_dir(&app, &state).ok_or(AppError::DesktopOnly)?;
    let shown = dir.display().to_string();
    // The log plugin makes the folder with its first line; it is made here too should that not be so.
    std::fs::create_dir_all(&dir).map_err(|e| AppError::OpenFolder(format!("{shown}: {e}")))?;
    tauri_plugin_opener::open_path(&dir, None::<&str>)
        .map_err(|e| AppError::OpenFolder(format!("{shown}: {e}")))?;
    log::info!("opened the logs folder {shown}");
    Ok(shown)
}

/// The folder the log files are written to; None without the desktop app (the tests write no log file).
fn log_dir<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> Option<PathBuf> {
    if !state.options.desktop {
        return None;
    }
    app.path().app_log_dir().ok()
}
