//! Every lifecycle phase as a row: its light, reason, one button and title.

use super::*;

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
