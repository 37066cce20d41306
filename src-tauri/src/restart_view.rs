//! The Restart screen's rules, computed here so the UI only renders them: what was found of IBC and where,
//! which buttons show, what a restart costs (no new login within the week), whether it needs a confirmation
//! first, whether the restart guard holds it back, and the steps of a restart in progress with their words.
//! Pure functions of their inputs (no clock, no files): restart.rs gathers the inputs.
//!
//! Market hours, for the LIVE confirmation: US equities' regular session, 09:30-16:00 New York time, Monday
//! to Friday. Exchange holidays are not known here, so on a holiday the question is asked anyway (asking
//! once too often is the safe side).

use gateway_proto::{
    IbcConfigView, IbcFailure, IbcKey, LinkState, LinkStatus, RestartOutcome, RestartPhase,
    RestartReport, RestartStep,
};
use jiff::civil::{Time, Weekday};
use jiff::{Timestamp, ToSpan, Zoned};
use serde::Serialize;
use ts_rs::TS;

use crate::restart_start::GatewayInstall;
use gateway_core::reset_window::InWindow;

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

/// A step of a restart through IBC as the screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RunStepId {
    /// Asking IBC to restart IB Gateway.
    Asking,
    /// IB Gateway closed to restart.
    Down,
    /// IB Gateway is back and listening.
    Listening,
    /// The session is back.
    Session,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Done,
    /// Being waited for now.
    Active,
    Waiting,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunStep {
    pub id: RunStepId,
    /// In plain words, for the state it is in ("Waiting for IB Gateway to close" / "IB Gateway closed").
    pub label: String,
    pub state: StepState,
    /// When it was reached (Unix ms).
    pub at_ms: Option<i64>,
}

/// How a restart through the app ended (or that it is still going).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RunResult {
    Running,
    /// IB Gateway restarted and the session is back.
    Back,
    /// Something failed or did not happen in time: `message` says what, and what to do.
    Failed,
}

/// A restart through IBC, as far as it got: published on `restart://progress` at every step.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RestartRun {
    /// Counts up from 1 per app run.
    pub id: u32,
    /// When the trader clicked Restart (Unix ms).
    pub started_at_ms: i64,
    pub steps: Vec<RunStep>,
    pub result: RunResult,
    /// Gateway Doctor started it by itself (the ibc_auto_restart setting), not a click.
    pub automatic: bool,
    /// Plain words: where it is, or how it ended.
    pub message: String,
    /// What was sent, IBC's reply, the port watched, timings (for "Details").
    pub details: String,
    /// Why it failed, when IBC or the guard said no.
    pub failure: Option<IbcFailure>,
    /// The follow-through as core reported it, once it ended.
    pub report: Option<RestartReport>,
    /// When the session was seen back (Unix ms).
    pub session_at_ms: Option<i64>,
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

