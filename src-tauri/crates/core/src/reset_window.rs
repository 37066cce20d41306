//! IBKR's scheduled reset windows, when a Gateway losing its link to IB (1100) or refusing logins is normal
//! and the right advice is "wait until HH:MM", not "restart".
//!
//! The table is the one place these times live. Source: IBKR system status page and the API docs' notes on
//! the daily server reset: North America 00:15-01:45 ET, Europe
//! 06:25-07:45 CET, Asia 04:45-06:05 and 20:15-21:15 HKT, daily; and the weekend maintenance from Friday
//! 23:00 to Saturday 03:00 ET. The Gateway's own auto-restart time (a setting in Gateway: Configure ->
//! Settings -> Lock and Exit) is a window too: the Gateway is down for a few minutes around it.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};
use serde::Serialize;
use ts_rs::TS;

/// Which IB server region the account logs in to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    #[default]
    NorthAmerica,
    Europe,
    Asia,
}

/// One recurring window, in its own time zone (schedule/mod.rs reads the table too, for what comes next).
pub(crate) struct Window {
    pub(crate) name: &'static str,
    pub(crate) tz: &'static str,
    /// `None`: every day. `Some(day)`: starts on that weekday only.
    pub(crate) day: Option<Weekday>,
    pub(crate) start: (i8, i8),
    /// Length in minutes (may cross midnight).
    pub(crate) minutes: i64,
    pub(crate) region: Option<Region>,
}

pub(crate) const WINDOWS: &[Window] = &[
    Window {
        name: "IBKR daily reset (North America)",
        tz: "America/New_York",
        day: None,
        start: (0, 15),
        minutes: 90,
        region: Some(Region::NorthAmerica),
    },
    Window {
        name: "IBKR daily reset (Europe)",
        tz: "Europe/Zurich",
        day: None,
        start: (6, 25),
        minutes: 80,
        region: Some(Region::Europe),
    },
    Window {
        name: "IBKR daily reset (Asia, morning)",
        tz: "Asia/Hong_Kong",
        day: None,
        start: (4, 45),
        minutes: 80,
        region: Some(Region::Asia),
    },
    Window {
        name: "IBKR daily reset (Asia, evening)",
        tz: "Asia/Hong_Kong",
        day: None,
        start: (20, 15),
        minutes: 60,
        region: Some(Region::Asia),
    },
    Window {
        name: "IBKR weekend maintenance",
        tz: "America/New_York",
        day: Some(Weekday::Friday),
        start: (23, 0),
        minutes: 240,
        region: None,
    },
];

/// Minutes the Gateway is normally away around its own auto-restart.
pub(crate) const AUTO_RESTART_MINUTES: i64 = 5;

/// The window `now` is in, and when it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct InWindow {
    pub name: String,
    /// When the window ends, Unix milliseconds.
    pub ends_at_ms: i64,
    /// The end as local wall-clock time, `HH:MM`, for messages.
    pub ends_local: String,
}

/// The reset window `now` falls in, if any. `auto_restart` is the Gateway's auto-restart time in the
/// computer's local time zone `local`.
pub fn current_window(
    now: Timestamp,
    region: Region,
    auto_restart: Option<Time>,
    local: &TimeZone,
) -> Option<InWindow> {
    let fixed = WINDOWS
        .iter()
        .filter(|w| w.region.is_none() || w.region == Some(region))
        .find_map(|w| {
            let tz = jiff::tz::db().get(w.tz).ok()?;
            window_end(
                now,
                &tz,
                w.day,
                Time::constant(w.start.0, w.start.1, 0, 0),
                w.minutes,
            )
            .map(|end| (w.name, end))
        });
    let auto = || {
        let start = auto_restart?;
        window_end(now, local, None, start, AUTO_RESTART_MINUTES)
            .map(|end| ("Gateway auto-restart", end))
    };
    let (name, end) = fixed.or_else(auto)?;
    Some(InWindow {
        name: name.to_string(),
        ends_at_ms: end.timestamp().as_millisecond(),
        ends_local: end
            .with_time_zone(local.clone())
            .strftime("%H:%M")
            .to_string(),
    })
}

