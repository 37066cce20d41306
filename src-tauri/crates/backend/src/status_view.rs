//! What the Status screen and the tray show, decided once: the light, why, the headline and its detail, the
//! one main button, when the next try goes, the stale connections, PAPER or LIVE, the IB link and farm
//! lights, the help that points into IB Gateway's own window, and the facts under the light. A pure function of the supervisor's state
//! and the Gateway's presence on the port; `status_feed` publishes it to the window and the tray, so the two
//! can never disagree. The UI only renders it (and counts down to `retry_at_ms`).
//!
//! Light: green  connected and no heartbeat missed
//!        amber  connecting, waiting to retry, IB link down, a data farm down, a heartbeat late, or trouble
//!               an IBKR reset window explains
//!        red    unresponsive (heartbeats unanswered, or the guardrail latched), failed, Gateway not running
//!        grey   not connected by choice
//! Button: Connect (idle) · Reconnect (failed, retry waits; when the supervisor offers it) · Diagnose
//!         · "How to restart Gateway" (latched, unresponsive) · a disabled "Connecting…" while an attempt runs.

mod facts;
mod help;
mod lights;
#[cfg(test)]
mod tests;

use gateway_core::diagnostics::{account_mode, session_mode};
use gateway_core::reset_window::InWindow;
use gateway_core::supervisor::{Lifecycle, SupervisorState};
use gateway_proto::{AccountMode, ErrorBody, ErrorCode, FarmState, LinkState, SessionState};
use serde::Serialize;
use ts_rs::TS;

use crate::dto::GatewayPresence;
use crate::light::Light;
pub use facts::Fact;
pub use help::GatewayHelp;
pub use lights::{SmallLight, StaleView, farm_kind_label};

/// Why the light is what it is: stable names for tests and for the page's data-reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum StatusReason {
    Idle,
    Stopped,
    Connecting,
    Connected,
    HeartbeatLate,
    LinkDown,
    FarmDown,
    ResetWindow,
    Backoff,
    NotRunning,
    Unresponsive,
    Latched,
    Failed,
}

/// The one main button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum PrimaryKind {
    Connect,
    Reconnect,
    Diagnose,
    /// Opens the Restart screen's steps.
    RestartHelp,
    /// An attempt runs: nothing to click.
    Busy,
}

/// The session's error, where the words are the error's own: the UI words it with the table of error words
/// every screen shares (ui/src/model/errors.ts), so a failure reads the same everywhere.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct StatusError {
    pub error: ErrorBody,
    /// The error's title is the headline and its message and hint the detail; otherwise its title opens
    /// the detail ("Reconnecting" / "The connection to IB Gateway was lost.").
    pub headline: bool,
}

/// One account the session reported, with its mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AccountLine {
    pub account: String,
    pub mode: AccountMode,
}

/// Everything the Status screen shows that a rule decides (published on `status://view`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct StatusView {
    /// Counts up with every view published: a snapshot never replaces a newer event.
    pub seq: u64,
    pub light: Light,
    pub reason: StatusReason,
    /// The headline, e.g. "Connected" or "Gateway API layer is unresponsive" (also the tray's tooltip).
    pub title: String,
    /// One or two plain sentences under the headline (without the countdown).
    pub detail: String,
    /// Set when the words are the session's error (see [`StatusError`]): `title` and `detail` are then
    /// only its message, for the tray.
    pub error: Option<StatusError>,
    pub primary: PrimaryKind,
    /// When the next try goes (Unix ms): the UI adds "Next try in 5 s." to the detail and counts down.
    pub retry_at_ms: Option<i64>,
    /// Stale connections to the port, when there are any.
    pub stale: Option<StaleView>,
    /// PAPER or LIVE; null while nothing tells.
    pub mode: Option<AccountMode>,
    pub accounts: Vec<AccountLine>,
    /// IB Gateway's link to IB's servers.
    pub link: SmallLight,
    /// One light per data farm (one grey "no reports yet" light before any).
    pub farms: Vec<SmallLight>,
    /// IB Gateway's API settings to check and the note on its "API client" light, when they fit.
    pub help: GatewayHelp,
    /// The facts under the light (the technical ones for "Details").
    pub facts: Vec<Fact>,
}

