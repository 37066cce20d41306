//! The status light, decided in one place for the tray icon: green when connected and no heartbeat missed;
//! amber while connecting or backing off, inside an IBKR reset window, or with a data farm or IB's link down;
//! red when the API is unresponsive, the guardrail is latched, something failed, or the Gateway is not
//! running while a session is wanted; grey when not connected by choice ("Stopped" once the user stopped it).

use gateway_core::supervisor::{Lifecycle, SupervisorState};
use gateway_proto::{FarmState, LinkState};

use crate::dto::GatewayPresence;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    Green,
    Amber,
    Red,
    Grey,
}

impl Light {
    /// The icon colour, RGB.
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Light::Green => [0x2e, 0xa0, 0x43],
            Light::Amber => [0xe0, 0x9b, 0x12],
            Light::Red => [0xd1, 0x24, 0x2f],
            Light::Grey => [0x8c, 0x95, 0x9f],
        }
    }
}

/// The light and a few words for the tray's tooltip. Inside an IBKR reset window a problem the reset can
/// cause (connecting, waiting to reconnect, a late or unreachable session) is amber, "waiting"; a healthy
/// session stays green and a latched guardrail red: the window explains trouble, it never hides a session
/// that works or a stop that needs the trader.
pub fn light(
    state: &SupervisorState,
    presence: &GatewayPresence,
    in_reset_window: bool,
) -> (Light, &'static str) {
    let outside = outside_a_window(state, presence);
    let explained = !matches!(
        state.lifecycle,
        Lifecycle::Idle | Lifecycle::Failed { .. } | Lifecycle::Latched { .. }
    ) && outside.0 != Light::Green;
    if in_reset_window && explained {
        (Light::Amber, "IBKR reset window: waiting")
    } else {
        outside
    }
}

