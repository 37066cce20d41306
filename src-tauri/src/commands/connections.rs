//! The Gateway port's connections: who listens, live sessions, zombies, and their cleanup.

use gateway_core::sockets::{
    CleanConfirmation, CleanReport, ClientIdHolders, ClientLedger, PortScan,
};
use tauri::State;

use crate::connections::{self, CleanRequest};
use crate::dto::GatewayPresence;
use crate::error::CmdResult;
use crate::state::AppState;

/// Live sessions and zombies on the session's port, with their processes.
#[tauri::command]
pub async fn scan_connections(state: State<'_, AppState>) -> CmdResult<PortScan> {
    Ok(connections::scan(state.port()).await?)
}

/// "Your programs connected to IB Gateway": each working connection to the session's port, its program
/// and the client id it uses where that can be seen.
#[tauri::command]
pub async fn get_client_ledger(state: State<'_, AppState>) -> CmdResult<ClientLedger> {
    Ok(connections::ledger(state.port()).await?)
}

/// Who holds the client id the Gateway refused (the one the supervisor waits on, else the configured
/// one): the local programs seen using it, or the connected programs that could be it, in plain words.
#[tauri::command]
pub async fn get_client_id_holders(state: State<'_, AppState>) -> CmdResult<ClientIdHolders> {
    let client_id = state.refused_client_id();
    Ok(connections::holders(state.port(), client_id).await?)
}

/// Ends what the user confirmed after the dry run (`confirmation`: processes by pid and start time, their
/// stale connections, the live sessions ticked one by one); `dry_run` lists what would be ended
/// (`confirmation` may be null then). Arguments are snake_case, as IPC.md writes them.
#[tauri::command(rename_all = "snake_case")]
pub async fn clean_connections(
    state: State<'_, AppState>,
    confirmation: Option<CleanConfirmation>,
    dry_run: bool,
) -> CmdResult<CleanReport> {
    let host = state
        .config
        .resolve()
        .config
        .map(|c| c.host())
        .unwrap_or_default();
    let request = CleanRequest {
        confirmation,
        dry_run,
    };
    Ok(connections::clean(state.port(), &host, request).await?)
}

/// Who listens on the port now (paired with `gateway://presence`).
#[tauri::command]
pub fn get_gateway_presence(state: State<'_, AppState>) -> CmdResult<GatewayPresence> {
    Ok(state.presence.borrow().clone())
}
