//! Settings with provenance.

use serde_json::{Map, Value};
use tauri::State;

use crate::dto::ConfigView;
use crate::error::CmdResult;
use crate::state::{AppState, Then};

/// Every setting, where it came from, and what is wrong.
#[tauri::command]
pub fn get_config(state: State<'_, AppState>) -> CmdResult<ConfigView> {
    Ok(state.config.resolve().view)
}

/// Saves `changes` (name -> value; null removes) to the settings file, all or nothing, and applies them.
#[tauri::command]
pub async fn save_settings(
    state: State<'_, AppState>,
    changes: Map<String, Value>,
) -> CmdResult<ConfigView> {
    let saved = state.config.save(&changes)?;
    state.apply_config(Then::KeepWanted).await?;
    Ok(saved.view)
}
