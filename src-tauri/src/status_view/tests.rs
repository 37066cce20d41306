//! Every lifecycle phase as a row: light, reason and the one button; then the words that carry a rule.

use gateway_core::reset_window::InWindow;
use gateway_core::supervisor::{Lifecycle, Offered, SupervisorState};
use gateway_proto::{
    AccountMode, ErrorBody, ErrorCode, FarmKind, FarmState, FarmStatus, HeartbeatStatus, LinkState,
    LinkStatus, SessionState, Target, WorkerStatus,
};

use super::facts::FactValue;
use super::*;
use crate::dto::{GatewayPresence, StaleConnections};

const NOW: i64 = 1_800_000_000_000;

fn state(lifecycle: Lifecycle) -> SupervisorState {
    let mut s = SupervisorState::new(3);
    s.offered = Offered::for_state(&lifecycle, false);
    s.lifecycle = lifecycle;
    s.changed_at_ms = NOW - 2000;
    s
}

fn connected_state(worker: WorkerStatus) -> SupervisorState {
    let mut s = state(Lifecycle::Connected);
    s.worker = worker;
    s
}

fn connected_worker() -> WorkerStatus {
    WorkerStatus {
        session: SessionState::Connected,
        target: Some(Target {
            host: "127.0.0.1".into(),
            port: 4002,
            client_id: 1,
            readonly: true,
            timeout_s: 30.0,
        }),
        accounts: vec!["DU1234567".into()],
        server_version: Some(176),
        connected_at_ms: Some(NOW - 3_723_000),
        heartbeat: HeartbeatStatus {
            last_rtt_ms: Some(12.0),
            last_ok_at_ms: Some(NOW - 1000),
            ..HeartbeatStatus::default()
        },
        link: LinkStatus {
            state: LinkState::Ok,
            code: Some(2104),
            message: None,
            at_ms: Some(NOW),
        },
        farms: vec![farm(FarmKind::MarketData, "usfarm", FarmState::Ok)],
        ..WorkerStatus::default()
    }
}

fn farm(kind: FarmKind, name: &str, state: FarmState) -> FarmStatus {
    FarmStatus {
        kind,
        name: name.into(),
        state,
        code: 2104,
        at_ms: NOW,
    }
}

fn err(code: ErrorCode, message: &str) -> ErrorBody {
    ErrorBody::new(code, message)
}

fn backoff(retry_in_ms: u64, error: ErrorBody) -> Lifecycle {
    Lifecycle::Backoff {
        attempt: 2,
        retry_in_ms,
        error,
    }
}

fn up() -> GatewayPresence {
    GatewayPresence {
        port: 4002,
        listening: true,
        listener_inode: Some(111),
        accept_queue: Some(0),
        process_name: Some("java".into()),
        pid: Some(4242),
        stale: Some(StaleConnections::default()),
        ..GatewayPresence::default()
    }
}

fn down() -> GatewayPresence {
    GatewayPresence {
        port: 4002,
        ..GatewayPresence::default()
    }
}

fn window() -> InWindow {
    InWindow {
        name: "IBKR daily reset (North America)".into(),
        ends_at_ms: NOW + 600_000,
        ends_local: "01:45".into(),
    }
}

use Light::{Amber, Green, Grey, Red};
use PrimaryKind::{Busy, Connect, Diagnose, Reconnect, RestartHelp};
use StatusReason as R;

/// (name, state, presence, light, reason, button, title)
type Row<'a> = (
    &'a str,
    SupervisorState,
    Option<&'a GatewayPresence>,
    Light,
    R,
    PrimaryKind,
    &'a str,
);

