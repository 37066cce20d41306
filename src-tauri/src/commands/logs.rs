//! The log files: "Open logs folder". The lines themselves and the support bundle are the backend's.

use tauri::{AppHandle, Manager, Runtime, State};

use gateway_backend::AppError;
use gateway_backend::error::CmdResult;

use crate::route::Route;

/// Opens the folder of the log files in the platform's file manager (from Rust: the web view has no
/// permission to open anything); returns the folder shown.
#[tauri::command]
pub fn open_logs_folder<R: Runtime>(
    app: AppHandle<R>,
    route: State<'_, Route>,
) -> CmdResult<String> {
    if !route.desktop() {
        return Err(AppError::DesktopOnly.into());
    }
    // The keeper's log files and this window's are in Tauri's log folder for the app.
    let dir = app
        .path()
        .app_log_dir()
        .map_err(|e| AppError::OpenFolder(e.to_string()))?;
    let shown = dir.display().to_string();
    std::fs::create_dir_all(&dir).map_err(|e| AppError::OpenFolder(format!("{shown}: {e}")))?;
    tauri_plugin_opener::open_path(&dir, None::<&str>)
        .map_err(|e| AppError::OpenFolder(format!("{shown}: {e}")))?;
    log::info!("opened the logs folder {shown}");
    Ok(shown)
}
