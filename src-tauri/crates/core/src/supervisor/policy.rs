//! The reconnect discipline: what the supervisor does after each way a connect or a session can end, and
//! when the backoff may start again from its first step.
//!
//! [`reaction`] is the one table from error kind to reaction; every kind is bounded: it retries a few
//! times, latches, stops, or waits for something it can see. [`Discipline`] keeps the counters behind
//! it: the backoff step (reset only once a session has stayed up for the stable period, so a Gateway that
//! drops each session soon after it starts keeps the waits growing), the short sessions in a row (that
//! many latch like the guardrail, [`DROPS_TO_LATCH`]), the retries of a kind in a row, and the
//! [`ConnectBudget`] every connect goes through, whoever asked for it.

use std::time::Duration;

use gateway_proto::ErrorCode;
use tokio::time::Instant;

use super::backoff::{Backoff, Jitter};
use super::budget::{ConnectBudget, Limits};

/// Sessions in a row that ended inside the stable period before the supervisor stops trying: four
/// quick drops are not bad luck, and four connects stay well inside the connect budget.
pub const DROPS_TO_LATCH: u32 = 4;
/// Failures in a row of a kind that retries a few times ([`Reaction::RetryAFewTimes`]) before the
/// supervisor stops and says what to check.
pub const FEW_RETRIES: u32 = 3;

/// What to do after a connect failed with an error of some kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// The worker already has a session: nothing failed.
    AlreadyConnected,
    /// Try again after a growing, jittered wait (the Gateway is not up yet).
    Retry,
    /// The Gateway closed the connection on us: a dropped session for the drops latch, then a retry.
    Dropped,
    /// Try again at most [`FEW_RETRIES`] times in a row, then stop: retrying rarely fixes these.
    RetryAFewTimes,
    /// Count toward the handshake guardrail (max_timeouts in a row latch).
    Guardrail,
    /// Latch at once: the API layer is known dead.
    Latch,
    /// Stop: only the user can fix it (settings, a Gateway upgrade, a reinstall).
    Stop,
    /// Stop retrying at once; try once more by itself when the program holding the client id leaves.
    WaitForClientId,
}

/// The bounded policy of every error kind.
pub fn reaction(code: &ErrorCode) -> Reaction {
    match code {
        ErrorCode::AlreadyConnected => Reaction::AlreadyConnected,
        ErrorCode::ConnectionRefused => Reaction::Retry,
        ErrorCode::ConnectionLost => Reaction::Dropped,
        ErrorCode::ProtocolError
        | ErrorCode::HeartbeatTimeout
        | ErrorCode::NotConnected
        | ErrorCode::Internal
        | ErrorCode::RequestTimeout
        | ErrorCode::WorkerUnresponsive => Reaction::RetryAFewTimes,
        ErrorCode::HandshakeTimeout => Reaction::Guardrail,
        ErrorCode::GatewayUnresponsive | ErrorCode::GatewayDropsSessions => Reaction::Latch,
        ErrorCode::GatewayTooOld
        | ErrorCode::BadRequest
        | ErrorCode::ForceDisconnectRequired
        | ErrorCode::WorkerMissing
        | ErrorCode::WorkerSpawnFailed
        | ErrorCode::SupervisorStopped => Reaction::Stop,
        // A failure this build cannot read is not retried on a guess: it stops and says what it was.
        ErrorCode::Unknown(_) => Reaction::Stop,
        ErrorCode::ClientIdInUse => Reaction::WaitForClientId,
    }
}

/// How a session that was up ended, as far as the backoff is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// It stayed up past the stable period: the backoff starts again from its first step.
    AfterStable,
    /// It ended inside the stable period: a failure, the step keeps growing. `in_a_row` such ends so far.
    Short { in_a_row: u32 },
    /// The [`DROPS_TO_LATCH`]-th short session in a row: stop and latch.
    TooManyShort { in_a_row: u32 },
}

/// The counters behind the reconnect decisions; the clock is passed in, so tests run it by hand.
#[derive(Debug, Clone)]
pub struct Discipline {
    backoff: Backoff,
    stable_after: Duration,
    jitter: Jitter,
    budget: ConnectBudget,
    /// The next backoff step (0 = the first delay).
    step: u32,
    short_sessions_in_a_row: u32,
    /// The last kind that retries a few times, and how often in a row.
    few_retries: Option<(ErrorCode, u32)>,
    /// When the current session came up.
    up_since: Option<Instant>,
}

impl Discipline {
    pub fn new(
        backoff: Backoff,
        stable_after: Duration,
        jitter: Jitter,
        budget: Limits,
    ) -> Discipline {
        Discipline {
            backoff,
            stable_after,
            jitter,
            budget: ConnectBudget::new(budget),
            step: 0,
            short_sessions_in_a_row: 0,
            few_retries: None,
            up_since: None,
        }
    }

    pub fn set_stable_after(&mut self, stable_after: Duration) {
        self.stable_after = stable_after;
    }