#[test]
fn every_phase_has_its_light_reason_and_button() {
    let stopped = {
        let mut s = state(Lifecycle::Idle);
        s.stopped_by_user = true;
        s
    };
    let budget = {
        let mut s = state(backoff(
            45_000,
            err(ErrorCode::ConnectionLost, "Waiting 45 s"),
        ));
        s.waiting_for_budget = true;
        s
    };
    let no_reconnect = {
        let mut s = state(backoff(1000, err(ErrorCode::ConnectionLost, "")));
        s.offered = Offered {
            connect: false,
            reconnect: false,
            stop: true,
        };
        s
    };
    let late = {
        let mut w = connected_worker();
        w.heartbeat.misses_in_a_row = 1;
        connected_state(w)
    };
    let first_heartbeat_not_due = {
        let mut w = connected_worker();
        w.heartbeat = HeartbeatStatus::default();
        connected_state(w)
    };
    let link_lost = {
        let mut w = connected_worker();
        w.link.state = LinkState::Lost;
        connected_state(w)
    };
    let farm_down = {
        let mut w = connected_worker();
        w.farms = vec![farm(FarmKind::MarketData, "usfarm", FarmState::Broken)];
        connected_state(w)
    };
    let farm_idle = {
        let mut w = connected_worker();
        w.farms = vec![farm(
            FarmKind::HistoricalData,
            "ushmds",
            FarmState::Inactive,
        )];
        connected_state(w)
    };
    let worker_unresponsive = {
        let mut w = connected_worker();
        w.session = SessionState::Unresponsive;
        connected_state(w)
    };
    let mut unresponsive = worker_unresponsive.clone();
    unresponsive.lifecycle = Lifecycle::Unresponsive;
    let connecting = |attempt| state(Lifecycle::Connecting { attempt });
    let failed = |code, message| {
        state(Lifecycle::Failed {
            error: err(code, message),
        })
    };
    let lost = || {
        err(
            ErrorCode::ConnectionLost,
            "The Gateway closed the connection.",
        )
    };
    let (up, down) = (up(), down());
    // (name, state, presence, light, reason, button, title)
    let rows: Vec<Row> = vec![
        (
            "idle",
            state(Lifecycle::Idle),
            None,
            Grey,
            R::Idle,
            Connect,
            "Not connected",
        ),
        (
            "idle, nothing on the port",
            state(Lifecycle::Idle),
            Some(&down),
            Grey,
            R::Idle,
            Connect,
            "Not connected",
        ),
        (
            "idle after Stop",
            stopped,
            None,
            Grey,
            R::Stopped,
            Connect,
            "Stopped",
        ),
        (
            "the budget's wait",
            budget,
            None,
            Amber,
            R::Backoff,
            Reconnect,
            "Waiting before the next try",
        ),
        (
            "backoff without Reconnect offered",
            no_reconnect,
            None,
            Amber,
            R::Backoff,
            Diagnose,
            "Reconnecting",
        ),
        (
            "connecting",
            connecting(1),
            None,
            Amber,
            R::Connecting,
            Busy,
            "Connecting…",
        ),
        (
            "connecting, second try",
            connecting(2),
            None,
            Amber,
            R::Connecting,
            Busy,
            "Connecting (try 2)…",
        ),
        (
            "connected",
            connected_state(connected_worker()),
            None,
            Green,
            R::Connected,
            Diagnose,
            "Connected",
        ),
        (
            "first heartbeat not due",
            first_heartbeat_not_due,
            None,
            Green,
            R::Connected,
            Diagnose,
            "Connected",
        ),
        (
            "a heartbeat missed",
            late,
            None,
            Amber,
            R::HeartbeatLate,
            Diagnose,
            "Connected, but IB Gateway is slow to answer",
        ),
        (
            "IB link lost",
            link_lost,
            None,
            Amber,
            R::LinkDown,
            Diagnose,
            "IB Gateway lost its link to IB's servers",
        ),
        (
            "a data farm down",
            farm_down,
            None,
            Amber,
            R::FarmDown,
            Diagnose,
            "A data farm is down",
        ),
        (
            "an inactive farm is normal",
            farm_idle,
            None,
            Green,
            R::Connected,
            Diagnose,
            "Connected",
        ),
        (
            "connected phase, worker unresponsive",
            worker_unresponsive,
            None,
            Red,
            R::Unresponsive,
            RestartHelp,
            "Gateway API layer is unresponsive",
        ),
        (
            "unresponsive",
            unresponsive,
            None,
            Red,
            R::Unresponsive,
            RestartHelp,
            "Gateway API layer is unresponsive",
        ),
        (
            "backoff after a lost connection",
            state(backoff(8000, lost())),
            Some(&up),
            Amber,
            R::Backoff,
            Reconnect,
            "Reconnecting",
        ),
        (
            "backoff, client id in use",
            state(backoff(
                1000,
                err(ErrorCode::ClientIdInUse, "client id 1 is in use"),
            )),
            None,
            Amber,
            R::Backoff,
            Reconnect,
            "Reconnecting",
        ),
        (
            "backoff, Gateway not running",
            state(backoff(
                16_000,
                err(ErrorCode::ConnectionRefused, "refused"),
            )),
            Some(&down),
            Red,
            R::NotRunning,
            Diagnose,
            "IB Gateway is not running",
        ),
        (
            "latched",
            state(Lifecycle::Latched {
                error: err(ErrorCode::GatewayUnresponsive, "3 handshakes"),
            }),
            Some(&up),
            Red,
            R::Latched,
            RestartHelp,
            "Gateway API layer is unresponsive",
        ),
        (
            "failed: too old",
            failed(ErrorCode::GatewayTooOld, "version 187"),
            None,
            Red,
            R::Failed,
            Reconnect,
            "Needs your attention",
        ),
        (
            "failed: worker missing",
            failed(ErrorCode::WorkerMissing, "not found"),
            None,
            Red,
            R::Failed,
            Reconnect,
            "Needs your attention",
        ),
        (
            "failed: refused, nothing on the port",
            failed(ErrorCode::ConnectionRefused, "refused"),
            Some(&down),
            Red,
            R::NotRunning,
            Diagnose,
            "IB Gateway is not running",
        ),
    ];
    for (name, s, presence, light, reason, primary, title) in rows {
        let v = view(&s, presence, None);
        assert_eq!(
            (v.light, v.reason, v.primary),
            (light, reason, primary),
            "{name}"
        );
        assert_eq!(v.title, title, "{name}");
        assert!(!v.detail.is_empty(), "{name}: every view has a detail");
    }
}

