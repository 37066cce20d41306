//! What comes next in the trader's week, in the trader's own time: the next IBKR reset window of their
//! region, IB Gateway's own daily auto-restart, and the weekly login with 2FA. Pure functions of "now", the
//! region, the auto-restart time and the time zone, so the app sends ready words and the screen only shows
//! them.
//!
//! The reset windows are reset_window.rs's table (the one place their times live). The weekly login: IBKR
//! resets every session's login token once a week, on Sunday at about 01:00 New York time; IB Gateway's
//! daily auto-restart keeps a session through the week, but after that reset it needs a full login,
//! answered with the second factor (2FA) on the trader's phone ([`WEEKLY_LOGIN`]).
//!
//! The region defaults from the computer's time zone ([`Region::of_time_zone`]): a trader in Berlin is
//! most likely served by IBKR's European servers. It is only a default; Settings shows where it came from.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};
use serde::Serialize;
use ts_rs::TS;

use crate::reset_window::{AUTO_RESTART_MINUTES, Region, WINDOWS};

/// IBKR's weekly token reset: (weekday, hour, minute) in New York time.
pub const WEEKLY_LOGIN: (Weekday, i8, i8) = (Weekday::Sunday, 1, 0);
const NEW_YORK: &str = "America/New_York";

impl Region {
    pub const ALL: [Region; 3] = [Region::NorthAmerica, Region::Europe, Region::Asia];

    /// The name in the settings file.
    pub fn name(self) -> &'static str {
        match self {
            Region::NorthAmerica => "north_america",
            Region::Europe => "europe",
            Region::Asia => "asia",
        }
    }

    /// The region in words.
    pub fn label(self) -> &'static str {
        match self {
            Region::NorthAmerica => "North America",
            Region::Europe => "Europe",
            Region::Asia => "Asia",
        }
    }

    /// The region by its settings name or its words, any case ("europe", "North America").
    pub fn from_name(text: &str) -> Option<Region> {
        let wanted = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Region::ALL.into_iter().find(|r| r.name() == wanted)
    }

    /// The region a computer in the IANA time zone `zone` most likely trades from; `None` when the zone
    /// names no part of the world (UTC, Etc/GMT+3).
    pub fn of_time_zone(zone: &str) -> Option<Region> {
        if zone == "Pacific/Honolulu" {
            return Some(Region::NorthAmerica);
        }
        match zone.split('/').next()? {
            "America" | "US" | "Canada" | "Mexico" | "Brazil" | "Chile" => {
                Some(Region::NorthAmerica)
            }
            "Europe" | "Africa" => Some(Region::Europe),
            "Asia" | "Australia" | "Indian" | "Pacific" => Some(Region::Asia),
            _ => None,
        }
    }
}

/// What the schedule depends on besides the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRules {
    pub region: Region,
    /// IB Gateway's auto-restart time in the trader's time zone; `None`: not known.
    pub auto_restart: Option<Time>,
}

/// One coming (or current) event, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Upcoming {
    /// What it is, in words ("IBKR daily reset (Europe)").
    pub name: String,
    /// When it starts (or started, when `now` is true), Unix milliseconds.
    pub starts_at_ms: i64,
    /// When it ends, for a window; null for a moment (the weekly login).
    pub ends_at_ms: Option<i64>,
    /// It is on now.
    pub now: bool,
    /// The line to show: "IBKR daily reset (Europe): tomorrow 06:25–07:45".
    pub text: String,
}

/// The trader's coming week, as the Status screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Schedule {
    pub region: Region,
    /// The next (or current) IBKR reset window of the region, the weekend maintenance included.
    pub next_reset: Upcoming,
    /// IB Gateway's next auto-restart; null when its time is not set.
    pub auto_restart: Option<Upcoming>,
    /// The next weekly login with 2FA.
    pub weekly_login: Upcoming,
    /// What to do when the auto-restart time is not set; null when it is.
    pub auto_restart_hint: Option<String>,
    /// The time zone the times are in ("Europe/Berlin"), for Details.
    pub time_zone: String,
}

/// Where to find the auto-restart time in IB Gateway, for Settings and Status.
pub const AUTO_RESTART_HINT: &str = "Add IB Gateway's auto-restart time in Settings (IB Gateway shows it under Configure → Settings → Lock and Exit) so Gateway Doctor stays calm while it restarts.";

/// The schedule at `now` for `rules`, in the time zone `local`.
pub fn schedule(now: Timestamp, rules: TimeRules, local: &TimeZone) -> Schedule {
    let next_reset = next_reset(now, rules.region, local);
    let auto_restart = rules.auto_restart.map(|start| {
        let (begins, ends) = next_occurrence(now, local, None, start, AUTO_RESTART_MINUTES);
        upcoming(
            "IB Gateway's daily restart",
            now,
            &begins,
            Some(&ends),
            local,
        )
    });
    let weekly_login = next_weekly_login(now, local);
    Schedule {
        region: rules.region,
        next_reset,
        auto_restart_hint: auto_restart
            .is_none()
            .then(|| AUTO_RESTART_HINT.to_string()),
        auto_restart,
        weekly_login,
        time_zone: local
            .iana_name()
            .unwrap_or("this computer's time zone")
            .to_string(),
    }
}

