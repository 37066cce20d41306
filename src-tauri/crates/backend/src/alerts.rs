//! Desktop notifications for the moments a trader must know about even with the window hidden: the session
//! was lost, it is back, or the Gateway's API layer stopped answering. [`Alerter`] decides from the
//! supervisor's lifecycle changes alone (pure, unit-tested); the caller stays quiet inside IBKR's reset
//! windows, when a lost session is expected and the right advice is to wait.

use gateway_core::supervisor::Lifecycle;
use gateway_proto::words::RESTART_BY_HAND;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    Lost,
    Restored,
    Unresponsive,
}

impl Alert {
    pub fn title(self) -> &'static str {
        match self {
            Alert::Lost => "Gateway connection lost",
            Alert::Restored => "Gateway connection restored",
            Alert::Unresponsive => "Gateway API layer is unresponsive",
        }
    }

    pub fn body(self) -> &'static str {
        match self {
            Alert::Lost => {
                "Gateway Doctor is reconnecting. Open it to see why the connection dropped."
            }
            Alert::Restored => "The connection to IB Gateway is working again.",
            Alert::Unresponsive => RESTART_BY_HAND,
        }
    }
}

/// Remembers whether a loss was announced, so "restored" follows only a "lost" or "unresponsive".
#[derive(Debug, Default)]
pub struct Alerter {
    announced_trouble: bool,
}

impl Alerter {
    /// The alert for a change from `prev` to `next`, if any.
    pub fn on_change(&mut self, prev: &Lifecycle, next: &Lifecycle) -> Option<Alert> {
        let alert = match (prev, next) {
            (a, b) if std::mem::discriminant(a) == std::mem::discriminant(b) => None,
            (_, Lifecycle::Unresponsive | Lifecycle::Latched { .. }) => Some(Alert::Unresponsive),
            (Lifecycle::Connected, Lifecycle::Backoff { .. }) => Some(Alert::Lost),
            (_, Lifecycle::Connected) if self.announced_trouble => Some(Alert::Restored),
            (_, Lifecycle::Idle) => {
                // The user stopped it, or the settings changed: nothing to announce later.
                self.announced_trouble = false;
                None
            }
            _ => None,
        };
        match alert {
            Some(Alert::Lost | Alert::Unresponsive) => self.announced_trouble = true,
            Some(Alert::Restored) => self.announced_trouble = false,
            None => {}
        }
        alert
    }
}

#[cfg(test)]
mod tests {
    use gateway_proto::{ErrorBody, ErrorCode};

    use super::*;

    fn backoff() -> Lifecycle {
        Lifecycle::Backoff {
            attempt: 1,
            retry_in_ms: 250,
            error: ErrorBody::new(ErrorCode::ConnectionLost, "closed"),
        }
    }

    #[test]
    fn lost_then_restored_and_nothing_for_a_first_connect_or_a_stop() {
        let mut a = Alerter::default();
        let connecting = Lifecycle::Connecting { attempt: 1 };
        assert_eq!(a.on_change(&Lifecycle::Idle, &connecting), None);
        assert_eq!(
            a.on_change(&connecting, &Lifecycle::Connected),
            None,
            "a first connect is quiet"
        );
        assert_eq!(
            a.on_change(&Lifecycle::Connected, &backoff()),
            Some(Alert::Lost)
        );
        assert_eq!(a.on_change(&backoff(), &backoff()), None);
        assert_eq!(a.on_change(&backoff(), &connecting), None);
        assert_eq!(
            a.on_change(&connecting, &Lifecycle::Connected),
            Some(Alert::Restored)
        );
        assert_eq!(
            a.on_change(&Lifecycle::Connected, &Lifecycle::Idle),
            None,
            "stopped by the user"
        );
    }

    #[test]
    fn unresponsive_and_the_guardrail_are_announced() {
        let mut a = Alerter::default();
        assert_eq!(
            a.on_change(&Lifecycle::Connected, &Lifecycle::Unresponsive),
            Some(Alert::Unresponsive)
        );
        let latched = Lifecycle::Latched {
            error: ErrorBody::new(ErrorCode::GatewayUnresponsive, "x"),
        };
        assert_eq!(a.on_change(&backoff(), &latched), Some(Alert::Unresponsive));
        assert_eq!(
            a.on_change(&latched, &Lifecycle::Connecting { attempt: 1 }),
            None
        );
        assert_eq!(
            a.on_change(&Lifecycle::Connecting { attempt: 1 }, &Lifecycle::Connected),
            Some(Alert::Restored)
        );
    }
}
