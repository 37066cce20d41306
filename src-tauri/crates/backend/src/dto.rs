//! The app-level types the UI reads, beside gateway-proto's and gateway-core's. Each derives ts_rs::TS with
//! `#[ts(export)]`, so `cargo test` writes it to ui/src/ipc/gen (see .cargo/config.toml). Only shapes here.

use gateway_core::reset_window::InWindow;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use gateway_core::config::{InvalidValue, Key, Setting, TradingProgram};
use gateway_core::schedule::Schedule;

/// The About line: the product name from tauri.conf.json and the version from Cargo.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
}

/// Every setting with where it came from, and everything wrong with them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ConfigView {
    /// Every setting that resolved, with its source (a bad one is in `errors` instead).
    pub settings: Vec<Setting>,
    /// Every bad value, in words, with its source.
    pub errors: Vec<InvalidValue>,
    /// Sources that could not be read at all and were left out (bad .env syntax, a settings file that is not
    /// JSON), as messages.
    pub skipped: Vec<String>,
    /// Where save_settings writes; null when the platform has no config directory.
    pub settings_path: Option<String>,
    /// While the demo gateway runs, the session goes to this port instead of the configured one.
    pub demo_port: Option<u16>,
    /// The settings file cannot be read: nothing connects until it is fixed or reset (its host, port and
    /// client id are in `errors` as unknown).
    pub file_problem: Option<SettingsFileProblem>,
    /// Saved settings wait for the next connect: the healthy session was kept ("Reconnect now" applies them).
    pub applies_at_next_connect: bool,
    /// The trading program the settings were imported from (its `.env`), with a client-id clash warning;
    /// null when nothing was imported.
    pub trading_program: Option<TradingProgram>,
}

/// What "Import from the trading program" did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct EnvImport {
    /// The `.env` file read.
    pub path: String,
    /// The settings copied from it.
    pub imported: Vec<Key>,
    /// Variables it sets that were not taken, each with why.
    pub left_out: Vec<String>,
    pub config: ConfigView,
}

/// Why the settings file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SettingsFileProblem {
    pub path: String,
    /// What is wrong, as the JSON reader says it (with the line and column in it too).
    pub message: String,
    /// The first syntax error's line and column (from 1), when it is one.
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// What "Reset to defaults" did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SettingsReset {
    /// Where the old settings file was kept; null when there was none.
    pub backup_path: Option<String>,
    pub config: ConfigView,
}

/// What "Use another client id" did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ClientIdChange {
    pub previous: i32,
    pub client_id: i32,
    pub config: ConfigView,
}

/// Who listens on the Gateway port, from the socket table (polled about once a second).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct GatewayPresence {
    pub port: u16,
    /// Whether something listens on the port; null when the socket table could not be read (not known: the
    /// app never guesses either way).
    pub listening: Option<bool>,
    /// Changes when the Gateway restarts (a new listening socket).
    pub listener_inode: Option<u64>,
    /// Connections the Gateway has not accepted yet; staying above 0 means it stopped accepting.
    pub accept_queue: Option<u32>,
    /// The listening program's short name (e.g. "java" for IB Gateway), when it could be read.
    pub process_name: Option<String>,
    pub pid: Option<u32>,
    /// The IBKR reset window we are in now, if any (the light is amber, "waiting until HH:MM").
    pub reset_window: Option<InWindow>,
    /// Stale connections to the port (see `StaleConnections`), counted every few seconds; null until the socket
    /// table has been read (and while it cannot be).
    pub stale: Option<StaleConnections>,
    /// The next reset window, IB Gateway's auto-restart and the weekly login with 2FA, in the trader's
    /// time (null until the first poll).
    pub schedule: Option<Schedule>,
}

/// Stale connections to the Gateway port: connections the Gateway closed that programs on this computer
/// still hold (CLOSE_WAIT; the Connections screen lists and cleans them). Counted from the socket table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StaleConnections {
    pub count: u32,
    /// Higher now than at some moment of the last 10 minutes (stale.rs): something keeps leaving them.
    pub growing: bool,
}

/// A diagnose run moving to its next stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DiagnoseProgress {
    /// Stable stage id: session, sockets, ports, verdict; "done" at the end.
    pub step: String,
    /// The stage in plain words.
    pub label: String,
    /// Stages finished so far.
    pub done: u32,
    pub total: u32,
}

/// What set_demo_fault makes the demo gateway do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum DemoFault {
    /// Healthy again: answers everything, held client ids released (a frozen API stays frozen for the
    /// session already latched: the guardrail waits for a restart or "I restarted Gateway").
    Normal,
    /// The API layer stops answering and drops every session: reconnects time out and the guardrail trips.
    FreezeApi,
    /// A real client zombie: a helper process keeps a connection the Gateway has closed (CLOSE_WAIT).
    LeaveZombie,
    /// The session's client id is taken by another (phantom) client: the next connect gets error 326.
    RejectClientId,
    /// The demo gateway restarts (down about 1.5 s, then healthy), as after File -> Exit and a new start.
    Restart,
}

/// The demo gateway (gateway-sim on free loopback ports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DemoStatus {
    /// Its API port: the session goes here while the demo runs.
    pub port: u16,
    pub control_port: u16,
    /// The last fault set (normal at start).
    pub fault: DemoFault,
    pub pid: u32,
}
