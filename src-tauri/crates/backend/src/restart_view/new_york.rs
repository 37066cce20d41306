//! New York's clock: US equities' regular session (for the LIVE question) and IBKR's weekly reset of the
//! Gateway's login token.

use jiff::civil::{Time, Weekday};
use jiff::{Timestamp, ToSpan, Zoned};

/// The next Sunday 01:00 New York time after `now`: IBKR resets the Gateway's login token then.
pub fn next_token_reset(now: Timestamp) -> Zoned {
    let here = now.to_zoned(new_york());
    let mut date = here.date();
    loop {
        if date.weekday() == Weekday::Sunday
            && let Ok(at) = date
                .to_datetime(Time::constant(1, 0, 0, 0))
                .to_zoned(new_york())
            && at.timestamp() > now
        {
            return at;
        }
        match date.checked_add(1.day()) {
            Ok(next) => date = next,
            // Beyond year 9999: say "now", the cautious answer.
            Err(_) => return here,
        }
    }
}

/// US equities' regular session: 09:30-16:00 New York time, Monday to Friday (holidays not known).
pub fn in_market_hours(now: Timestamp) -> bool {
    let here = now.to_zoned(new_york());
    let weekday = !matches!(here.weekday(), Weekday::Saturday | Weekday::Sunday);
    let time = here.time();
    weekday && time >= Time::constant(9, 30, 0, 0) && time < Time::constant(16, 0, 0, 0)
}

pub(super) fn new_york() -> jiff::tz::TimeZone {
    // The bundled time zone database always has it; UTC-5 is the fallback of a broken build.
    jiff::tz::db()
        .get("America/New_York")
        .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(-5)))
}
