// The names of the commands the backend answers (api.rs `call`), one list shared by api.rs and the app's
// build.rs, which includes this file to generate an `allow-<name>` permission for each. Keep it free of `use`
// and `mod` items.

/// Every command the backend answers. Add the name here when adding one to api.rs `call`.
pub const BACKEND_COMMANDS: &[&str] = &[
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