    /// The attempt number the next scheduled retry will carry (1-based).
    pub fn step(&self) -> u32 {
        self.step
    }

    pub fn short_sessions_in_a_row(&self) -> u32 {
        self.short_sessions_in_a_row
    }

    /// A fresh start the user asked for (Connect from idle, the guardrail reset, new settings): the step and
    /// the counters start over. The connect budget does not: it holds whoever asks.
    pub fn restart_counting(&mut self) {
        self.step = 0;
        self.short_sessions_in_a_row = 0;
        self.few_retries = None;
        self.up_since = None;
    }

    /// How long a connect asked for at `now` must wait for the budget (zero: send it now).
    pub fn budget_wait(&self, now: Instant) -> Duration {
        self.budget.wait(now)
    }

    /// A connect was sent at `now`.
    pub fn connect_sent(&mut self, now: Instant) {
        self.budget.record(now);
    }

    /// A session came up at `now`. The backoff step is kept: only a stable session earns a reset.
    pub fn connected(&mut self, now: Instant) {
        self.up_since = Some(now);
        self.few_retries = None;
    }

    /// True once the current session has stayed up for the stable period; resets the step and the short
    /// sessions then (so the UI shows the fresh start while the session runs).
    pub fn settle(&mut self, now: Instant) -> bool {
        let stable = self
            .up_since
            .is_some_and(|since| now.saturating_duration_since(since) >= self.stable_after);
        if stable && (self.step > 0 || self.short_sessions_in_a_row > 0) {
            self.step = 0;
            self.short_sessions_in_a_row = 0;
            return true;
        }
        false
    }

    /// The session that came up ended at `now`. `gateway_dropped` is false when the end was ours (the
    /// worker died): that still keeps the step growing but is not the Gateway dropping sessions.
    pub fn session_ended(&mut self, now: Instant, gateway_dropped: bool) -> SessionEnd {
        let Some(since) = self.up_since.take() else {
            return SessionEnd::Short {
                in_a_row: self.short_sessions_in_a_row,
            };
        };
        if now.saturating_duration_since(since) >= self.stable_after {
            self.step = 0;
            self.short_sessions_in_a_row = 0;
            return SessionEnd::AfterStable;
        }
        if !gateway_dropped {
            return SessionEnd::Short {
                in_a_row: self.short_sessions_in_a_row,
            };
        }
        self.short_session()
    }

    /// The Gateway closed a connect before it became a session: as short as a session can be.
    pub fn dropped_at_connect(&mut self) -> SessionEnd {
        self.up_since = None;
        self.short_session()
    }

    fn short_session(&mut self) -> SessionEnd {
        self.short_sessions_in_a_row += 1;
        let in_a_row = self.short_sessions_in_a_row;
        if in_a_row >= DROPS_TO_LATCH {
            SessionEnd::TooManyShort { in_a_row }
        } else {
            SessionEnd::Short { in_a_row }
        }
    }

    /// A failure of a kind that retries a few times; false once it has had its [`FEW_RETRIES`].
    pub fn may_retry_again(&mut self, code: &ErrorCode) -> bool {
        let count = match &self.few_retries {
            Some((last, n)) if last == code => n + 1,
            _ => 1,
        };
        self.few_retries = Some((code.clone(), count));
        count < FEW_RETRIES
    }

