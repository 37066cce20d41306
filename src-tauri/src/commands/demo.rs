//! The demo gateway.

use tauri::State;

use crate::dto::{DemoFault, DemoStatus};
use crate::error::CmdResult;
use crate::state::AppState;

/// The running demo gateway, or null.
#[tauri::command]
pub async fn get_demo(state: State<'_, AppState>) -> CmdResult<Option<DemoStatus>> {
    Ok(state.demo.status().await)
}

/// Starts the demo gateway on a free port and connects the session to it (not saved to settings).
#[tauri::command]
pub async fn start_demo(state: State<'_, AppState>) -> CmdResult<DemoStatus> {
    Ok(state.start_demo().await?)
}

/// Stops it; the session goes back to the configured port, idle.
#[tauri::command]
pub async fn stop_demo(state: State<'_, AppState>) -> CmdResult<()> {
    Ok(state.stop_demo().await?)
}

/// Makes the demo gateway misbehave (or behave again).
#[tauri::command]
pub async fn set_demo_fault(state: State<'_, AppState>, fault: DemoFault) -> CmdResult<DemoStatus> {
    Ok(state.set_demo_fault(fault).await?)
}
