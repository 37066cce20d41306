// The app's IPC command names, one list shared by build.rs (which generates an `allow-<name>` permission for
// each) and lib.rs (whose tests check that every name is registered, granted to the main window and listed
// here). Keep it free of `use` and `mod` items: build.rs pulls it in with `include!`. The adapters live in
// src/commands/*.rs, by area.

/// Every command the UI may invoke. Add the name here when adding a `#[tauri::command]`.
pub const COMMANDS: &[&str] = &[
    "get_app_info",
    "get_status",
    "get_status_view",
    "get_worker_status",
    "connect_gateway",
    "stop_session",
    "reset_guardrail",
    "run_diagnose",
    "scan_connections",
    "clean_connections",
    "get_client_ledger",
    "get_client_id_holders",
    "get_gateway_presence",
    "get_config",
    "save_settings",
    "reset_settings",
    "reconnect_now",
    "use_another_client_id",
    "import_trading_env",
    "get_logs",
    "get_support_bundle",
    "open_logs_folder",
    "quit_app",
    "get_autostart",
    "set_autostart",
    "get_demo",
    "start_demo",
    "stop_demo",
    "set_demo_fault",
    "get_restart_view",
    "follow_manual_restart",
    "restart_gateway",
    "stop_gateway",
    "reconnect_account",
    "start_gateway",
];
