//! About the app itself.

use tauri::{AppHandle, Runtime};

use crate::dto::AppInfo;
use crate::error::CmdResult;

/// The product name (tauri.conf.json) and version (Cargo.toml).
#[tauri::command]
pub fn get_app_info<R: Runtime>(app: AppHandle<R>) -> CmdResult<AppInfo> {
    Ok(info(&app))
}

pub fn info<R: Runtime>(app: &AppHandle<R>) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
    }
}