/// The view of `state`. `presence`: who listens on the session's port, `None` while not known (not looked
/// yet, or the look was at another port than the session's). `reset_window`: the IBKR reset window now on.
pub fn view(
    state: &SupervisorState,
    presence: Option<&GatewayPresence>,
    reset_window: Option<&InWindow>,
) -> StatusView {
    let headline = match reset_window {
        Some(window) => in_a_window(state, presence, window),
        None => outside_a_window(state, presence),
    };
    let worker = &state.worker;
    let port = port_of(state, presence);
    let connected = matches!(
        state.lifecycle,
        Lifecycle::Connected | Lifecycle::Unresponsive
    );
    StatusView {
        seq: 0,
        light: headline.light,
        reason: headline.reason,
        title: headline.title,
        detail: headline.detail,
        error: headline.error,
        primary: headline.primary,
        retry_at_ms: headline.retry_at_ms,
        stale: presence.and_then(lights::stale_view),
        mode: session_mode(port, &worker.accounts),
        accounts: worker
            .accounts
            .iter()
            .map(|account| AccountLine {
                account: account.clone(),
                mode: account_mode(account, port),
            })
            .collect(),
        link: lights::link_light(&worker.link, connected),
        farms: lights::farm_lights(&worker.farms, connected),
        help: help::gateway_help(state, presence),
        facts: facts::facts(state, presence),
    }
}

/// The light, its words and the button.
struct Headline {
    light: Light,
    reason: StatusReason,
    title: String,
    detail: String,
    error: Option<StatusError>,
    primary: PrimaryKind,
    retry_at_ms: Option<i64>,
}

impl Headline {
    fn new(
        light: Light,
        reason: StatusReason,
        title: impl Into<String>,
        detail: impl Into<String>,
        primary: PrimaryKind,
    ) -> Headline {
        Headline {
            light,
            reason,
            title: title.into(),
            detail: detail.into(),
            error: None,
            primary,
            retry_at_ms: None,
        }
    }

    fn error(mut self, error: &ErrorBody, headline: bool) -> Headline {
        self.error = Some(StatusError {
            error: error.clone(),
            headline,
        });
        self
    }

    fn retry_at(mut self, at_ms: i64) -> Headline {
        self.retry_at_ms = Some(at_ms);
        self
    }
}

/// Inside an IBKR reset window, trouble the reset can cause (connecting, waiting to reconnect, a late or
/// unreachable session) is amber, "waiting until HH:MM"; a healthy session stays green and idle, failed and
/// a latched guardrail keep their own view: the window explains trouble, it never hides a session that works
/// or a stop that needs the trader.
fn in_a_window(
    state: &SupervisorState,
    presence: Option<&GatewayPresence>,
    window: &InWindow,
) -> Headline {
    let outside = outside_a_window(state, presence);
    let explained = !matches!(
        state.lifecycle,
        Lifecycle::Idle | Lifecycle::Failed { .. } | Lifecycle::Latched { .. }
    ) && outside.light != Light::Green;
    if !explained {
        return outside;
    }
    let restart_help = matches!(state.lifecycle, Lifecycle::Unresponsive)
        || outside.primary == PrimaryKind::RestartHelp;
    Headline::new(
        Light::Amber,
        StatusReason::ResetWindow,
        format!("{}: waiting until {}", window.name, window.ends_local),
        "IBKR's servers are in their scheduled reset. Losing the link now is normal; Gateway Doctor keeps \
         the session and checks again after the window.",
        if restart_help {
            PrimaryKind::RestartHelp
        } else {
            PrimaryKind::Diagnose
        },
    )
}

/// The port the session targets, else the one looked at.
fn port_of(state: &SupervisorState, presence: Option<&GatewayPresence>) -> Option<u16> {
    state
        .worker
        .target
        .as_ref()
        .map(|t| t.port)
        .or(presence.map(|p| p.port))
}