#[test]
fn the_session_error_is_worded_by_the_ui_where_the_words_are_its_own() {
    let failed = view(
        &state(Lifecycle::Failed {
            error: err(ErrorCode::GatewayTooOld, "This Gateway speaks version 187."),
        }),
        None,
        None,
    );
    let error = failed.error.expect("the failure's error");
    assert!(error.headline, "a failure's title is the headline");
    assert_eq!(error.error.code, ErrorCode::GatewayTooOld);
    let retrying = view(
        &state(backoff(8000, err(ErrorCode::ConnectionLost, "closed"))),
        Some(&up()),
        None,
    );
    assert!(
        retrying.error.is_some_and(|e| !e.headline),
        "a retry's error opens the detail"
    );
    let mut budget = state(backoff(8000, err(ErrorCode::ConnectionLost, "closed")));
    budget.waiting_for_budget = true;
    assert_eq!(
        view(&budget, None, None).error,
        None,
        "the budget's wait has its own words"
    );
    assert_eq!(view(&state(Lifecycle::Idle), None, None).error, None);
}

#[test]
fn a_retry_says_when_the_next_try_goes_as_an_absolute_time() {
    let mut s = state(backoff(10_000, err(ErrorCode::ConnectionLost, "")));
    s.changed_at_ms = NOW - 4000;
    assert_eq!(view(&s, Some(&up()), None).retry_at_ms, Some(NOW + 6000));
    let absent = view(&s, Some(&down()), None);
    assert_eq!(absent.reason, R::NotRunning);
    assert_eq!(absent.retry_at_ms, Some(NOW + 6000), "not running, retried");
    assert!(
        absent
            .detail
            .ends_with("Gateway Doctor connects by itself once it is up.")
    );
    let mut budget = s.clone();
    budget.waiting_for_budget = true;
    let waiting = view(&budget, None, None);
    assert!(
        waiting
            .detail
            .ends_with("so as not to overload IB Gateway.")
    );
    assert_eq!(waiting.retry_at_ms, Some(NOW + 6000));
    assert_eq!(
        view(&connected_state(connected_worker()), None, None).retry_at_ms,
        None
    );
}

