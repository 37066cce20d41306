//! Restarting IB Gateway through IBC: the Restart screen's view, "Restart IB Gateway" and "Stop IB Gateway".
//! The run itself and its rules are in restart.rs and restart_view.rs.

use tauri::{AppHandle, Runtime, State};

use crate::error::CmdResult;
use crate::restart::{self, Restarts};
use crate::restart_checklist::ManualChecklist;
use crate::restart_checklist::feed::Checklist;
use crate::restart_view::{RestartRun, RestartView};
use crate::state::AppState;

/// What was found of IBC, which buttons show, the guard, the login note and the run (paired with
/// `restart://progress`).
#[tauri::command]
pub fn get_restart_view(
    state: State<'_, AppState>,
    restarts: State<'_, Restarts>,
) -> CmdResult<RestartView> {
    Ok(restart::view(&state, &restarts))
}

/// Starts following a restart by hand (or goes on with the one followed, unless it finished): the
/// checklist now, then `restart://checklist` at each step.
#[tauri::command]
pub fn follow_manual_restart(
    state: State<'_, AppState>,
    checklist: State<'_, Checklist>,
) -> CmdResult<ManualChecklist> {
    Ok(checklist.follow(&state))
}

/// Sends RESTART to IBC and follows it through in the background; returns the run as it starts.
/// `confirmed`: the trader answered the view's `confirm` question (a LIVE account in market hours).
#[tauri::command]
pub fn restart_gateway<R: Runtime>(app: AppHandle<R>, confirmed: bool) -> CmdResult<RestartRun> {
    Ok(restart::start(&app, confirmed, false)?)
}

/// Sends STOP to IBC once the trader confirmed; returns IBC's reply.
#[tauri::command]
pub async fn stop_gateway(state: State<'_, AppState>, confirmed: bool) -> CmdResult<String> {
    Ok(restart::stop(&state, confirmed).await?)
}

/// Sends RECONNECTACCOUNT to IBC (offered by the view after a long loss of the Gateway's link to IBKR);
/// returns IBC's reply.
#[tauri::command]
pub async fn reconnect_account(state: State<'_, AppState>) -> CmdResult<String> {
    Ok(restart::reconnect_account(&state).await?)
}

/// Starts IB Gateway (IBC's start script, else IB Gateway's launcher) when it is not running and an
/// installation is found; returns what was started, in words.
#[tauri::command]
pub fn start_gateway(state: State<'_, AppState>) -> CmdResult<String> {
    Ok(restart::start_gateway(&state)?)
}