fn outside_a_window(state: &SupervisorState, presence: Option<&GatewayPresence>) -> Headline {
    let on_port = port_of(state, presence).map_or(String::new(), |p| format!(" on port {p}"));
    let absent = presence.is_some_and(|p| p.listening == Some(false));
    let not_running = |next: &str| {
        Headline::new(
            Light::Red,
            StatusReason::NotRunning,
            "IB Gateway is not running",
            format!("Nothing is listening{on_port}. Start IB Gateway and log in. {next}")
                .trim_end()
                .to_string(),
            PrimaryKind::Diagnose,
        )
    };
    let retry = if state.offered.reconnect {
        PrimaryKind::Reconnect
    } else {
        PrimaryKind::Diagnose
    };
    match &state.lifecycle {
        Lifecycle::Idle if state.stopped_by_user => Headline::new(
            Light::Grey,
            StatusReason::Stopped,
            "Stopped",
            "You stopped the session. Gateway Doctor sends nothing to IB Gateway until you click Connect.",
            PrimaryKind::Connect,
        ),
        Lifecycle::Idle => Headline::new(
            Light::Grey,
            StatusReason::Idle,
            "Not connected",
            if absent {
                format!("IB Gateway is not running{on_port}. Start it, then click Connect.")
            } else {
                "Click Connect to open the session with IB Gateway.".to_string()
            },
            PrimaryKind::Connect,
        ),
        Lifecycle::Connecting { attempt } => Headline::new(
            Light::Amber,
            StatusReason::Connecting,
            if *attempt > 1 {
                format!("Connecting (try {attempt})…")
            } else {
                "Connecting…".to_string()
            },
            format!("Opening the session with IB Gateway{on_port}."),
            PrimaryKind::Busy,
        ),
        Lifecycle::Unresponsive => unresponsive(),
        Lifecycle::Latched { .. } => Headline::new(
            Light::Red,
            StatusReason::Latched,
            "Gateway API layer is unresponsive",
            format!(
                "IB Gateway stopped answering {} times in a row, so Gateway Doctor stopped trying (more \
                 tries make it worse). Restart IB Gateway; Gateway Doctor reconnects once it is back.",
                state.max_timeouts
            ),
            PrimaryKind::RestartHelp,
        ),
        Lifecycle::Failed { error } if error.code == ErrorCode::ConnectionRefused && absent => {
            not_running("")
        }
        Lifecycle::Failed { error } => Headline::new(
            Light::Red,
            StatusReason::Failed,
            "Needs your attention",
            error.message.clone(),
            retry,
        )
        .error(error, true),
        Lifecycle::Backoff {
            retry_in_ms, error, ..
        } => {
            let at = state
                .changed_at_ms
                .saturating_add(i64::try_from(*retry_in_ms).unwrap_or(i64::MAX));
            let headline = if absent {
                not_running("Gateway Doctor connects by itself once it is up.")
            } else if state.waiting_for_budget {
                // A Reconnect (or a retry) found the connect budget spent: say so, and when the next try goes.
                Headline::new(
                    Light::Amber,
                    StatusReason::Backoff,
                    "Waiting before the next try",
                    "Gateway Doctor has connected several times in a short while and paces its tries so as \
                     not to overload IB Gateway.",
                    retry,
                )
            } else {
                Headline::new(
                    Light::Amber,
                    StatusReason::Backoff,
                    "Reconnecting",
                    format!("{}.", error.message.trim_end_matches('.')),
                    retry,
                )
                .error(error, false)
            };
            headline.retry_at(at)
        }
        Lifecycle::Connected => connected(state, &on_port),
    }
}

/// Connected: the session is open. How healthy is it?
fn connected(state: &SupervisorState, on_port: &str) -> Headline {
    let worker = &state.worker;
    if worker.session == SessionState::Unresponsive {
        return unresponsive();
    }
    if matches!(
        worker.link.state,
        LinkState::Lost | LinkState::SocketPortReset | LinkState::ServerBroken
    ) {
        return Headline::new(
            Light::Amber,
            StatusReason::LinkDown,
            "IB Gateway lost its link to IB's servers",
            "This is normal during IBKR's daily reset. Your session stays open; prices and orders resume \
             when the link is back.",
            PrimaryKind::Diagnose,
        );
    }
    let broken: Vec<_> = worker
        .farms
        .iter()
        .filter(|f| f.state == FarmState::Broken)
        .collect();
    if !broken.is_empty() {
        let mut names: Vec<&str> = Vec::new();
        for farm in &broken {
            let name = farm_kind_label(farm.kind);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        return Headline::new(
            Light::Amber,
            StatusReason::FarmDown,
            if broken.len() == 1 {
                "A data farm is down"
            } else {
                "Some data farms are down"
            },
            format!(
                "{}: not available right now. Your connection to IB Gateway is fine.",
                names.join(", ")
            ),
            PrimaryKind::Diagnose,
        );
    }
    // The worker reports each missed heartbeat (and turns the session unresponsive after two); the round
    // trip's time is not in state events, so freshness is judged by misses.
    if worker.heartbeat.misses_in_a_row > 0 {
        return Headline::new(
            Light::Amber,
            StatusReason::HeartbeatLate,
            "Connected, but IB Gateway is slow to answer",
            "The last heartbeat is late. If this lasts, Gateway Doctor will say so.",
            PrimaryKind::Diagnose,
        );
    }
    Headline::new(
        Light::Green,
        StatusReason::Connected,
        "Connected",
        format!("The session with IB Gateway{on_port} is healthy."),
        PrimaryKind::Diagnose,
    )
}

fn unresponsive() -> Headline {
    Headline::new(
        Light::Red,
        StatusReason::Unresponsive,
        "Gateway API layer is unresponsive",
        "The session is open but IB Gateway stopped answering. Restart IB Gateway to fix it; Gateway \
         Doctor reconnects once it is back.",
        PrimaryKind::RestartHelp,
    )
}
