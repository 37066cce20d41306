//! Settings with provenance: saving (a healthy session is kept), "Reset to defaults" with a backup,
//! "Reconnect now", "Use another client id" and "Import from the trading program" (its `.env`).

use gateway_core::supervisor::SupervisorState;
use serde_json::{Map, Value};
use tauri::State;

use crate::dto::{ClientIdChange, ConfigView, EnvImport, SettingsReset};
use crate::error::CmdResult;
use crate::state::AppState;

/// Every setting, where it came from, what is wrong, and whether saved ones wait for the next connect.
#[tauri::command]
pub fn get_config(state: State<'_, AppState>) -> CmdResult<ConfigView> {
    Ok(state.config_view())
}

/// Saves `changes` (name -> value; null removes) to the settings file, all or nothing, and applies them:
/// at once, or at the next connect when a healthy session is up (`applies_at_next_connect`).
#[tauri::command]
pub async fn save_settings(
    state: State<'_, AppState>,
    changes: Map<String, Value>,
) -> CmdResult<ConfigView> {
    Ok(state.save_settings(&changes).await?)
}

/// Empties the settings file after keeping a backup beside it (its path in the answer).
#[tauri::command]
pub async fn reset_settings(state: State<'_, AppState>) -> CmdResult<SettingsReset> {
    Ok(state.reset_settings().await?)
}

/// Copies the settings of the trading program's `.env` at `path` (typed by the trader: a full path, or
/// one starting with `~/`) into the settings file; a missing or bad file changes nothing (ENV_* codes).
/// A path field rather than a file picker: no dialog plugin and no new window permission, and the same
/// on every platform.
#[tauri::command]
pub async fn import_trading_env(state: State<'_, AppState>, path: String) -> CmdResult<EnvImport> {
    Ok(state.import_trading_env(&path).await?)
}

/// Ends the worker without an API disconnect and connects with the saved settings.
#[tauri::command]
pub async fn reconnect_now(state: State<'_, AppState>) -> CmdResult<SupervisorState> {
    Ok(state.reconnect_now().await?)
}

/// The Gateway says our client id is in use: save a free one and connect with it.
#[tauri::command]
pub async fn use_another_client_id(state: State<'_, AppState>) -> CmdResult<ClientIdChange> {
    Ok(state.use_another_client_id().await?)
}