fn outside_a_window(state: &SupervisorState, presence: &GatewayPresence) -> (Light, &'static str) {
    let worker = &state.worker;
    match &state.lifecycle {
        Lifecycle::Idle if state.stopped_by_user => (Light::Grey, "Stopped"),
        Lifecycle::Idle => (Light::Grey, "Not connected"),
        Lifecycle::Failed { .. } => (Light::Red, "Needs your attention"),
        Lifecycle::Unresponsive => (Light::Red, "Gateway API layer is unresponsive"),
        Lifecycle::Latched { .. } => (Light::Red, "Gateway API layer is unresponsive"),
        Lifecycle::Backoff { .. } if !presence.listening => {
            (Light::Red, "IB Gateway is not running")
        }
        Lifecycle::Backoff { .. } => (Light::Amber, "Reconnecting"),
        Lifecycle::Connecting { .. } => (Light::Amber, "Connecting"),
        Lifecycle::Connected => {
            let farm_down = worker.farms.iter().any(|f| f.state == FarmState::Broken);
            let link_down = matches!(
                worker.link.state,
                LinkState::Lost | LinkState::ServerBroken | LinkState::SocketPortReset
            );
            // The worker reports each missed heartbeat (and turns unresponsive after two); the round trip's
            // time itself is not in the state events.
            let late = worker.heartbeat.misses_in_a_row > 0;
            if link_down {
                (Light::Amber, "Connected, but IB's servers are unreachable")
            } else if farm_down {
                (Light::Amber, "Connected, a data farm is down")
            } else if late {
                (Light::Amber, "Connected, heartbeat late")
            } else {
                (Light::Green, "Connected")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use gateway_core::supervisor::Offered;
    use gateway_proto::{ErrorBody, ErrorCode, FarmKind, FarmStatus, WorkerStatus};

    use super::*;

    fn state(lifecycle: Lifecycle) -> SupervisorState {
        SupervisorState {
            lifecycle,
            worker: WorkerStatus::default(),
            worker_pid: None,
            worker_starts: 0,
            workers_replaced: 0,
            connect_attempts: 0,
            timeouts_in_a_row: 0,
            max_timeouts: 3,
            gateway_restarts_seen: 0,
            short_sessions_in_a_row: 0,
            client_id_wait: None,
            waiting_for_budget: false,
            stopped_by_user: false,
            offered: Offered::default(),
            changed_at_ms: 0,
        }
    }

    fn error() -> ErrorBody {
        ErrorBody::new(ErrorCode::HandshakeTimeout, "no answer")
    }

    fn listening() -> GatewayPresence {
        GatewayPresence {
            listening: true,
            ..GatewayPresence::default()
        }
    }

    fn backoff() -> Lifecycle {
        Lifecycle::Backoff {
            attempt: 1,
            retry_in_ms: 250,
            error: error(),
        }
    }

    #[test]
    fn each_phase_has_its_colour() {
        let (up, down) = (listening(), GatewayPresence::default());
        let backoff = backoff();
        let cases = [
            (Lifecycle::Idle, &up, Light::Grey),
            (Lifecycle::Connecting { attempt: 1 }, &up, Light::Amber),
            (backoff.clone(), &up, Light::Amber),
            (backoff, &down, Light::Red),
            (Lifecycle::Unresponsive, &up, Light::Red),
            (Lifecycle::Latched { error: error() }, &up, Light::Red),
            (Lifecycle::Failed { error: error() }, &up, Light::Red),
        ];
        for (lifecycle, presence, expected) in cases {
            let s = state(lifecycle.clone());
            assert_eq!(light(&s, presence, false).0, expected, "{lifecycle:?}");
        }
    }

    #[test]
    fn a_stopped_session_is_grey_and_says_stopped() {
        let mut s = state(Lifecycle::Idle);
        assert_eq!(
            light(&s, &GatewayPresence::default(), false),
            (Light::Grey, "Not connected")
        );
        s.stopped_by_user = true;
        assert_eq!(
            light(&s, &GatewayPresence::default(), false),
            (Light::Grey, "Stopped")
        );
    }

    #[test]
    fn connected_is_green_only_with_no_missed_heartbeat_and_everything_up() {
        let up = listening();
        let mut s = state(Lifecycle::Connected);
        assert_eq!(light(&s, &up, false).0, Light::Green);
        s.worker.heartbeat.misses_in_a_row = 1;
        assert_eq!(light(&s, &up, false).0, Light::Amber, "late");
        s.worker.heartbeat.misses_in_a_row = 0;
        s.worker.farms.push(FarmStatus {
            kind: FarmKind::MarketData,
            name: "usfarm".into(),
            state: FarmState::Broken,
            code: 2103,
            at_ms: 0,
        });
        assert_eq!(light(&s, &up, false).0, Light::Amber, "farm down");
    }

    #[test]
    fn a_reset_window_turns_trouble_amber_but_never_hides_a_healthy_session_or_a_stop() {
        let (up, down) = (listening(), GatewayPresence::default());
        let backoff = backoff();
        let mut late = state(Lifecycle::Connected);
        late.worker.heartbeat.misses_in_a_row = 1;
        let amber = [
            (state(backoff), &down),
            (state(Lifecycle::Connecting { attempt: 1 }), &up),
            (state(Lifecycle::Unresponsive), &up),
            (late, &up),
        ];
        for (s, presence) in amber {
            assert_eq!(
                light(&s, presence, true),
                (Light::Amber, "IBKR reset window: waiting"),
                "{:?}",
                s.lifecycle
            );
        }
        let unchanged = [
            (Lifecycle::Connected, Light::Green),
            (Lifecycle::Latched { error: error() }, Light::Red),
            (Lifecycle::Failed { error: error() }, Light::Red),
            (Lifecycle::Idle, Light::Grey),
        ];
        for (lifecycle, expected) in unchanged {
            let s = state(lifecycle.clone());
            assert_eq!(light(&s, &up, true).0, expected, "{lifecycle:?}");
        }
    }
}
