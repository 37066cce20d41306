//! The one API session: its state, and the user's Connect / Stop / "I restarted Gateway".

use gateway_core::supervisor::SupervisorState;
use gateway_proto::WorkerStatus;
use tauri::State;

use crate::error::{AppError, CmdResult};
use crate::restart_checklist::feed::Checklist;
use crate::state::AppState;
use crate::status_feed::StatusFeed;
use crate::status_view::StatusView;

/// The supervisor's state now (paired with `worker://state`).
#[tauri::command]
pub fn get_status(state: State<'_, AppState>) -> CmdResult<SupervisorState> {
    Ok(state.supervisor.state())
}

/// What the Status screen and the tray show now, decided in Rust (paired with `status://view`).
#[tauri::command]
pub fn get_status_view(feed: State<'_, StatusFeed>) -> CmdResult<StatusView> {
    Ok(feed.current())
}

/// Asks for a session (BAD_CONFIG while a setting is wrong); returns the state right after.
#[tauri::command]
pub async fn connect_gateway(state: State<'_, AppState>) -> CmdResult<SupervisorState> {
    Ok(state.connect().await?)
}

/// Ends the worker process (never an API disconnect) and stays idle.
#[tauri::command]
pub async fn stop_session(state: State<'_, AppState>) -> CmdResult<SupervisorState> {
    state.supervisor.stop().await.map_err(AppError::from)?;
    Ok(state.supervisor.state())
}

/// "I restarted Gateway": clears the guardrail and makes one new attempt (the restart checklist then ends
/// when the session is back).
#[tauri::command]
pub async fn reset_guardrail(
    state: State<'_, AppState>,
    checklist: State<'_, Checklist>,
) -> CmdResult<SupervisorState> {
    checklist.user_restarted();
    Ok(state.reset_guardrail().await?)
}

/// The worker's status now, including what state events leave out (the last heartbeat's round trip and
/// time); NOT_CONNECTED without a worker.
#[tauri::command]
pub async fn get_worker_status(state: State<'_, AppState>) -> CmdResult<WorkerStatus> {
    let status = state
        .supervisor
        .request("status")
        .await
        .map_err(AppError::from)?;
    serde_json::from_value(status).map_err(|e| {
        AppError::Internal(format!("the worker's status is not understood: {e}")).into()
    })
}