/// The next Sunday 01:00 New York time after `now`: IBKR resets the Gateway's login token then.
pub fn next_token_reset(now: Timestamp) -> Zoned {
    let here = now.to_zoned(new_york());
    let mut date = here.date();
    loop {
        if date.weekday() == Weekday::Sunday
            && let Ok(at) = date
                .to_datetime(Time::constant(1, 0, 0, 0))
                .to_zoned(new_york())
            && at.timestamp() > now
        {
            return at;
        }
        match date.checked_add(1.day()) {
            Ok(next) => date = next,
            // Beyond year 9999: say "now", the cautious answer.
            Err(_) => return here,
        }
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

/// US equities' regular session: 09:30-16:00 New York time, Monday to Friday (holidays not known).
pub fn in_market_hours(now: Timestamp) -> bool {
    let here = now.to_zoned(new_york());
    let weekday = !matches!(here.weekday(), Weekday::Saturday | Weekday::Sunday);
    let time = here.time();
    weekday && time >= Time::constant(9, 30, 0, 0) && time < Time::constant(16, 0, 0, 0)
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

fn new_york() -> jiff::tz::TimeZone {
    // The bundled time zone database always has it; UTC-5 is the fallback of a broken build.
    jiff::tz::db()
        .get("America/New_York")
        .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(-5)))
}

/// The steps of a restart run: from the phases core reported, whether the session is back, and whether
/// the run failed (the first step not done is then the failed one).
pub fn steps(reached: &[RestartStep], session_at_ms: Option<i64>, failed: bool) -> Vec<RunStep> {
    let at = |phase: RestartPhase| reached.iter().find(|s| s.phase == phase).map(|s| s.at_ms);
    let sent = at(RestartPhase::Sent);
    let listening = at(RestartPhase::ListeningAgain);
    // A restart faster than one look at the port: the new listener proves it went down.
    let down = at(RestartPhase::DownSeen).or(listening);
    let marks = [
        (RunStepId::Asking, sent),
        (RunStepId::Down, down),
        (RunStepId::Listening, listening),
        (RunStepId::Session, session_at_ms),
    ];
    let mut current_found = false;
    marks
        .into_iter()
        .map(|(id, at_ms)| {
            let state = if at_ms.is_some() {
                StepState::Done
            } else if current_found {
                StepState::Waiting
            } else {
                current_found = true;
                if failed {
                    StepState::Failed
                } else {
                    StepState::Active
                }
            };
            RunStep {
                id,
                label: step_label(id, state).into(),
                state,
                at_ms,
            }
        })
        .collect()
}

fn step_label(id: RunStepId, state: StepState) -> &'static str {
    match (id, state) {
        (RunStepId::Asking, StepState::Done) => "IBC accepted the restart",
        (RunStepId::Asking, StepState::Failed) => "IBC did not take the restart",
        (RunStepId::Asking, _) => "Asking IBC to restart IB Gateway",
        (RunStepId::Down, StepState::Done) => "IB Gateway closed to restart",
        (RunStepId::Down, StepState::Failed) => "IB Gateway did not close",
        (RunStepId::Down, _) => {
            "Waiting for IB Gateway to close (IBC restarts it at the next full minute)"
        }
        (RunStepId::Listening, StepState::Done) => "IB Gateway is back and listening",
        (RunStepId::Listening, StepState::Failed) => "IB Gateway did not come back in time",
        (RunStepId::Listening, _) => "Waiting for IB Gateway to start again",
        (RunStepId::Session, StepState::Done) => "Session back (Connected)",
        (RunStepId::Session, StepState::Failed) => "The session did not come back",
        (RunStepId::Session, _) => "Gateway Doctor reconnects once",
    }
}

