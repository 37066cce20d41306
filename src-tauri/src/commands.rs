// The desktop's own IPC command names (the backend's are gateway-backend's commands.rs), one list shared by
// build.rs (which generates an `allow-<name>` permission for each, and for each backend command) and lib.rs
// (whose tests check that every name is registered, granted to the main window and listed). Keep it free of
// `use` and `mod` items: build.rs pulls it in with `include!`. The adapters live in src/commands/*.rs.

/// The commands this program answers itself. Add the name here when adding a `#[tauri::command]`.
pub const DESKTOP_COMMANDS: &[&str] = &[
    "open_logs_folder",
    "quit_app",
    "get_autostart",
    "set_autostart",
];
