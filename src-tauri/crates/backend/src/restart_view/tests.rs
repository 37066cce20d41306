//! The Restart screen's rules on hand-built inputs (pure: no clock, no files).

use gateway_proto::{RestartPhase, RestartStep};

use super::run_steps::{RunStep, StepState};
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
        auto_restart_hold(false, None, Some(&window)).is_some_and(|w| w.contains("until 06:45"))
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
