// The app's IPC command names, one list shared by build.rs (which generates an `allow-<name>` permission for
// each) and lib.rs (whose tests check that every name is registered and granted). Keep it free of `use` items:
// build.rs pulls it in with `include!`.

/// Every command the UI may invoke. Add the name here when adding a `#[tauri::command]`.
pub const COMMANDS: &[&str] = &["get_app_info"];
