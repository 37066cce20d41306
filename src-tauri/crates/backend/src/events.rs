//! The events the window listens to. Each snapshot command has its change event: `get_status` +
//! `worker://state` (every supervisor change), `get_status_view` + `status://view` (the status light and its
//! words, on every change of either), `get_logs` + `log://line` (every line, app and worker),
//! `get_gateway_presence` + `gateway://presence` (when the listener on the port appears, disappears or
//! changes). `diagnose://progress` comes from a diagnose run, `restart://progress` and `restart://checklist`
//! from a restart, and `tray://diagnose` when the tray's Diagnose item asks the open window to run one.

use serde_json::Value;

pub const WORKER_STATE: &str = "worker://state";
/// The status view changed (status_feed.rs).
pub const STATUS_VIEW: &str = "status://view";
pub const LOG_LINE: &str = "log://line";
pub const GATEWAY_PRESENCE: &str = "gateway://presence";
pub const DIAGNOSE_PROGRESS: &str = "diagnose://progress";
pub const TRAY_DIAGNOSE: &str = "tray://diagnose";
/// A restart through IBC reached its next step (restart.rs).
pub const RESTART_PROGRESS: &str = "restart://progress";
/// The checklist of a restart by hand ticked a step (restart_checklist.rs).
pub const RESTART_CHECKLIST: &str = "restart://checklist";

/// Every event name the window may receive, for the capability test.
pub const ALL: [&str; 8] = [
    WORKER_STATE,
    STATUS_VIEW,
    LOG_LINE,
    GATEWAY_PRESENCE,
    DIAGNOSE_PROGRESS,
    TRAY_DIAGNOSE,
    RESTART_PROGRESS,
    RESTART_CHECKLIST,
];

/// One event: its name and its payload as the window receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: &'static str,
    pub payload: Value,
}

/// The local link streams the backend's events to the window as they are (the keeper's sessions).
#[cfg(unix)]
impl gateway_core::local_link::StreamEvent for Event {
    fn name(&self) -> &str {
        self.name
    }

    fn payload(&self) -> &Value {
        &self.payload
    }
}