/// The reset window of `region` (or the weekend maintenance) that is on now or starts first after `now`.
pub fn next_reset(now: Timestamp, region: Region, local: &TimeZone) -> Upcoming {
    let (name, begins, ends) = WINDOWS
        .iter()
        .filter(|w| w.region.is_none() || w.region == Some(region))
        .filter_map(|w| {
            let tz = jiff::tz::db().get(w.tz).ok()?;
            let start = Time::new(w.start.0, w.start.1, 0, 0).ok()?;
            let (begins, ends) = next_occurrence(now, &tz, w.day, start, w.minutes);
            Some((w.name, begins, ends))
        })
        .min_by_key(|(_, begins, _)| begins.timestamp())
        // Every window in the table has a valid time and a zone in the bundled database: this is the
        // North American daily reset, computed the same way, only if the table were broken.
        .unwrap_or_else(|| {
            let tz = jiff::tz::db().get(NEW_YORK).unwrap_or(TimeZone::UTC);
            let (b, e) = next_occurrence(now, &tz, None, Time::constant(0, 15, 0, 0), 90);
            ("IBKR daily reset (North America)", b, e)
        });
    upcoming(name, now, &begins, Some(&ends), local)
}

/// The next weekly login with 2FA after `now` (IBKR's Sunday token reset, [`WEEKLY_LOGIN`]).
pub fn next_weekly_login(now: Timestamp, local: &TimeZone) -> Upcoming {
    let tz = jiff::tz::db().get(NEW_YORK).unwrap_or(TimeZone::UTC);
    let (day, h, m) = WEEKLY_LOGIN;
    // A moment, not a window: the one strictly after now (a window of one minute that ends after it).
    let (at, _) = next_occurrence(
        now.checked_add(1.minute()).unwrap_or(now),
        &tz,
        Some(day),
        Time::constant(h, m, 0, 0),
        1,
    );
    let when = describe_moment(now, &at, local);
    Upcoming {
        name: "Weekly login with 2FA".into(),
        starts_at_ms: at.timestamp().as_millisecond(),
        ends_at_ms: None,
        now: false,
        text: format!(
            "Weekly login with 2FA: {when}. IBKR resets every login once a week; after it IB Gateway needs you to log in again and confirm on your phone."
        ),
    }
}

/// The occurrence of a window (starting at `start` on `day`, or daily, in `tz`, lasting `minutes`) that
/// is on at `now` or begins first after it: (begins, ends).
fn next_occurrence(
    now: Timestamp,
    tz: &TimeZone,
    day: Option<Weekday>,
    start: Time,
    minutes: i64,
) -> (Zoned, Zoned) {
    let today = now.to_zoned(tz.clone()).date();
    // From yesterday (a window crossing midnight) through eight days on (a weekly one): one matches.
    (-1i64..=8)
        .filter_map(|offset| today.checked_add(offset.days()).ok())
        .filter(|date| day.is_none_or(|d| date.weekday() == d))
        .filter_map(|date| occurrence(date, tz, start, minutes))
        .find(|(_, ends)| ends.timestamp() > now)
        .unwrap_or_else(|| {
            let at = now.to_zoned(tz.clone());
            (at.clone(), at)
        })
}

fn occurrence(date: Date, tz: &TimeZone, start: Time, minutes: i64) -> Option<(Zoned, Zoned)> {
    // A start in a DST gap moves forward, one in a repeated hour takes the first: jiff's "compatible" rule.
    let begins = date.to_datetime(start).to_zoned(tz.clone()).ok()?;
    let ends = begins.checked_add(minutes.minutes()).ok()?;
    Some((begins, ends))
}

fn upcoming(
    name: &str,
    now: Timestamp,
    begins: &Zoned,
    ends: Option<&Zoned>,
    local: &TimeZone,
) -> Upcoming {
    let on_now = begins.timestamp() <= now;
    let when = match (on_now, ends) {
        (true, Some(ends)) => format!("now, until {}", clock(ends, local)),
        (false, Some(ends)) => format!(
            "{}–{}",
            describe_moment(now, begins, local),
            clock(ends, local)
        ),
        (_, None) => describe_moment(now, begins, local),
    };
    Upcoming {
        name: name.to_string(),
        starts_at_ms: begins.timestamp().as_millisecond(),
        ends_at_ms: ends.map(|e| e.timestamp().as_millisecond()),
        now: on_now,
        text: format!("{name}: {when}"),
    }
}

/// "today 06:25", "tomorrow 00:15", "Sunday 07:00", "Sun 14 Dec 07:00", in `local` time.
fn describe_moment(now: Timestamp, at: &Zoned, local: &TimeZone) -> String {
    let here = at.with_time_zone(local.clone());
    let today = now.to_zoned(local.clone()).date();
    let days = (here.date() - today).get_days();
    let day = match days {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        2..=6 => here.strftime("%A").to_string(),
        _ => here.strftime("%a %-d %b").to_string(),
    };
    format!("{day} {}", clock(&here, local))
}

fn clock(at: &Zoned, local: &TimeZone) -> String {
    at.with_time_zone(local.clone())
        .strftime("%H:%M")
        .to_string()
}

#[cfg(test)]
mod tests;
