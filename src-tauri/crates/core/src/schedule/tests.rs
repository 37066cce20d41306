//! The schedule's times against the real time-zone rules: resets, the weekly login, the Gateway's own restart, across daylight-saving changes.

use super::*;

fn tz(name: &str) -> TimeZone {
    jiff::tz::db().get(name).expect("bundled tzdb")
}

fn at(text: &str) -> Timestamp {
    text.parse::<Zoned>().expect(text).timestamp()
}

fn rules(region: Region) -> TimeRules {
    TimeRules {
        region,
        auto_restart: None,
    }
}

#[test]
fn the_region_follows_the_time_zones_part_of_the_world() {
    for (zone, region) in [
        ("America/New_York", Some(Region::NorthAmerica)),
        ("America/Chicago", Some(Region::NorthAmerica)),
        ("Pacific/Honolulu", Some(Region::NorthAmerica)),
        ("Europe/Berlin", Some(Region::Europe)),
        ("Europe/London", Some(Region::Europe)),
        ("Africa/Johannesburg", Some(Region::Europe)),
        ("Asia/Hong_Kong", Some(Region::Asia)),
        ("Asia/Tokyo", Some(Region::Asia)),
        ("Australia/Sydney", Some(Region::Asia)),
        ("UTC", None),
        ("Etc/GMT+3", None),
    ] {
        assert_eq!(Region::of_time_zone(zone), region, "{zone}");
    }
}

#[test]
fn region_names_round_trip() {
    for region in Region::ALL {
        assert_eq!(Region::from_name(region.name()), Some(region));
        assert_eq!(Region::from_name(region.label()), Some(region));
    }
    assert_eq!(Region::from_name("antarctica"), None);
}

#[test]
fn the_next_reset_is_shown_in_the_traders_own_time() {
    // Wednesday 25 Nov 2026, 12:00 in Berlin. Europe's reset is 06:25-07:45 Zurich = Berlin time.
    let s = schedule(
        at("2026-11-25T12:00:00[Europe/Berlin]"),
        rules(Region::Europe),
        &tz("Europe/Berlin"),
    );
    assert_eq!(
        s.next_reset.text,
        "IBKR daily reset (Europe): tomorrow 06:25–07:45"
    );
    assert!(!s.next_reset.now);
    assert_eq!(
        s.next_reset.starts_at_ms,
        at("2026-11-26T06:25:00[Europe/Zurich]").as_millisecond()
    );
    // The North American reset (00:15-01:45 New York) for the same trader is 06:15-07:45 Berlin.
    let na = schedule(
        at("2026-11-25T12:00:00[Europe/Berlin]"),
        rules(Region::NorthAmerica),
        &tz("Europe/Berlin"),
    );
    assert_eq!(
        na.next_reset.text,
        "IBKR daily reset (North America): tomorrow 06:15–07:45"
    );
}

#[test]
fn inside_a_window_it_says_until_when() {
    let s = schedule(
        at("2026-11-25T00:30:00[America/New_York]"),
        rules(Region::NorthAmerica),
        &tz("America/New_York"),
    );
    assert!(s.next_reset.now);
    assert_eq!(
        s.next_reset.text,
        "IBKR daily reset (North America): now, until 01:45"
    );
}

#[test]
fn the_weekend_maintenance_comes_first_on_friday_night() {
    // Friday 27 Nov 2026 22:00 New York: the maintenance at 23:00 comes before Saturday's 00:15 reset.
    let s = schedule(
        at("2026-11-27T22:00:00[America/New_York]"),
        rules(Region::NorthAmerica),
        &tz("America/New_York"),
    );
    assert_eq!(
        s.next_reset.text,
        "IBKR weekend maintenance: today 23:00–03:00"
    );
}

#[test]
fn asia_has_two_windows_a_day() {
    let hk = tz("Asia/Hong_Kong");
    let morning = schedule(
        at("2026-11-25T03:00:00[Asia/Hong_Kong]"),
        rules(Region::Asia),
        &hk,
    );
    assert_eq!(
        morning.next_reset.text,
        "IBKR daily reset (Asia, morning): today 04:45–06:05"
    );
    let evening = schedule(
        at("2026-11-25T07:00:00[Asia/Hong_Kong]"),
        rules(Region::Asia),
        &hk,
    );
    assert_eq!(
        evening.next_reset.text,
        "IBKR daily reset (Asia, evening): today 20:15–21:15"
    );
}

