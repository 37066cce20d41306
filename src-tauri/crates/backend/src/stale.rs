//! Stale connections to the Gateway port: CLOSE_WAIT sockets that local programs still hold after the
//! Gateway closed its end (the "zombies" the Connections screen lists and cleans). The presence poll
//! (presence.rs) counts them every tick from the socket table; [`StaleTrend`] says whether the count is
//! growing, and [`StaleAlerter`] when a rise is worth a desktop notification. Pure, with the clock passed
//! in, so the rules are unit-tested without sockets.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How far back "growing" looks: the count is growing while it is above its lowest in this window.
pub const GROWTH_WINDOW: Duration = Duration::from_secs(10 * 60);
/// The least time between two notifications about stale connections.
pub const NOTIFY_GAP: Duration = Duration::from_secs(15 * 60);

/// The count as it changed over the last [`GROWTH_WINDOW`].
#[derive(Debug, Default)]
pub struct StaleTrend {
    /// (when the count became this, the count), oldest first; only changes are kept.
    changes: VecDeque<(Instant, u32)>,
}

impl StaleTrend {
    /// Notes the count seen at `now`; true when it is growing: higher than at some moment of the last
    /// [`GROWTH_WINDOW`]. A count that stays put for the whole window, or falls, is not growing.
    pub fn note(&mut self, now: Instant, count: u32) -> bool {
        if self.changes.back().is_none_or(|&(_, last)| last != count) {
            self.changes.push_back((now, count));
        }
        // Forget a change once the next one is older than the window too: the count it set no longer
        // held at any moment inside the window.
        let start = now.checked_sub(GROWTH_WINDOW);
        while let (Some(start), Some(&(next_at, _))) = (start, self.changes.get(1))
            && next_at <= start
        {
            self.changes.pop_front();
        }
        let lowest = self.changes.iter().map(|&(_, c)| c).min().unwrap_or(count);
        count > lowest
    }

    /// Another port is watched: its history says nothing about this one.
    pub fn clear(&mut self) {
        self.changes.clear();
    }
}

/// Decides when stale connections are worth a desktop notification: when the count rises above what was
/// last announced, at most once per [`NOTIFY_GAP`]. The first count seen is the baseline (Status shows
/// it): the app starting is not news. A fall (a clean-up) lowers what counts as announced, so a new
/// build-up is announced again.
#[derive(Debug, Default)]
pub struct StaleAlerter {
    /// The count last announced (or the baseline); None until the first count.
    announced: Option<u32>,
    last_at: Option<Instant>,
}

impl StaleAlerter {
    /// The count to announce now, if any.
    pub fn on_count(&mut self, now: Instant, count: u32) -> Option<u32> {
        let Some(announced) = self.announced else {
            self.announced = Some(count);
            return None;
        };
        if count < announced {
            self.announced = Some(count);
            return None;
        }
        let quiet = self
            .last_at
            .is_some_and(|at| now.saturating_duration_since(at) < NOTIFY_GAP);
        if count > announced && !quiet {
            self.announced = Some(count);
            self.last_at = Some(now);
            return Some(count);
        }
        None
    }
}

/// The notification's title and body for `count` stale connections.
pub fn notification(count: u32) -> (&'static str, String) {
    let what = if count == 1 {
        "1 stale connection to IB Gateway is".to_string()
    } else {
        format!("{count} stale connections to IB Gateway are")
    };
    (
        "Stale connections to IB Gateway are building up",
        format!(
            "{what} held by programs on this computer. Open Gateway Doctor: Status has a button to the \
             Connections screen, where they can be cleaned up."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn a_rise_is_growing_until_it_has_held_for_the_whole_window() {
        let t0 = Instant::now();
        let mut trend = StaleTrend::default();
        assert!(!trend.note(t0, 0), "nothing");
        assert!(!trend.note(t0 + secs(1), 0));
        assert!(trend.note(t0 + secs(2), 1), "0 -> 1");
        assert!(trend.note(t0 + secs(60), 2), "1 -> 2");
        assert!(
            trend.note(t0 + secs(2) + GROWTH_WINDOW - secs(1), 2),
            "the 0 is still inside the window"
        );
        assert!(
            trend.note(t0 + secs(3) + GROWTH_WINDOW, 2),
            "the 1 is still inside the window"
        );
        assert!(
            !trend.note(t0 + secs(61) + GROWTH_WINDOW, 2),
            "2 for the whole window: steady, not growing"
        );
    }

    #[test]
    fn a_fall_is_not_growing_and_a_new_rise_after_it_is() {
        let t0 = Instant::now();
        let mut trend = StaleTrend::default();
        assert!(
            !trend.note(t0, 3),
            "the first count has nothing to compare with"
        );
        assert!(!trend.note(t0 + secs(5), 1), "cleaned up");
        assert!(trend.note(t0 + secs(10), 2), "1 -> 2 after the clean-up");
        trend.clear();
        assert!(!trend.note(t0 + secs(11), 2), "another port: no history");
    }

    #[test]
    fn the_first_count_is_the_baseline_and_each_rise_is_announced_at_most_once_per_gap() {
        let t0 = Instant::now();
        let mut alerter = StaleAlerter::default();
        assert_eq!(alerter.on_count(t0, 2), None, "already there at start");
        assert_eq!(alerter.on_count(t0 + secs(1), 2), None, "steady");
        assert_eq!(alerter.on_count(t0 + secs(2), 3), Some(3), "a rise");
        assert_eq!(alerter.on_count(t0 + secs(3), 3), None, "said once");
        assert_eq!(
            alerter.on_count(t0 + secs(4), 5),
            None,
            "another rise inside the gap stays quiet"
        );
        assert_eq!(
            alerter.on_count(t0 + secs(2) + NOTIFY_GAP, 5),
            Some(5),
            "said once the gap is over, if still higher"
        );
        assert_eq!(
            alerter.on_count(t0 + secs(5) + NOTIFY_GAP, 0),
            None,
            "cleaned up"
        );
        assert_eq!(
            alerter.on_count(t0 + secs(6) + NOTIFY_GAP, 1),
            None,
            "a new build-up inside the gap stays quiet"
        );
        assert_eq!(
            alerter.on_count(t0 + secs(3) + NOTIFY_GAP * 2, 1),
            Some(1),
            "and is said after it"
        );
    }

    #[test]
    fn the_notification_counts_in_words() {
        assert!(
            notification(1)
                .1
                .starts_with("1 stale connection to IB Gateway is held")
        );
        assert!(
            notification(4)
                .1
                .starts_with("4 stale connections to IB Gateway are held")
        );
    }
}
