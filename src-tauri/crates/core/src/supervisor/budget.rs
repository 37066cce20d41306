//! The connect budget: a hard backstop under every other rule. Whatever asks for a connect (a retry, the
//! user's Connect or Reconnect, the one attempt after a Gateway restart, the try after a client id is
//! freed), the supervisor sends at most [`LIMITS`] connects in any window of that length. An attempt that
//! would exceed it waits until the oldest connect in the full window has aged out. Why connects must be
//! rationed at all: docs/FACTS.md, "What harms a Gateway".

use std::ops::Add;
use std::time::Duration;

use tokio::time::Instant;

/// (window, most connects in any such window).
pub type Limits = [(Duration, usize); 2];

/// The app's budget: 6 in 20 s, 12 in 5 minutes. A quick connect-then-close loop is what kills a
/// Gateway's API layer; these keep even a misbehaving Gateway far from that. Only tests that compress
/// every other timing too (the soak) pass smaller windows through `SupervisorOptions::connect_budget`.
pub const LIMITS: Limits = [(Duration::from_secs(20), 6), (Duration::from_secs(300), 12)];

/// When the recent connects were sent.
#[derive(Debug, Clone)]
pub struct ConnectBudget {
    limits: Limits,
    sent: Vec<Instant>,
}

impl Default for ConnectBudget {
    fn default() -> Self {
        ConnectBudget::new(LIMITS)
    }
}

impl ConnectBudget {
    pub fn new(limits: Limits) -> ConnectBudget {
        ConnectBudget {
            limits,
            sent: Vec::new(),
        }
    }

    /// How long to wait from `now` before a connect fits every window (zero when it fits now).
    pub fn wait(&self, now: Instant) -> Duration {
        wait_for(&self.limits, &self.sent, now, |t| {
            t.saturating_duration_since(now)
        })
    }

    /// Notes a connect sent at `now`; forgets those older than the longest window.
    pub fn record(&mut self, now: Instant) {
        self.sent.push(now);
        let longest = longest(&self.limits);
        self.sent.retain(|t| now < *t + longest);
    }
}

/// The longest window of `limits`: connects older than that count for nothing.
pub(crate) fn longest(limits: &Limits) -> Duration {
    limits.iter().map(|(w, _)| *w).max().unwrap_or_default()
}

/// How long to wait from `now` before one more connect fits every window of `limits`, given the connects
/// `sent` (oldest first); `until(t)` is the time from `now` to `t`, zero when `t` has passed. The one rule
/// for the in-memory budget (`Instant`s) and the shared record on disk (wall-clock times).
pub(crate) fn wait_for<T>(
    limits: &Limits,
    sent: &[T],
    now: T,
    until: impl Fn(T) -> Duration,
) -> Duration
where
    T: Copy + PartialOrd + Add<Duration, Output = T>,
{
    limits
        .iter()
        .filter_map(|&(window, limit)| {
            let in_window = sent.iter().filter(|t| now < **t + window).count();
            if in_window < limit {
                return None;
            }
            // The connect that must leave the window first: the limit-th newest.
            let oldest_kept = sent.get(sent.len().checked_sub(limit)?)?;
            Some(until(*oldest_kept + window))
        })
        .max()
        .unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seventh_connect_in_20_s_waits_for_the_first_to_age_out() {
        let start = Instant::now();
        let mut budget = ConnectBudget::default();
        for i in 0..6 {
            let at = start + Duration::from_secs(i);
            assert_eq!(budget.wait(at), Duration::ZERO, "connect {i}");
            budget.record(at);
        }
        let at = start + Duration::from_secs(6);
        assert_eq!(budget.wait(at), Duration::from_secs(14));
        assert_eq!(budget.wait(start + Duration::from_secs(20)), Duration::ZERO);
    }

    #[test]
    fn the_thirteenth_connect_in_5_minutes_waits_for_the_first_to_age_out() {
        let start = Instant::now();
        let mut budget = ConnectBudget::default();
        for i in 0..12 {
            let at = start + Duration::from_secs(21 * i);
            assert_eq!(budget.wait(at), Duration::ZERO, "connect {i}");
            budget.record(at);
        }
        let at = start + Duration::from_secs(21 * 12);
        assert_eq!(budget.wait(at), Duration::from_secs(300 - 21 * 12));
    }
}
