//! Diagnose.

use gateway_proto::Report;
use tauri::{AppHandle, Runtime, State};

use crate::error::CmdResult;
use crate::state::AppState;

/// Runs every check (emitting `diagnose://progress`), testing the API through the one session (connecting
/// it, and keeping it, when it is not up).
#[tauri::command]
pub async fn run_diagnose<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<Report> {
    Ok(crate::diagnose::run(&app, &state).await)
}
