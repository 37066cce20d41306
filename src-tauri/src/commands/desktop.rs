//! The desktop app's own controls: Quit (Ctrl+Q in the window) and "Start Gateway Doctor when I log in".
//! Both need the real desktop app; under the tests' mock runtime they answer DESKTOP_ONLY.

use tauri::{AppHandle, Runtime, State};
use tauri_plugin_autostart::ManagerExt;

use crate::route::Route;
use gateway_backend::AppError;
use gateway_backend::error::CmdResult;
use serde_json::Value;

/// Ends the app as the tray's Quit does: the session's worker ends, so the Gateway sees the connection close.
#[tauri::command]
pub async fn quit_app<R: Runtime>(app: AppHandle<R>, route: State<'_, Route>) -> CmdResult<()> {
    if !route.desktop() {
        return Err(AppError::DesktopOnly.into());
    }
    log::info!("Quit from the window (Ctrl+Q)");
    match route.backend() {
        Some(_) => app.exit(0),
        // The keeper quits, and tells this window to close as it goes.
        None => {
            if let Err(e) = route
                .call(gateway_core::local_link::QUIT_CALL, Value::Null)
                .await
            {
                log::warn!("the keeper did not take Quit ({e}); closing the window");
                app.exit(0);
            }
        }
    }
    Ok(())
}

/// Whether the app starts (in the tray) when the user logs in.
#[tauri::command]
pub fn get_autostart<R: Runtime>(app: AppHandle<R>, route: State<'_, Route>) -> CmdResult<bool> {
    if !route.desktop() {
        return Err(AppError::DesktopOnly.into());
    }
    app.autolaunch()
        .is_enabled()
        .map_err(|e| AppError::Autostart(e.to_string()).into())
}

/// Turns start at login on or off; answers the setting as it now is.
#[tauri::command]
pub fn set_autostart<R: Runtime>(
    app: AppHandle<R>,
    route: State<'_, Route>,
    enabled: bool,
) -> CmdResult<bool> {
    if !route.desktop() {
        return Err(AppError::DesktopOnly.into());
    }
    let launcher = app.autolaunch();
    let done = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    done.map_err(|e| AppError::Autostart(e.to_string()))?;
    log::info!(
        "start at login turned {}",
        if enabled { "on" } else { "off" }
    );
    launcher
        .is_enabled()
        .map_err(|e| AppError::Autostart(e.to_string()).into())
}
