//! The diagnose report: one verdict with one next step, and the checklist behind it. Check ids and
//! verdicts are stable (the UI, the CLI's --json and support bundles rely on them).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The one conclusion a trader reads first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The API answered through a live session: the only verdict that says all is well.
    Healthy,
    /// Something listens on the port but nothing tested its API (no session, no handshake). Never "healthy":
    /// a Gateway whose API layer is dead listens just the same.
    ListeningNotTested,
    GatewayNotRunning,
    GatewayUnresponsive,
    ClientIdInUse,
    ZombiesPresent,
    WrongPortOrApiDisabled,
    GatewayTooOld,
    BadConfig,
    IbServersDisconnected,
    ResetWindow,
}

/// One line of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    Config,
    PortListening,
    GatewayProcess,
    AcceptQueue,
    ZombiesClient,
    ZombiesGateway,
    ClientIdConflict,
    Handshake,
    ApiStart,
    Heartbeat,
    IbLink,
    Farms,
    ResetWindow,
    AccountMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    /// Not checked (nothing to check it against, or it would need a handshake nobody asked for).
    Skip,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Check {
    pub id: CheckId,
    pub title: String,
    pub status: CheckStatus,
    /// What was seen, in plain words.
    pub detail: String,
    /// What to do about it, when there is something to do.
    pub next_step: Option<String>,
    /// The technical facts behind `detail` (process ids, protocol versions, IB's notice codes): shown only
    /// under "Details" and in support bundles, never in the main text.
    #[serde(default)]
    pub technical: Option<String>,
    /// How long the check took; `None` for checks that were not timed on their own.
    #[serde(default)]
    pub ms: Option<f64>,
}

/// What the app can do for the user with one button, when the verdict allows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Remedy {
    /// Clean up N stale connections (client zombies) on the port.
    CleanZombies { count: u32 },
    /// Show the Gateway restart steps.
    RestartGateway,
    /// The Gateway listens on another port: use it.
    SwitchPort { port: u16 },
    /// Try to connect again.
    Retry,
    /// Open the settings to fix a value.
    OpenSettings,
    /// Nothing to do but wait until the given time (Unix ms).
    WaitUntil { at_ms: i64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Report {
    pub verdict: Verdict,
    /// The verdict in one sentence.
    pub summary: String,
    /// The one next step.
    pub next_step: String,
    /// When the Gateway refused or dropped the connection at once: its API settings to look at, one step
    /// per line, in the Gateway's own menu names (`words::api_settings_steps`); empty otherwise.
    #[serde(default)]
    pub settings_to_check: Vec<String>,
    /// Something a trader may wonder about beside this verdict (e.g. the Gateway's "API client" light).
    #[serde(default)]
    pub note: Option<String>,
    pub remedy: Option<Remedy>,
    /// LIVE when the port or the accounts are a live-trading ones; PAPER otherwise; None when unknown.
    pub account_mode: Option<AccountMode>,
    pub checks: Vec<Check>,
    pub took_ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountMode {
    Paper,
    Live,
}
