//! The Restart screen's rules, computed here so the UI only renders them: what was found of IBC and where,
//! which buttons show, what a restart costs (no new login within the week), whether it needs a confirmation
//! first, whether the restart guard holds it back; the steps of a restart in progress with their words are
//! in `run_steps`, New York's clock (market hours, the weekly token reset) in `new_york`.
//! Pure functions of their inputs (no clock, no files): restart.rs gathers the inputs.
//!
//! Market hours, for the LIVE confirmation: US equities' regular session, 09:30-16:00 New York time, Monday
//! to Friday. Exchange holidays are not known here, so on a holiday the question is asked anyway (asking
//! once too often is the safe side).

mod new_york;
mod run_steps;
#[cfg(test)]
mod tests;

use gateway_proto::{IbcConfigView, IbcFailure, IbcKey, LinkState, LinkStatus};
use jiff::{Timestamp, Zoned};
use serde::Serialize;
use ts_rs::TS;

use crate::restart_start::GatewayInstall;
use gateway_core::reset_window::InWindow;
pub use new_york::{in_market_hours, next_token_reset};
pub use run_steps::{RestartRun, RunResult, not_back_message, steps};

/// What was found of IBC.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IbcFinding {
    /// config.ini was read: its values with file and line.
    Found {
        config: IbcConfigView,
        /// The trader named this file in Settings (else: found in IBC's usual places).
        picked: bool,
    },
    /// No config.ini in the place named in Settings, or in any usual place.
    NotFound { looked_in: Vec<String> },
    /// config.ini is there but cannot be used.
    Problem { path: String, failure: IbcFailure },
}

/// The Gateway port IBC sets (OverrideTwsApiPort) differs from the one the session uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct IbcPortFix {
    pub port: u16,
    pub configured: u16,
    pub path: String,
    pub line: u32,
    pub message: String,
}

/// The buttons the Restart screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RestartActions {
    /// "Restart IB Gateway" through IBC (its command server is set up, no restart running).
    pub restart: bool,
    /// "Stop IB Gateway" through IBC, behind a confirmation.
    pub stop: bool,
    /// The manual steps (File -> Exit ...) and "I restarted Gateway": always there as the fallback.
    pub manual: bool,
}

/// Everything the Restart screen shows about restarting through IBC.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RestartView {
    pub ibc: IbcFinding,
    /// What was found of IBC, in a sentence or two, and what that means for restarting.
    pub ibc_summary: String,
    pub actions: RestartActions,
    /// What a restart costs the trader: no new login within the week, and when one will be needed.
    pub login_note: String,
    /// The next weekly login token reset (Sunday about 01:00 New York time), Unix ms.
    pub next_token_reset_ms: i64,
    /// The restart guard holds a restart back now: the message says until when.
    pub held_back: Option<IbcFailure>,
    /// A question to answer before a restart (a LIVE account during market hours), else null.
    pub confirm: Option<String>,
    pub port_fix: Option<IbcPortFix>,
    /// IB Gateway lost its link to IBKR a while ago, outside IBKR's reset times: the offer to ask IBC to
    /// reconnect it ("Reconnect the Gateway's account link"), else null.
    pub reconnect_account: Option<String>,
    /// IB Gateway is not running and an installation was found: "Start IB Gateway" starts it.
    pub start: Option<GatewayInstall>,
    /// The restart in progress, or the last one.
    pub run: Option<RestartRun>,
}

/// How long IB Gateway's link to IBKR must stay lost before reconnecting it is offered: the Gateway itself
/// retries for a while, and most losses end within a minute or two.
pub const LINK_LOST_OFFER_AFTER_MS: i64 = 3 * 60 * 1000;

/// What the view is computed from.
pub struct ViewInputs<'a> {
    pub ibc: &'a IbcFinding,
    /// The port the session uses.
    pub configured_port: u16,
    pub live: bool,
    pub now: Timestamp,
    pub held_back: Option<IbcFailure>,
    pub run: Option<RestartRun>,
    /// The session's link to IBKR as the worker last reported it.
    pub link: &'a LinkStatus,
    /// An IBKR reset window is on now (a lost link is then normal).
    pub in_reset_window: bool,
    pub start: Option<GatewayInstall>,
}

pub fn view(inputs: ViewInputs<'_>) -> RestartView {
    let command_server = match inputs.ibc {
        IbcFinding::Found { config, .. } => config.command_server.is_some(),
        _ => false,
    };
    let running = inputs
        .run
        .as_ref()
        .is_some_and(|run| run.result == RunResult::Running);
    let next_reset = next_token_reset(inputs.now);
    RestartView {
        ibc: inputs.ibc.clone(),
        ibc_summary: ibc_summary(inputs.ibc),
        actions: RestartActions {
            restart: command_server && !running,
            stop: command_server && !running,
            manual: true,
        },
        login_note: login_note(&next_reset),
        next_token_reset_ms: next_reset.timestamp().as_millisecond(),
        held_back: inputs.held_back,
        confirm: confirm_question(inputs.live, inputs.now),
        port_fix: port_fix(inputs.ibc, inputs.configured_port),
        reconnect_account: reconnect_offer(
            command_server && !running,
            inputs.link,
            inputs.in_reset_window,
            inputs.now,
        ),
        start: inputs.start,
        run: inputs.run,
    }
}