#[test]
fn the_weekly_login_is_sunday_one_am_new_york_in_local_time() {
    // Wednesday 25 Nov 2026: next Sunday 29 Nov 01:00 New York = 07:00 Berlin, 14:00 Hong Kong.
    let now = at("2026-11-25T12:00:00[Europe/Berlin]");
    let berlin = next_weekly_login(now, &tz("Europe/Berlin"));
    assert!(
        berlin
            .text
            .starts_with("Weekly login with 2FA: Sunday 07:00."),
        "{}",
        berlin.text
    );
    assert_eq!(berlin.ends_at_ms, None);
    let hk = next_weekly_login(now, &tz("Asia/Hong_Kong"));
    assert!(
        hk.text.starts_with("Weekly login with 2FA: Sunday 14:00."),
        "{}",
        hk.text
    );
    // Just after it, the next one is a week on.
    let after = next_weekly_login(
        at("2026-11-29T01:00:00[America/New_York]"),
        &tz("America/New_York"),
    );
    assert!(
        after
            .text
            .starts_with("Weekly login with 2FA: Sun 6 Dec 01:00."),
        "{}",
        after.text
    );
    // Saturday evening it is tomorrow.
    let sat = next_weekly_login(
        at("2026-11-28T20:00:00[America/New_York]"),
        &tz("America/New_York"),
    );
    assert!(
        sat.text
            .starts_with("Weekly login with 2FA: tomorrow 01:00."),
        "{}",
        sat.text
    );
}

#[test]
fn dst_changes_on_different_dates_in_america_and_europe_move_the_local_times() {
    let berlin = tz("Europe/Berlin");
    // 2026: America moves its clocks on 8 March, Europe on 29 March. Between them New York is 5 hours
    // behind Berlin instead of 6: the weekly login is 06:00 in Berlin, not 07:00.
    let before = next_weekly_login(at("2026-03-04T12:00:00[Europe/Berlin]"), &berlin);
    assert!(
        before
            .text
            .starts_with("Weekly login with 2FA: Sunday 07:00."),
        "{}",
        before.text
    );
    let between = next_weekly_login(at("2026-03-11T12:00:00[Europe/Berlin]"), &berlin);
    assert!(
        between
            .text
            .starts_with("Weekly login with 2FA: Sunday 06:00."),
        "{}",
        between.text
    );
    let after = next_weekly_login(at("2026-04-01T12:00:00[Europe/Berlin]"), &berlin);
    assert!(
        after
            .text
            .starts_with("Weekly login with 2FA: Sunday 07:00."),
        "{}",
        after.text
    );
    // The same gap for the North American reset seen from Berlin: 05:15-06:45 instead of 06:15-07:45.
    let reset = schedule(
        at("2026-03-11T12:00:00[Europe/Berlin]"),
        rules(Region::NorthAmerica),
        &berlin,
    );
    assert_eq!(
        reset.next_reset.text,
        "IBKR daily reset (North America): tomorrow 05:15–06:45"
    );
    // In autumn Europe changes first (25 Oct), America later (1 Nov): 06:00 again in between.
    let autumn = next_weekly_login(at("2026-10-27T12:00:00[Europe/Berlin]"), &berlin);
    assert!(
        autumn
            .text
            .starts_with("Weekly login with 2FA: Sunday 06:00."),
        "{}",
        autumn.text
    );
}

#[test]
fn a_window_on_the_night_the_clocks_change_keeps_its_length_in_real_time() {
    // 8 March 2026, New York springs forward at 02:00: the 00:15 reset still lasts 90 minutes.
    let ny = tz("America/New_York");
    let s = next_reset(
        at("2026-03-07T12:00:00[America/New_York]"),
        Region::NorthAmerica,
        &ny,
    );
    assert_eq!(
        s.text,
        "IBKR daily reset (North America): tomorrow 00:15–01:45"
    );
    assert_eq!(
        s.ends_at_ms.map(|e| e - s.starts_at_ms),
        Some(90 * 60 * 1000)
    );
    // An auto-restart at 02:30, which does not exist that night, moves to 03:30 (the clock jumped).
    let restart = schedule(
        at("2026-03-08T01:00:00[America/New_York]"),
        TimeRules {
            region: Region::NorthAmerica,
            auto_restart: Some(Time::constant(2, 30, 0, 0)),
        },
        &ny,
    );
    assert_eq!(
        restart.auto_restart.map(|u| u.text),
        Some("IB Gateway's daily restart: today 03:30–03:35".into())
    );
}

#[test]
fn without_an_auto_restart_time_the_schedule_says_where_to_find_it() {
    let s = schedule(
        at("2026-11-25T12:00:00[Europe/Berlin]"),
        rules(Region::Europe),
        &tz("Europe/Berlin"),
    );
    assert_eq!(s.auto_restart, None);
    assert!(
        s.auto_restart_hint
            .as_deref()
            .is_some_and(|h| h.contains("Lock and Exit"))
    );
    let set = schedule(
        at("2026-11-25T23:47:00[Europe/Berlin]"),
        TimeRules {
            region: Region::Europe,
            auto_restart: Some(Time::constant(23, 45, 0, 0)),
        },
        &tz("Europe/Berlin"),
    );
    assert_eq!(set.auto_restart_hint, None);
    let restart = set.auto_restart.expect("set");
    assert!(restart.now);
    assert_eq!(restart.text, "IB Gateway's daily restart: now, until 23:50");
    assert_eq!(set.time_zone, "Europe/Berlin");
}