#[test]
fn the_words_name_the_port_and_what_to_do() {
    let refused = state(Lifecycle::Failed {
        error: err(ErrorCode::ConnectionRefused, "refused"),
    });
    assert_eq!(
        view(&refused, Some(&down()), None).detail,
        "Nothing is listening on port 4002. Start IB Gateway and log in."
    );
    assert_eq!(
        view(&state(Lifecycle::Idle), Some(&down()), None).detail,
        "IB Gateway is not running on port 4002. Start it, then click Connect."
    );
    assert_eq!(
        view(&state(Lifecycle::Idle), Some(&up()), None).detail,
        "Click Connect to open the session with IB Gateway."
    );
    let latched = state(Lifecycle::Latched {
        error: err(ErrorCode::GatewayUnresponsive, ""),
    });
    let detail = view(&latched, Some(&up()), None).detail;
    assert!(
        detail.contains("3 times in a row") && detail.contains("Restart IB Gateway"),
        "{detail}"
    );
    let mut two = connected_worker();
    two.farms = vec![
        farm(FarmKind::MarketData, "usfarm", FarmState::Broken),
        farm(FarmKind::MarketData, "eufarm", FarmState::Broken),
        farm(FarmKind::SecurityDefinition, "secdefnj", FarmState::Broken),
    ];
    let farms = view(&connected_state(two), None, None);
    assert_eq!(farms.title, "Some data farms are down");
    assert!(
        farms
            .detail
            .starts_with("Market data, Contract details: not available")
    );
}

#[test]
fn inside_a_reset_window_trouble_is_amber_but_a_healthy_session_and_a_stop_keep_their_view() {
    let (up, down, window) = (up(), down(), window());
    let waiting = view(
        &state(backoff(10_000, err(ErrorCode::ConnectionLost, ""))),
        Some(&up),
        Some(&window),
    );
    assert_eq!(
        (waiting.light, waiting.reason, waiting.primary),
        (Amber, R::ResetWindow, Diagnose)
    );
    assert_eq!(
        waiting.title,
        "IBKR daily reset (North America): waiting until 01:45"
    );
    let refused = state(backoff(10_000, err(ErrorCode::ConnectionRefused, "")));
    assert_eq!(
        view(&refused, Some(&down), Some(&window)).reason,
        R::ResetWindow,
        "not running, explained"
    );
    let unresponsive = view(&state(Lifecycle::Unresponsive), Some(&up), Some(&window));
    assert_eq!(
        (unresponsive.light, unresponsive.primary),
        (Amber, RestartHelp)
    );
    assert_eq!(
        view(
            &state(Lifecycle::Connecting { attempt: 1 }),
            None,
            Some(&window)
        )
        .light,
        Amber
    );
    let mut late = connected_worker();
    late.heartbeat.misses_in_a_row = 1;
    assert_eq!(
        view(&connected_state(late), None, Some(&window)).reason,
        R::ResetWindow
    );
    let kept = [
        (connected_state(connected_worker()), Green, R::Connected),
        (
            state(Lifecycle::Latched {
                error: err(ErrorCode::GatewayUnresponsive, ""),
            }),
            Red,
            R::Latched,
        ),
        (
            state(Lifecycle::Failed {
                error: err(ErrorCode::GatewayTooOld, ""),
            }),
            Red,
            R::Failed,
        ),
        (state(Lifecycle::Idle), Grey, R::Idle),
    ];
    for (s, light, reason) in kept {
        let v = view(&s, Some(&up), Some(&window));
        assert_eq!((v.light, v.reason), (light, reason), "{:?}", s.lifecycle);
    }
}

/// On main the tray's light (light.rs) and the window's (status.ts) were two rules. With a connected
/// lifecycle whose worker already reports the session unresponsive, the window said red and the tray green;
/// with a retry while the last look at the port was of another port (the demo just started), the window
/// said amber and the tray red. One rule now, and the tray reads `light` from this same value.
#[test]
fn the_inputs_where_the_tray_and_the_window_disagreed_have_one_light() {
    let mut w = connected_worker();
    w.session = SessionState::Unresponsive;
    assert_eq!(view(&connected_state(w), Some(&up()), None).light, Red);
    let retry = state(backoff(8000, err(ErrorCode::ConnectionLost, "closed")));
    assert_eq!(
        view(&retry, None, None).light,
        Amber,
        "presence not known: not called absent"
    );
}