/// The message of a run that core's follow-through ended without the Gateway back.
pub fn not_back_message(report: &RestartReport) -> String {
    match report.outcome {
        RestartOutcome::NotWatched => report.message.clone(),
        _ => format!(
            "{} If it does not come back, use the steps below to restart it by hand.",
            report.message
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse::<Zoned>().expect(text).timestamp()
    }

    fn found(settings: &[(IbcKey, &str)], command_server: Option<&str>) -> IbcFinding {
        IbcFinding::Found {
            config: IbcConfigView {
                path: "/home/t/ibc/config.ini".into(),
                settings: settings
                    .iter()
                    .enumerate()
                    .map(|(i, (key, value))| gateway_proto::IbcSetting {
                        key: *key,
                        value: (*value).into(),
                        path: "/home/t/ibc/config.ini".into(),
                        line: u32::try_from(i).unwrap_or(0) + 1,
                    })
                    .collect(),
                command_server: command_server.map(Into::into),
            },
            picked: false,
        }
    }

    static NO_LINK: LinkStatus = LinkStatus {
        state: LinkState::Unknown,
        code: None,
        message: None,
        at_ms: None,
    };

    fn inputs(ibc: &IbcFinding, live: bool, now: Timestamp) -> ViewInputs<'_> {
        ViewInputs {
            ibc,
            configured_port: 4002,
            live,
            now,
            held_back: None,
            run: None,
            link: &NO_LINK,
            in_reset_window: false,
            start: None,
        }
    }

    #[test]
    fn an_automatic_restart_is_held_for_the_demo_another_port_and_a_reset_window() {
        assert_eq!(auto_restart_hold(false, None, None), None);
        assert!(auto_restart_hold(true, None, None).is_some_and(|w| w.contains("demo")));
        let fix = IbcPortFix {
            port: 4001,
            configured: 4002,
            path: "/home/t/ibc/config.ini".into(),
            line: 3,
            message: String::new(),
        };
        assert!(
            auto_restart_hold(false, Some(&fix), None)
                .is_some_and(|w| w.contains("port 4001 and the session 4002"))
        );
        let window = InWindow {
            name: "IBKR daily reset (North America)".into(),
            ends_at_ms: 0,
            ends_local: "06:45".into(),
        };
        assert!(
            auto_restart_hold(false, None, Some(&window))
                .is_some_and(|w| w.contains("until 06:45"))
        );
    }

    #[test]
    fn a_link_lost_for_minutes_outside_reset_windows_offers_reconnecting_the_account_link() {
        let now = at("2026-12-02T20:00:00[America/New_York]");
        let ibc = found(
            &[(IbcKey::CommandServerPort, "7462")],
            Some("127.0.0.1:7462"),
        );
        let lost_since = |ms: i64| LinkStatus {
            state: LinkState::Lost,
            code: Some(1100),
            message: None,
            at_ms: Some(now.as_millisecond() - ms),
        };
        let long = lost_since(LINK_LOST_OFFER_AFTER_MS);
        let mut shown = inputs(&ibc, false, now);
        shown.link = &long;
        assert!(
            view(shown)
                .reconnect_account
                .is_some_and(|offer| offer.contains("3 minutes"))
        );
        let short = lost_since(LINK_LOST_OFFER_AFTER_MS - 1);
        let mut early = inputs(&ibc, false, now);
        early.link = &short;
        assert_eq!(view(early).reconnect_account, None, "not yet");
        let mut window = inputs(&ibc, false, now);
        window.link = &long;
        window.in_reset_window = true;
        assert_eq!(
            view(window).reconnect_account,
            None,
            "normal in a reset window"
        );
        let restored = LinkStatus {
            state: LinkState::Restored,
            ..lost_since(LINK_LOST_OFFER_AFTER_MS * 2)
        };
        let mut back = inputs(&ibc, false, now);
        back.link = &restored;
        assert_eq!(view(back).reconnect_account, None);
        let no_ibc = found(&[], None);
        let mut without = inputs(&no_ibc, false, now);
        without.link = &long;
        assert_eq!(view(without).reconnect_account, None, "needs IBC");
    }

    #[test]
    fn the_token_resets_on_the_next_sunday_at_one_new_york_time() {
        let wednesday = at("2026-12-02T10:00:00[America/New_York]");
        assert_eq!(
            next_token_reset(wednesday).timestamp(),
            at("2026-12-06T01:00:00[America/New_York]")
        );
        // Sunday 00:59 is before the reset of that very day; 01:00 is past it.
        let just_before = at("2026-12-06T00:59:00[America/New_York]");
        assert_eq!(
            next_token_reset(just_before).timestamp(),
            at("2026-12-06T01:00:00[America/New_York]")
        );
        let at_reset = at("2026-12-06T01:00:00[America/New_York]");
        assert_eq!(
            next_token_reset(at_reset).timestamp(),
            at("2026-12-13T01:00:00[America/New_York]")
        );
    }

    #[test]
    fn market_hours_are_weekdays_from_half_past_nine_to_four_new_york_time() {
        for (when, open) in [
            ("2026-12-02T09:29:59[America/New_York]", false),
            ("2026-12-02T09:30:00[America/New_York]", true),
            ("2026-12-02T15:59:59[America/New_York]", true),
            ("2026-12-02T16:00:00[America/New_York]", false),
            ("2026-12-05T12:00:00[America/New_York]", false), // Saturday
            ("2026-07-01T10:00:00[America/New_York]", true),  // summer time
            ("2026-12-02T15:00:00[Europe/Zurich]", false),    // 09:00 in New York
            ("2026-12-02T16:00:00[Europe/Zurich]", true),     // 10:00 in New York
        ] {
            assert_eq!(in_market_hours(at(when)), open, "{when}");
        }
    }

    #[test]
    fn a_live_account_in_market_hours_is_asked_first_and_paper_or_closed_markets_are_not() {
        let ibc = found(
            &[(IbcKey::CommandServerPort, "7462")],
            Some("127.0.0.1:7462"),
        );
        let open = at("2026-12-02T11:00:00[America/New_York]");
        let closed = at("2026-12-02T20:00:00[America/New_York]");
        let asked = view(inputs(&ibc, true, open)).confirm;
        assert!(asked.is_some_and(|q| q.contains("LIVE")));
        assert_eq!(view(inputs(&ibc, false, open)).confirm, None);
        assert_eq!(view(inputs(&ibc, true, closed)).confirm, None);
    }

    #[test]
    fn restart_and_stop_show_only_with_a_command_server_and_no_restart_running() {
        let now = at("2026-12-02T20:00:00[America/New_York]");
        let with = found(
            &[(IbcKey::CommandServerPort, "7462")],
            Some("127.0.0.1:7462"),
        );
        let without = found(&[(IbcKey::TradingMode, "paper")], None);
        let on = view(inputs(&with, false, now)).actions;
        assert!(on.restart && on.stop && on.manual);
        assert!(
            view(inputs(&with, false, now))
                .ibc_summary
                .contains("command server is on")
        );
        assert!(
            view(inputs(&without, false, now))
                .ibc_summary
                .contains("CommandServerPort=7462")
        );
        let off = view(inputs(&without, false, now)).actions;
        assert!(!off.restart && !off.stop && off.manual);
        let missing = IbcFinding::NotFound { looked_in: vec![] };
        assert!(!view(inputs(&missing, false, now)).actions.restart);
        let mut busy = inputs(&with, false, now);
        busy.run = Some(RestartRun {
            id: 1,
            started_at_ms: 0,
            steps: steps(&[], None, false),
            result: RunResult::Running,
            automatic: false,
            message: String::new(),
            details: String::new(),
            failure: None,
            report: None,
            session_at_ms: None,
        });
        assert!(!view(busy).actions.restart, "one restart at a time");
    }

    #[test]
    fn a_different_gateway_port_in_ibc_is_offered_as_a_fix_with_its_line() {
        let now = at("2026-12-02T20:00:00[America/New_York]");
        let ibc = found(
            &[
                (IbcKey::CommandServerPort, "7462"),
                (IbcKey::OverrideTwsApiPort, "4001"),
            ],
            Some("127.0.0.1:7462"),
        );
        let fix = view(inputs(&ibc, false, now)).port_fix.expect("a fix");
        assert_eq!((fix.port, fix.configured, fix.line), (4001, 4002, 2));
        assert!(fix.message.contains("line 2 of /home/t/ibc/config.ini"));
        let same = found(&[(IbcKey::OverrideTwsApiPort, "4002")], None);
        assert_eq!(view(inputs(&same, false, now)).port_fix, None);
    }

    #[test]
    fn the_login_note_says_no_new_2fa_and_when_one_will_be_needed() {
        let now = at("2026-12-02T20:00:00[America/New_York]");
        let ibc = IbcFinding::NotFound { looked_in: vec![] };
        let shown = view(inputs(&ibc, false, now));
        assert!(shown.login_note.contains("no new login"));
        assert!(
            shown
                .login_note
                .contains("Sunday about 01:00 New York time")
        );
        assert_eq!(
            shown.next_token_reset_ms,
            at("2026-12-06T01:00:00[America/New_York]").as_millisecond()
        );
    }

    #[test]
    fn steps_tick_in_order_and_the_first_missing_one_is_active_or_failed() {
        let sent = RestartStep {
            phase: RestartPhase::Sent,
            at_ms: 10,
        };
        let down = RestartStep {
            phase: RestartPhase::DownSeen,
            at_ms: 20,
        };
        let back = RestartStep {
            phase: RestartPhase::ListeningAgain,
            at_ms: 30,
        };
        let states = |s: &[RunStep]| s.iter().map(|s| s.state).collect::<Vec<_>>();
        use StepState::{Active, Done, Failed, Waiting};
        assert_eq!(
            states(&steps(&[], None, false)),
            [Active, Waiting, Waiting, Waiting]
        );
        assert_eq!(
            states(&steps(&[sent], None, false)),
            [Done, Active, Waiting, Waiting]
        );
        let waiting_down = steps(&[sent], None, false);
        assert!(
            waiting_down[1]
                .label
                .starts_with("Waiting for IB Gateway to close")
        );
        assert_eq!(
            states(&steps(&[sent, down, back], None, false)),
            [Done, Done, Done, Active]
        );
        assert_eq!(
            states(&steps(&[sent, down, back], Some(40), false)),
            [Done, Done, Done, Done]
        );
        assert_eq!(
            states(&steps(&[sent, down], None, true)),
            [Done, Done, Failed, Waiting]
        );
        // A restart faster than a look at the port: listening again proves it closed.
        let fast = steps(&[sent, back], None, false);
        assert_eq!(fast[1].state, Done);
        assert_eq!(fast[1].at_ms, Some(30));
        assert_eq!(states(&steps(&[], None, true))[0], Failed);
    }
}