fn ibc_summary(ibc: &IbcFinding) -> String {
    match ibc {
        IbcFinding::Found { config, picked } => {
            let whence = if *picked {
                "the file named in Settings"
            } else {
                "found in IBC's usual place"
            };
            match &config.command_server {
                Some(_) => format!(
                    "IBC's settings: {} ({whence}). Its command server is on, so Gateway Doctor can restart \
                     IB Gateway for you.",
                    config.path
                ),
                None => format!(
                    "IBC's settings: {} ({whence}). Its command server is off, so Gateway Doctor cannot restart \
                     IB Gateway through IBC: add the line CommandServerPort=7462 to that file and restart IBC, \
                     or restart IB Gateway by hand with the steps below.",
                    config.path
                ),
            }
        }
        IbcFinding::NotFound { looked_in } => format!(
            "IBC was not found (its settings file is not in {}). If you run IB Gateway under IBC, name its \
             config.ini in Settings; otherwise restart IB Gateway by hand with the steps below.",
            if looked_in.is_empty() {
                "any usual place".to_string()
            } else {
                looked_in.join(", ")
            }
        ),
        IbcFinding::Problem { failure, .. } => format!(
            "{} Fix the file, or restart IB Gateway by hand with the steps below.",
            failure.message
        ),
    }
}

fn login_note(next_reset: &Zoned) -> String {
    let local = next_reset.with_time_zone(jiff::tz::TimeZone::system());
    format!(
        "A restart through IBC keeps IB Gateway's login: no new login or phone approval (2FA) is needed \
         until IBKR's weekly reset, {} your time (Sunday about 01:00 New York time). After that, IB Gateway \
         asks for a new login and a 2FA approval on your phone.",
        local.strftime("%a %-d %b %H:%M")
    )
}

fn confirm_question(live: bool, now: Timestamp) -> Option<String> {
    (live && in_market_hours(now)).then(|| {
        "This is a LIVE account and US markets are open (09:30-16:00 New York time). IB Gateway will be \
         away for a minute or two: open orders stay at IBKR, but your programs lose their connection until it \
         is back. Restart now?"
            .to_string()
    })
}

fn port_fix(ibc: &IbcFinding, configured: u16) -> Option<IbcPortFix> {
    let IbcFinding::Found { config, .. } = ibc else {
        return None;
    };
    let setting = config
        .settings
        .iter()
        .find(|s| s.key == IbcKey::OverrideTwsApiPort)?;
    let port: u16 = setting.value.parse().ok()?;
    (port != configured).then(|| IbcPortFix {
        port,
        configured,
        path: setting.path.clone(),
        line: setting.line,
        message: format!(
            "IBC sets IB Gateway's API port to {port} (line {} of {}), but Gateway Doctor connects to \
             {configured}. Use {port}?",
            setting.line, setting.path
        ),
    })
}

/// Why an automatic restart is held back though the guardrail latched, if it is: the demo gateway (IBC is the
/// real Gateway's), IBC setting the Gateway to another port than the session's (it may be another Gateway),
/// or an IBKR reset window (a silent API is then expected, and a restart would not help).
pub fn auto_restart_hold(
    demo: bool,
    port_fix: Option<&IbcPortFix>,
    reset_window: Option<&InWindow>,
) -> Option<String> {
    if demo {
        return Some("the session is on the demo gateway, and IBC runs the real one".into());
    }
    if let Some(fix) = port_fix {
        return Some(format!(
            "IBC's IB Gateway uses port {} and the session {}: restart it yourself on the Restart screen",
            fix.port, fix.configured
        ));
    }
    reset_window.map(|window| {
        format!(
            "{} until {}: IB Gateway's API is often silent then, and a restart would not help",
            window.name, window.ends_local
        )
    })
}

fn reconnect_offer(
    command_server: bool,
    link: &LinkStatus,
    in_reset_window: bool,
    now: Timestamp,
) -> Option<String> {
    let lost_ms = now.as_millisecond() - link.at_ms?;
    let offer = command_server
        && link.state == LinkState::Lost
        && !in_reset_window
        && lost_ms >= LINK_LOST_OFFER_AFTER_MS;
    offer.then(|| {
        format!(
            "IB Gateway has lost its link to IBKR's servers for {} minutes, outside IBKR's reset times. IBC can \
             ask IB Gateway to reconnect its account link (no restart, no new login).",
            lost_ms / 60_000
        )
    })
}