/// On main Diagnose (core's account_mode) said PAPER for a session with no accounts on port 4002 and LIVE
/// for "du1234567", where the Status screen said nothing and PAPER. One rule now (core's session_mode).
#[test]
fn paper_or_live_is_one_rule_and_never_guessed() {
    let mut none = connected_worker();
    none.accounts = vec![];
    assert_eq!(view(&connected_state(none), None, None).mode, None);
    let mut lower = connected_worker();
    lower.accounts = vec!["du1234567".into()];
    assert_eq!(
        view(&connected_state(lower), None, None).mode,
        Some(AccountMode::Paper)
    );
    let mut mixed = connected_worker();
    mixed.accounts = vec!["DU1".into(), "U2".into()];
    let v = view(&connected_state(mixed), None, None);
    assert_eq!(v.mode, Some(AccountMode::Live));
    let modes: Vec<_> = v
        .accounts
        .iter()
        .map(|a| (a.account.as_str(), a.mode))
        .collect();
    assert_eq!(
        modes,
        [("DU1", AccountMode::Paper), ("U2", AccountMode::Live)]
    );
    let mut live_port = connected_worker();
    if let Some(target) = live_port.target.as_mut() {
        target.port = 4001;
    }
    let v = view(&connected_state(live_port), None, None);
    assert_eq!(v.mode, Some(AccountMode::Live));
    assert_eq!(
        v.accounts[0].mode,
        AccountMode::Live,
        "a paper id on a live port"
    );
    assert_eq!(
        view(
            &state(Lifecycle::Idle),
            Some(&GatewayPresence { port: 4001, ..up() }),
            None
        )
        .mode,
        Some(AccountMode::Live)
    );
}

#[test]
fn the_link_light_follows_the_notices_and_is_grey_without_a_session() {
    let link = |state| LinkStatus {
        state,
        code: None,
        message: None,
        at_ms: None,
    };
    for (state, light) in [
        (LinkState::Ok, Green),
        (LinkState::Unknown, Green),
        (LinkState::Restored, Green),
        (LinkState::Lost, Amber),
        (LinkState::RestoredDataLost, Amber),
        (LinkState::SocketPortReset, Amber),
        (LinkState::ServerBroken, Red),
    ] {
        assert_eq!(
            lights::link_light(&link(state), true).light,
            light,
            "{state:?}"
        );
    }
    assert_eq!(lights::link_light(&link(LinkState::Ok), false).light, Grey);
    let idle = view(&state(Lifecycle::Idle), None, None);
    assert_eq!((idle.link.id.as_str(), idle.link.light), ("ib-link", Grey));
}

#[test]
fn farm_lights_ok_green_broken_amber_inactive_grey_each_with_a_word() {
    let farms = [
        farm(FarmKind::MarketData, "usfarm", FarmState::Ok),
        farm(FarmKind::HistoricalData, "ushmds", FarmState::Inactive),
        farm(FarmKind::SecurityDefinition, "secdefnj", FarmState::Broken),
    ];
    let lights: Vec<_> = lights::farm_lights(&farms, true)
        .into_iter()
        .map(|l| (l.id, l.label, l.light, l.word))
        .collect();
    let expected = [
        ("farm-usfarm", "Market data", Green, "OK"),
        ("farm-ushmds", "Historical data", Grey, "Idle"),
        ("farm-secdefnj", "Contract details", Amber, "Down"),
    ];
    assert_eq!(lights.len(), expected.len());
    for (got, (id, label, light, word)) in lights.iter().zip(expected) {
        assert_eq!(
            (got.0.as_str(), got.1.as_str(), got.2, got.3.as_str()),
            (id, label, light, word)
        );
    }
    for none in [
        lights::farm_lights(&farms, false),
        lights::farm_lights(&[], true),
    ] {
        assert_eq!(none.len(), 1);
        assert_eq!((none[0].id.as_str(), none[0].light), ("farm-none", Grey));
    }
}

#[test]
fn the_stale_line_none_one_several_growing() {
    let with = |stale| GatewayPresence { stale, ..up() };
    assert_eq!(lights::stale_view(&with(None)), None, "not read yet");
    assert_eq!(lights::stale_view(&up()), None);
    let one = lights::stale_view(&with(Some(StaleConnections {
        count: 1,
        growing: false,
    })));
    assert_eq!(
        one.map(|s| s.title),
        Some("1 stale connection to IB Gateway".to_string())
    );
    let growing = lights::stale_view(&with(Some(StaleConnections {
        count: 4,
        growing: true,
    })))
    .expect("a line");
    assert_eq!(
        growing.title,
        "4 stale connections to IB Gateway, and the number is growing"
    );
    assert!(growing.detail.contains("Connections screen"));
    assert!(
        !growing.detail.contains("CLOSE_WAIT") && !growing.detail.to_lowercase().contains("socket")
    );
    let s = state(Lifecycle::Idle);
    assert_eq!(
        view(&s, None, None).stale,
        None,
        "nothing known of another port"
    );
    assert_eq!(
        view(
            &s,
            Some(&with(Some(StaleConnections {
                count: 2,
                growing: false
            }))),
            None
        )
        .stale
        .map(|v| v.count),
        Some(2)
    );
}

