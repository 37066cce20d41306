//! The log files: "Open logs folder". The lines themselves and the support bundle are the backend's.

use tauri::State;

use gateway_backend::AppError;
use gateway_backend::error::CmdResult;

use crate::route::Route;

/// Opens the folder of the log files in the platform's file manager (from Rust: the web view has no
/// permission to open anything); returns the folder shown.
#[tauri::command]
pub fn open_logs_folder(route: State<'_, Route>) -> CmdResult<String> {
    let options = &route.backend().state.options;
    let dir = options
        .log_dir
        .clone()
        .filter(|_| options.desktop)
        .ok_or(AppError::DesktopOnly)?;
    let shown = dir.display().to_string();
    std::fs::create_dir_all(&dir).map_err(|e| AppError::OpenFolder(format!("{shown}: {e}")))?;
    tauri_plugin_opener::open_path(&dir, None::<&str>)
        .map_err(|e| AppError::OpenFolder(format!("{shown}: {e}")))?;
    log::info!("opened the logs folder {shown}");
    Ok(shown)
}
