//! The log view and the support bundle.

use gateway_core::supervisor::LogLine;
use tauri::{AppHandle, Runtime, State};

use crate::error::CmdResult;
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
    Ok(crate::bundle::build(&state, super::app::info(&app)).await)
}