#[test]
fn the_gateway_help_walks_through_its_api_settings_after_a_refusal_and_explains_its_api_client_light()
 {
    let (up, down) = (up(), down());
    let refused = state(Lifecycle::Failed {
        error: err(ErrorCode::ConnectionRefused, "closed at once"),
    });
    let help = view(&refused, Some(&up), None).help;
    assert!(
        help.steps.iter().any(|s| s.contains("Trusted IPs")),
        "{help:?}"
    );
    assert!(
        help.note
            .as_deref()
            .is_some_and(|n| n.contains("API client"))
    );
    let retry = state(backoff(8000, err(ErrorCode::ProtocolError, "")));
    assert!(
        !view(&retry, Some(&up), None).help.steps.is_empty(),
        "a retry after the same"
    );
    assert_eq!(
        view(&refused, Some(&down), None).help,
        GatewayHelp::default(),
        "nothing listens: not the settings"
    );
    assert_eq!(
        view(&refused, None, None).help,
        GatewayHelp::default(),
        "not known: nothing claimed"
    );
    let too_old = state(Lifecycle::Failed {
        error: err(ErrorCode::GatewayTooOld, ""),
    });
    assert!(
        view(&too_old, Some(&up), None).help.steps.is_empty(),
        "settings do not fix an old Gateway"
    );
    let note_only = |s: &SupervisorState, presence| {
        let help = view(s, presence, None).help;
        help.steps.is_empty() && help.note.is_some()
    };
    assert!(
        note_only(&state(Lifecycle::Idle), Some(&up)),
        "idle beside a running Gateway: its light is red, normal"
    );
    assert_eq!(
        view(&state(Lifecycle::Idle), Some(&down), None).help,
        GatewayHelp::default()
    );
    assert!(note_only(&state(Lifecycle::Unresponsive), Some(&up)));
    assert!(note_only(
        &state(Lifecycle::Latched {
            error: err(ErrorCode::GatewayUnresponsive, "")
        }),
        Some(&up)
    ));
    let mut stuck = connected_worker();
    stuck.session = SessionState::Unresponsive;
    assert!(note_only(&connected_state(stuck), Some(&up)));
    assert_eq!(
        view(&connected_state(connected_worker()), Some(&up), None).help,
        GatewayHelp::default()
    );
    assert_eq!(
        view(
            &state(Lifecycle::Connecting { attempt: 1 }),
            Some(&up),
            None
        )
        .help,
        GatewayHelp::default()
    );
}

