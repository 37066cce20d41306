//! Diagnose.

use gateway_proto::Report;
use tauri::{AppHandle, Runtime, State};

use crate::error::CmdResult;
use crate::state::AppState;

/// Runs every check (emitting `diagnose://progress`); `handshake` allows one connect through the session.
#[tauri::command]
pub async fn run_diagnose<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    handshake: bool,
) -> CmdResult<Report> {
    Ok(crate::diagnose::run(&app, &state, handshake).await)
}