/// If `now` is inside a window that starts at `start` (on `day`, or any day) in `tz` and lasts `minutes`,
/// its end. Checks the occurrence that began today and the one that began yesterday (windows cross midnight).
fn window_end(
    now: Timestamp,
    tz: &TimeZone,
    day: Option<Weekday>,
    start: Time,
    minutes: i64,
) -> Option<Zoned> {
    let here = now.to_zoned(tz.clone());
    for days_back in [0i64, 1] {
        let date = here.date().checked_sub(days_back.days()).ok()?;
        if day.is_some_and(|d| date.weekday() != d) {
            continue;
        }
        let begins = date.to_datetime(start).to_zoned(tz.clone()).ok()?;
        let ends = begins.checked_add(minutes.minutes()).ok()?;
        if begins.timestamp() <= now && now < ends.timestamp() {
            return Some(ends);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        // Times in the table are New York wall-clock unless given with an offset.
        text.parse::<Zoned>()
            .map(|z| z.timestamp())
            .or_else(|_| text.parse::<Timestamp>())
            .expect(text)
    }

    fn ny() -> TimeZone {
        jiff::tz::db()
            .get("America/New_York")
            .expect("bundled tzdb")
    }

    #[test]
    fn table() {
        let cases: &[(&str, Region, Option<&str>)] = &[
            (
                "2026-11-25T00:30:00[America/New_York]",
                Region::NorthAmerica,
                Some("01:45"),
            ),
            (
                "2026-11-25T00:14:59[America/New_York]",
                Region::NorthAmerica,
                None,
            ),
            (
                "2026-11-25T01:45:00[America/New_York]",
                Region::NorthAmerica,
                None,
            ),
            (
                "2026-07-01T01:00:00[America/New_York]",
                Region::NorthAmerica,
                Some("01:45"),
            ), // summer time too
            (
                "2026-11-25T00:20:00[America/New_York]",
                Region::Europe,
                None, // 06:20 in Zurich: five minutes early
            ),
            (
                "2026-11-25T06:30:00[Europe/Zurich]",
                Region::Europe,
                Some("01:45"),
            ), // 07:45 CET = 01:45 New York
            (
                "2026-11-25T20:30:00[Asia/Hong_Kong]",
                Region::Asia,
                Some("08:15"),
            ),
            (
                "2026-11-27T23:30:00[America/New_York]",
                Region::Europe,
                Some("03:00"),
            ), // Friday night, any region
            (
                "2026-11-28T02:59:00[America/New_York]",
                Region::NorthAmerica,
                Some("03:00"),
            ), // across midnight
            (
                "2026-11-28T03:00:00[America/New_York]",
                Region::NorthAmerica,
                None,
            ),
            (
                "2026-11-26T23:30:00[America/New_York]",
                Region::NorthAmerica,
                None,
            ), // Thursday: no weekend window
        ];
        for (when, region, expected) in cases {
            let got = current_window(at(when), *region, None, &ny());
            assert_eq!(
                got.as_ref().map(|w| w.ends_local.as_str()),
                *expected,
                "{when} {region:?}: {got:?}"
            );
        }
    }

    #[test]
    fn the_gateways_auto_restart_time_is_a_window_in_local_time() {
        let restart = Some(Time::constant(23, 45, 0, 0));
        let inside = current_window(
            at("2026-11-25T23:47:00[America/New_York]"),
            Region::NorthAmerica,
            restart,
            &ny(),
        );
        assert_eq!(
            inside.map(|w| (w.name, w.ends_local)),
            Some(("Gateway auto-restart".to_string(), "23:50".to_string()))
        );
        assert_eq!(
            current_window(
                at("2026-11-25T23:51:00[America/New_York]"),
                Region::NorthAmerica,
                restart,
                &ny()
            ),
            None
        );
    }
}