/// The situations the UI's tests render, by name: the views this rule gives for them.
fn situations() -> Vec<(&'static str, StatusView)> {
    let (up, down) = (up(), down());
    let with_worker = |lifecycle, worker| {
        let mut s = state(lifecycle);
        s.worker = worker;
        s
    };
    let connected_with = |change: &dyn Fn(&mut WorkerStatus)| {
        let mut w = connected_worker();
        w.farms
            .push(farm(FarmKind::HistoricalData, "ushmds", FarmState::Ok));
        change(&mut w);
        connected_state(w)
    };
    let mut stopped = state(Lifecycle::Idle);
    stopped.stopped_by_user = true;
    let retry = |code, message: &str, retry_in_ms| {
        let mut s = state(backoff(retry_in_ms, err(code, message)));
        s.changed_at_ms = NOW;
        s
    };
    let mut budget = state(backoff(
        45_000,
        err(ErrorCode::ConnectionLost, "Waiting 45 s"),
    ));
    budget.waiting_for_budget = true;
    let failed = |code, message: &str| {
        state(Lifecycle::Failed {
            error: err(code, message),
        })
    };
    let stale = |count, growing| GatewayPresence {
        stale: Some(StaleConnections { count, growing }),
        ..up.clone()
    };
    let unresponsive_worker = {
        let mut w = connected_worker();
        w.session = SessionState::Unresponsive;
        w
    };
    let lost = retry(ErrorCode::ConnectionLost, "closed", 8000);
    vec![
        ("idle", view(&state(Lifecycle::Idle), Some(&up), None)),
        (
            "idle_nothing_listens",
            view(&state(Lifecycle::Idle), Some(&down), None),
        ),
        (
            "idle_stale_one",
            view(&state(Lifecycle::Idle), Some(&stale(1, false)), None),
        ),
        (
            "idle_stale_growing",
            view(&state(Lifecycle::Idle), Some(&stale(3, true)), None),
        ),
        ("stopped", view(&stopped, Some(&up), None)),
        (
            "connecting",
            view(
                &state(Lifecycle::Connecting { attempt: 1 }),
                Some(&up),
                None,
            ),
        ),
        (
            "connecting_again",
            view(
                &state(Lifecycle::Connecting { attempt: 2 }),
                Some(&up),
                None,
            ),
        ),
        ("connected", view(&connected_with(&|_| {}), Some(&up), None)),
        (
            "connected_live",
            view(
                &connected_with(&|w| {
                    w.accounts = vec!["U555".into()];
                    if let Some(t) = w.target.as_mut() {
                        t.port = 4001;
                    }
                }),
                Some(&GatewayPresence {
                    port: 4001,
                    ..up.clone()
                }),
                None,
            ),
        ),
        (
            "heartbeat_late",
            view(
                &connected_with(&|w| w.heartbeat.misses_in_a_row = 1),
                Some(&up),
                None,
            ),
        ),
        (
            "link_lost",
            view(
                &connected_with(&|w| w.link.state = LinkState::Lost),
                Some(&up),
                None,
            ),
        ),
        (
            "farm_down",
            view(
                &connected_with(&|w| {
                    w.farms = vec![
                        farm(FarmKind::MarketData, "usfarm", FarmState::Broken),
                        farm(FarmKind::HistoricalData, "ushmds", FarmState::Inactive),
                    ]
                }),
                Some(&up),
                None,
            ),
        ),
        (
            "unresponsive",
            view(
                &with_worker(Lifecycle::Unresponsive, unresponsive_worker),
                Some(&up),
                None,
            ),
        ),
        (
            "latched",
            view(
                &state(Lifecycle::Latched {
                    error: err(ErrorCode::GatewayUnresponsive, "3 handshakes"),
                }),
                Some(&up),
                None,
            ),
        ),
        ("backoff", view(&lost, Some(&up), None)),
        ("backoff_budget", view(&budget, Some(&up), None)),
        (
            "backoff_not_running",
            view(
                &retry(ErrorCode::ConnectionRefused, "refused", 16_000),
                Some(&down),
                None,
            ),
        ),
        ("reset_window", view(&lost, Some(&up), Some(&window()))),
        (
            "failed",
            view(
                &failed(ErrorCode::GatewayTooOld, "too old"),
                Some(&up),
                None,
            ),
        ),
        (
            "failed_refused",
            view(
                &failed(
                    ErrorCode::ConnectionRefused,
                    "127.0.0.1:4002 closed the connection as soon as Gateway Doctor said hello.",
                ),
                Some(&up),
                None,
            ),
        ),
        (
            "failed_client_id",
            view(
                &failed(ErrorCode::ClientIdInUse, "client id 7431 is in use"),
                Some(&up),
                None,
            ),
        ),
        (
            "failed_not_running",
            view(
                &failed(ErrorCode::ConnectionRefused, "refused"),
                Some(&down),
                None,
            ),
        ),
    ]
}

/// Rust's own words for every situation, and for a failure or a retry after every error code, are plain:
/// no protocol word outside "Details" (the same list the UI's scan uses).
#[test]
fn the_views_words_hold_no_protocol_word() {
    let mut views: Vec<(String, StatusView)> = situations()
        .into_iter()
        .map(|(name, v)| (name.to_string(), v))
        .collect();
    for code in ErrorCode::ALL {
        let error = err(code.clone(), "");
        for presence in [up(), down()] {
            let failed = state(Lifecycle::Failed {
                error: error.clone(),
            });
            views.push((
                format!("failed {code:?}"),
                view(&failed, Some(&presence), None),
            ));
            let retry = state(backoff(8000, error.clone()));
            views.push((
                format!("retry {code:?}"),
                view(&retry, Some(&presence), None),
            ));
        }
    }
    for (name, v) in views {
        let mut texts = vec![v.title, v.detail, v.link.label, v.link.word, v.link.detail];
        texts.extend(v.stale.into_iter().flat_map(|s| [s.title, s.detail]));
        texts.extend(
            v.farms
                .into_iter()
                .flat_map(|f| [f.label, f.word, f.detail]),
        );
        texts.extend(v.help.steps.into_iter().chain(v.help.note));
        for f in v.facts.into_iter().filter(|f| !f.technical) {
            texts.push(f.label);
            if let FactValue::Text { text } = f.value {
                texts.push(text);
            }
        }
        for text in texts {
            let found = gateway_proto::words::jargon_in(&text);
            assert!(found.is_empty(), "{name}: {found:?} in {text:?}");
        }
    }
}