    /// The wait before the next retry from `now`: the jittered backoff step, lengthened if the connect
    /// budget would not allow a connect then. Moves to the next step.
    pub fn next_retry(&mut self, now: Instant) -> Duration {
        let delay = self.backoff.jittered(self.step, &mut self.jitter);
        self.step = self.step.saturating_add(1);
        delay + self.budget.wait(now + delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervisor::budget::LIMITS;

    fn discipline(seed: u64) -> Discipline {
        Discipline::new(
            Backoff::default(),
            Duration::from_secs(60),
            Jitter::new(seed),
            LIMITS,
        )
    }

    /// Most connects in any `window` among `sent` (sorted).
    fn most_in_any(sent: &[Duration], window: Duration) -> usize {
        (0..sent.len())
            .map(|i| {
                sent[i..]
                    .iter()
                    .take_while(|t| **t < sent[i] + window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn every_error_kind_has_a_bounded_reaction() {
        for code in ErrorCode::ALL {
            let bounded = match reaction(&code) {
                // Retry is bounded by the growing wait, the drops latch and the budget.
                Reaction::Retry => code == ErrorCode::ConnectionRefused,
                _ => true,
            };
            assert!(bounded, "{code:?} retries without a bound");
        }
        assert_eq!(
            reaction(&ErrorCode::ClientIdInUse),
            Reaction::WaitForClientId
        );
        assert_eq!(reaction(&ErrorCode::HandshakeTimeout), Reaction::Guardrail);
        assert_eq!(reaction(&ErrorCode::GatewayDropsSessions), Reaction::Latch);
        assert_eq!(
            reaction(&ErrorCode::ProtocolError),
            Reaction::RetryAFewTimes
        );
        assert_eq!(reaction(&ErrorCode::Internal), Reaction::RetryAFewTimes);
        // A code this build cannot read is never retried on a guess.
        let unknown = ErrorCode::Unknown(gateway_proto::UnknownCode("NEW_CODE".into()));
        assert_eq!(reaction(&unknown), Reaction::Stop);
    }

    #[test]
    fn a_kind_that_retries_a_few_times_stops_after_three_in_a_row() {
        let mut d = discipline(1);
        let tries: Vec<bool> = (0..4)
            .map(|_| d.may_retry_again(&ErrorCode::ProtocolError))
            .collect();
        assert_eq!(tries, [true, true, false, false]);
        d.connected(Instant::now());
        assert!(
            d.may_retry_again(&ErrorCode::ProtocolError),
            "a session starts the count over"
        );
    }

    #[test]
    fn only_a_session_that_stayed_up_for_the_stable_period_resets_the_step() {
        let t0 = Instant::now();
        let mut d = discipline(2);
        for _ in 0..3 {
            d.next_retry(t0);
        }
        assert_eq!(d.step(), 3);
        d.connected(t0);
        assert_eq!(
            d.session_ended(t0 + Duration::from_secs(59), true),
            SessionEnd::Short { in_a_row: 1 }
        );
        assert_eq!(d.step(), 3, "a short session is a failure: the step stays");
        d.next_retry(t0);
        d.connected(t0);
        assert_eq!(
            d.session_ended(t0 + Duration::from_secs(60), true),
            SessionEnd::AfterStable
        );
        assert_eq!((d.step(), d.short_sessions_in_a_row()), (0, 0));
    }

    #[test]
    fn settle_resets_while_the_session_still_runs() {
        let t0 = Instant::now();
        let mut d = discipline(3);
        d.next_retry(t0);
        d.connected(t0);
        assert!(!d.settle(t0 + Duration::from_secs(30)));
        assert!(d.settle(t0 + Duration::from_secs(61)));
        assert_eq!(d.step(), 0);
    }

    #[test]
    fn the_fourth_short_session_in_a_row_latches_and_a_worker_crash_is_not_counted_as_a_drop() {
        let t0 = Instant::now();
        let mut d = discipline(4);
        d.connected(t0);
        assert_eq!(
            d.session_ended(t0, false),
            SessionEnd::Short { in_a_row: 0 }
        );
        let ends: Vec<SessionEnd> = (0..DROPS_TO_LATCH)
            .map(|_| {
                d.connected(t0);
                d.session_ended(t0 + Duration::from_millis(300), true)
            })
            .collect();
        assert_eq!(ends[2], SessionEnd::Short { in_a_row: 3 });
        assert_eq!(ends[3], SessionEnd::TooManyShort { in_a_row: 4 });
    }

    /// Plays a Gateway that drops every session 300 ms after it starts, on a fake clock, with the user
    /// clicking Connect again the moment anything stops (the worst case: no backoff at all on that path);
    /// only the budget stands between that and a connect loop.
    fn play_drop_after_300ms(seed: u64, user_reconnects: bool) -> Vec<Duration> {
        let t0 = Instant::now();
        let mut d = discipline(seed);
        let handshake = Duration::from_millis(5);
        let mut now = t0;
        let mut sent = Vec::new();
        while now < t0 + Duration::from_secs(300) {
            // The budget may hold the attempt back.
            now += d.budget_wait(now);
            d.connect_sent(now);
            sent.push(now - t0);
            now += handshake;
            d.connected(now);
            now += Duration::from_millis(300);
            match d.session_ended(now, true) {
                SessionEnd::TooManyShort { .. } if user_reconnects => d.restart_counting(),
                SessionEnd::TooManyShort { .. } => break,
                _ => now += d.next_retry(now),
            }
        }
        sent
    }

    #[test]
    fn against_a_gateway_that_drops_every_session_the_budget_holds_over_five_minutes() {
        for seed in 0..50 {
            for user_reconnects in [false, true] {
                let sent = play_drop_after_300ms(seed, user_reconnects);
                let in_20s = most_in_any(&sent, Duration::from_secs(20));
                let in_300s = most_in_any(&sent, Duration::from_secs(300));
                assert!(
                    in_20s <= LIMITS[0].1,
                    "seed {seed}: {in_20s} in 20 s: {sent:?}"
                );
                assert!(
                    in_300s <= LIMITS[1].1,
                    "seed {seed}: {in_300s} in 300 s: {sent:?}"
                );
                if !user_reconnects {
                    assert_eq!(sent.len(), DROPS_TO_LATCH as usize, "latched: {sent:?}");
                } else {
                    assert_eq!(in_300s, LIMITS[1].1, "the budget, not luck, was the bound");
                }
            }
        }
    }
}