/// Writes the situations' views to ui/src/ipc/gen/status-views.json beside the ts-rs bindings (`make
/// types`), so the UI's tests render what this rule decides, never a copy made by hand. `make types-check`
/// fails when the committed file is stale.
#[test]
fn export_bindings_status_views() {
    let Some(dir) = std::env::var_os("TS_RS_EXPORT_DIR") else {
        return;
    };
    let views: std::collections::BTreeMap<_, _> = situations().into_iter().collect();
    let mut text = serde_json::to_string_pretty(&views).expect("views serialize");
    text.push('\n');
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("create the export folder");
    std::fs::write(dir.join("status-views.json"), text).expect("write status-views.json");
}

#[test]
fn the_facts_name_the_gateway_the_session_and_keep_the_technical_ones_for_details() {
    let mut s = connected_state(connected_worker());
    s.worker
        .farms
        .push(farm(FarmKind::HistoricalData, "ushmds", FarmState::Ok));
    let facts = view(&s, Some(&up()), None).facts;
    let value = |id: &str| facts.iter().find(|f| f.id == id).map(|f| f.value.clone());
    let text = |t: &str| Some(FactValue::Text { text: t.into() });
    assert_eq!(value("fact-gateway"), text("java listens on port 4002"));
    assert_eq!(value("fact-gateway-pid"), text("4242"));
    assert_eq!(value("fact-server-version"), text("176"));
    assert_eq!(
        value("fact-uptime"),
        Some(FactValue::Since {
            at_ms: Some(NOW - 3_723_000)
        })
    );
    assert_eq!(
        value("fact-heartbeat"),
        Some(FactValue::Heartbeat {
            rtt_ms: Some(12.0),
            at_ms: Some(NOW - 1000)
        })
    );
    assert_eq!(value("fact-client-id"), text("1"));
    assert_eq!(value("fact-port"), text("4002"));
    assert_eq!(
        value("fact-farms"),
        text("usfarm ok (2104), ushmds ok (2104)")
    );
    let technical: Vec<_> = facts
        .iter()
        .filter(|f| f.technical)
        .map(|f| f.id.as_str())
        .collect();
    assert_eq!(
        technical,
        ["fact-gateway-pid", "fact-server-version", "fact-farms"]
    );
    let idle = view(&state(Lifecycle::Idle), Some(&down()), None).facts;
    let idle_value = |id: &str| idle.iter().find(|f| f.id == id).map(|f| f.value.clone());
    assert_eq!(
        idle_value("fact-gateway"),
        text("Nothing listens on port 4002")
    );
    assert_eq!(idle_value("fact-gateway-pid"), None);
    assert_eq!(
        idle_value("fact-uptime"),
        Some(FactValue::Since { at_ms: None }),
        "no session, no uptime"
    );
    let unknown = view(&state(Lifecycle::Idle), None, None).facts;
    assert_eq!(
        unknown[0].value,
        FactValue::Text {
            text: "Looking…".into()
        }
    );
    let mut failed = state(Lifecycle::Failed {
        error: ErrorBody {
            detail: Some("server version 187".into()),
            ..err(ErrorCode::GatewayTooOld, "too old")
        },
    });
    failed.worker.target = None;
    let error = view(&failed, Some(&up()), None).facts;
    let last = error
        .iter()
        .find(|f| f.id == "fact-error-code")
        .expect("the error's code");
    assert!(last.technical);
    assert_eq!(
        last.value,
        FactValue::Text {
            text: "GATEWAY_TOO_OLD: server version 187".into()
        }
    );
}
