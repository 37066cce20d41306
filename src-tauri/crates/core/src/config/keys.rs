//! The settings Gateway Doctor knows, their names in each source, their defaults, and how a raw value from
//! any source is checked. Messages name the value, where it came from and what to use instead.
//!
//! The default client id is [`DEFAULT_CLIENT_ID`], 7431, a fixed 4-digit id. IB Gateway allows one session
//! per client id, and trading programs and their examples commonly use 0-10 (0 is also TWS's "master"
//! id), 100, 123 and 999; a program that already holds our id makes every connect of ours fail with error
//! 326 (and ours would knock theirs out if it connected first). A fixed id rather than one derived per
//! machine: it is the same in the app, the CLI and the worker with nothing to store, and the trader can
//! read it in the Gateway's API log. When it is taken anyway, "Use another client id" picks a free one
//! from [`SPARE_CLIENT_IDS`] ([`pick_client_id`]).

use serde_json::Value;

use crate::reset_window::Region;

/// One setting.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    ts_rs::TS,
)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    Host,
    Port,
    ClientId,
    Timeout,
    Readonly,
    ForceDisconnect,
    MaxTimeouts,
    HeartbeatInterval,
    ConnectAtStartup,
    StableAfter,
    /// Which IBKR server region the account uses: its daily reset window (reset_window.rs).
    Region,
    /// IB Gateway's own daily auto-restart (or auto-logoff) time, `HH:MM` in the trader's time zone; empty
    /// when not known.
    AutoRestart,
    /// IBC's config.ini, when the trader names it (empty: IBC's usual places, see ibc/config/places.rs).
    IbcConfig,
    /// Restart IB Gateway through IBC by itself when the guardrail latches (opt-in; the restart guard holds).
    IbcAutoRestart,
}

/// A checked value.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(untagged)]
pub enum SettingValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// The value as text, the way a flag, an environment variable or a `.env` line gives it: what
/// [`Key::parse_text`] reads back to the same value.
impl std::fmt::Display for SettingValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingValue::Bool(b) => write!(f, "{b}"),
            SettingValue::Int(n) => write!(f, "{n}"),
            SettingValue::Float(x) => write!(f, "{x}"),
            SettingValue::Text(t) => f.write_str(t),
        }
    }
}

pub const PORT_RANGE: std::ops::RangeInclusive<i64> = 1..=65535;
/// IB Gateway's paper-trading API port: the port unless set.
pub const DEFAULT_PORT: u16 = 4002;
/// Gateway Doctor's own client id unless set (see the module doc for why this one).
pub const DEFAULT_CLIENT_ID: i64 = gateway_proto::DEFAULT_CLIENT_ID as i64;
/// Client ids trading programs commonly use: never a default or a pick of ours.
pub const COMMON_CLIENT_IDS: [i64; 14] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 123, 999];
/// Where "Use another client id" picks from: 4-digit ids beside the default, clear of the common ones.
pub const SPARE_CLIENT_IDS: std::ops::RangeInclusive<i64> = 7400..=7499;

pub const CLIENT_ID_RANGE: std::ops::RangeInclusive<i64> = 0..=2_147_483_647;
pub const TIMEOUT_RANGE: std::ops::RangeInclusive<f64> = 0.1..=600.0;
pub const HEARTBEAT_RANGE: std::ops::RangeInclusive<f64> = 0.5..=600.0;
pub const MAX_TIMEOUTS_RANGE: std::ops::RangeInclusive<i64> = 1..=100;
pub const STABLE_AFTER_RANGE: std::ops::RangeInclusive<f64> = 1.0..=3600.0;

impl Key {
    pub const ALL: [Key; 14] = [
        Key::Host,
        Key::Port,
        Key::ClientId,
        Key::Timeout,
        Key::Readonly,
        Key::ForceDisconnect,
        Key::MaxTimeouts,
        Key::HeartbeatInterval,
        Key::ConnectAtStartup,
        Key::StableAfter,
        Key::Region,
        Key::AutoRestart,
        Key::IbcConfig,
        Key::IbcAutoRestart,
    ];

    /// The name in the settings file and in explicit overrides.
    pub fn name(self) -> &'static str {
        match self {
            Key::Host => "host",
            Key::Port => "port",
            Key::ClientId => "client_id",
            Key::Timeout => "timeout",
            Key::Readonly => "readonly",
            Key::ForceDisconnect => "force_disconnect",
            Key::MaxTimeouts => "max_timeouts",
            Key::HeartbeatInterval => "heartbeat_interval",
            Key::ConnectAtStartup => "connect_at_startup",
            Key::StableAfter => "stable_after",
            Key::Region => "region",
            Key::AutoRestart => "auto_restart",
            Key::IbcConfig => "ibc_config",
            Key::IbcAutoRestart => "ibc_auto_restart",
        }
    }

    /// The environment (and `.env`) variable.
    pub fn env_var(self) -> &'static str {
        match self {
            Key::Host => "IBKR_HOST",
            Key::Port => "IBKR_PORT",
            Key::ClientId => "IBKR_CLIENT_ID",
            Key::Timeout => "IBKR_TIMEOUT",
            Key::Readonly => "IBKR_READONLY",
            Key::ForceDisconnect => "IBKR_FORCE_DISCONNECT",
            Key::MaxTimeouts => "IBKR_MAX_TIMEOUTS",
            Key::HeartbeatInterval => "IBKR_HEARTBEAT_INTERVAL",
            Key::ConnectAtStartup => "GATEWAY_DOCTOR_CONNECT_AT_STARTUP",
            Key::StableAfter => "IBKR_STABLE_SECS",
            Key::Region => "GATEWAY_DOCTOR_REGION",
            Key::AutoRestart => "GATEWAY_DOCTOR_AUTO_RESTART",
            Key::IbcConfig => "GATEWAY_DOCTOR_IBC_CONFIG",
            Key::IbcAutoRestart => "GATEWAY_DOCTOR_IBC_AUTO_RESTART",
        }
    }

    pub fn from_name(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The value used when no source sets the key (the README's settings section lists them).
    pub fn default_value(self) -> SettingValue {
        match self {
            Key::Host => SettingValue::Text("127.0.0.1".into()),
            Key::Port => SettingValue::Int(i64::from(DEFAULT_PORT)),
            Key::ClientId => SettingValue::Int(DEFAULT_CLIENT_ID),
            Key::Timeout => SettingValue::Float(30.0),
            Key::Readonly => SettingValue::Bool(true),
            Key::ForceDisconnect => SettingValue::Bool(false),
            Key::MaxTimeouts => SettingValue::Int(3),
            Key::HeartbeatInterval => SettingValue::Float(3.0),
            Key::ConnectAtStartup => SettingValue::Bool(false),
            // A session must last this long before the reconnect backoff starts again from its first step.
            Key::StableAfter => SettingValue::Float(60.0),
            // Resolution prefers the region of the computer's time zone (config/load.rs); this is the
            // default when the zone names none.
            Key::Region => SettingValue::Text(Region::NorthAmerica.name().into()),
            // Unknown until the trader enters it: no quiet hours are guessed for it.
            Key::AutoRestart => SettingValue::Text(String::new()),
            Key::IbcConfig => SettingValue::Text(String::new()),
            // Never a restart the trader did not ask for, unless asked for here.
            Key::IbcAutoRestart => SettingValue::Bool(false),
        }
    }

    /// Checks a value given as text (environment, `.env`, a command-line flag). `Err` is the reason, to
    /// follow "IBKR_PORT=70000 " or "port 70000 in settings.json ".
    pub fn parse_text(self, text: &str) -> Result<SettingValue, String> {
        let text = text.trim();
        match self {
            Key::Host => check_host(text),
            Key::Port => int(text, "a port").and_then(|n| self.check_int(n)),
            Key::ClientId | Key::MaxTimeouts => {
                int(text, "a whole number").and_then(|n| self.check_int(n))
            }
            Key::Timeout | Key::HeartbeatInterval | Key::StableAfter => text
                .parse::<f64>()
                .map_err(|_| "is not a number of seconds".to_string())
                .and_then(|f| self.check_float(f)),
            Key::Readonly | Key::ForceDisconnect | Key::ConnectAtStartup | Key::IbcAutoRestart => {
                boolean(text)
            }
            Key::Region => Region::from_name(text)
                .map(|r| SettingValue::Text(r.name().into()))
                .ok_or_else(|| {
                    "is not a region: use north_america, europe or asia (where your IBKR account is served from)".into()
                }),
            Key::AutoRestart => check_clock_time(text),
            Key::IbcConfig => check_path(text),
        }
    }

    /// Checks a value from the settings file (JSON).
    pub fn parse_json(self, value: &Value) -> Result<SettingValue, String> {
        match (self, value) {
            (_, Value::String(text)) => self.parse_text(text),
            (Key::Host, _) => Err("is not a host name: use text such as \"127.0.0.1\"".into()),
            (Key::IbcConfig, _) => Err(
                "is not a file path: use text such as \"/home/me/ibc/config.ini\", or \"\" for IBC's usual places"
                    .into(),
            ),
            (Key::Port | Key::ClientId | Key::MaxTimeouts, Value::Number(n)) => match n.as_i64() {
                Some(n) => self.check_int(n),
                None => Err("is not a whole number".into()),
            },
            (Key::Timeout | Key::HeartbeatInterval | Key::StableAfter, Value::Number(n)) => {
                self.check_float(n.as_f64().unwrap_or(f64::NAN))
            }
            (
                Key::Readonly | Key::ForceDisconnect | Key::ConnectAtStartup | Key::IbcAutoRestart,
                Value::Bool(b),
            ) => Ok(SettingValue::Bool(*b)),
            (
                Key::Readonly | Key::ForceDisconnect | Key::ConnectAtStartup | Key::IbcAutoRestart,
                _,
            ) => Err("is not true or false".into()),
            (Key::Region, _) => {
                Err("is not a region: use \"north_america\", \"europe\" or \"asia\"".into())
            }
            (Key::AutoRestart, _) => Err("is not a time: use text such as \"23:45\"".into()),
            _ => Err("is not a number".into()),
        }
    }

    fn check_int(self, n: i64) -> Result<SettingValue, String> {
        let (range, what) = match self {
            Key::Port => (
                PORT_RANGE,
                "is not a port: use 1-65535; IB Gateway uses 4002 for paper trading (4001 live), TWS 7497 (7496 live)",
            ),
            Key::ClientId => (
                CLIENT_ID_RANGE,
                "is not a client id: use 0-2147483647 (one per program connected to the Gateway)",
            ),
            _ => (
                MAX_TIMEOUTS_RANGE,
                "is out of range: use 1-100 handshake timeouts in a row",
            ),
        };
        if range.contains(&n) {
            Ok(SettingValue::Int(n))
        } else {
            Err(what.into())
        }
    }

    fn check_float(self, f: f64) -> Result<SettingValue, String> {
        let (range, what) = match self {
            Key::Timeout => (
                TIMEOUT_RANGE,
                "is out of range: use 0.1-600 seconds (30 is a good handshake timeout)",
            ),
            Key::StableAfter => (
                STABLE_AFTER_RANGE,
                "is out of range: use 1-3600 seconds a session must last before reconnect waits start over (60 is the default)",
            ),
            _ => (
                HEARTBEAT_RANGE,
                "is out of range: use 0.5-600 seconds between heartbeats (3 is the default)",
            ),
        };
        if range.contains(&f) {
            Ok(SettingValue::Float(f))
        } else {
            Err(what.into())
        }
    }
}

/// A client id for "Use another client id": the first spare id after `current` (wrapping) that is not in
/// `avoid` (ids local programs are seen using, and the one that was refused), nor a common one. `None` when
/// every spare id is taken.
pub fn pick_client_id(current: i64, avoid: &std::collections::BTreeSet<i64>) -> Option<i64> {
    let (start, end) = (*SPARE_CLIENT_IDS.start(), *SPARE_CLIENT_IDS.end());
    let span = end - start + 1;
    let offset = if SPARE_CLIENT_IDS.contains(&current) {
        current - start + 1
    } else {
        0
    };
    (0..span)
        .map(|i| start + (offset + i) % span)
        .find(|id| *id != current && !avoid.contains(id) && !COMMON_CLIENT_IDS.contains(id))
}

fn int(text: &str, what: &str) -> Result<i64, String> {
    text.parse::<i64>().map_err(|_| format!("is not {what}"))
}

fn boolean(text: &str) -> Result<SettingValue, String> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(SettingValue::Bool(true)),
        "0" | "false" | "no" | "off" => Ok(SettingValue::Bool(false)),
        _ => Err("is not true or false: use true/false, yes/no or 1/0".into()),
    }
}

/// A file path as given; empty means "not set". A NUL cannot be in a path on any system.
fn check_path(text: &str) -> Result<SettingValue, String> {
    if text.contains('\0') {
        Err("is not a file path (it holds a NUL character)".into())
    } else {
        Ok(SettingValue::Text(text.to_string()))
    }
}

/// `HH:MM` (or `H:MM`) on a 24-hour clock, kept as `HH:MM`; empty means "not known".
fn check_clock_time(text: &str) -> Result<SettingValue, String> {
    if text.is_empty() {
        return Ok(SettingValue::Text(String::new()));
    }
    parse_clock_time(text)
        .map(|(h, m)| SettingValue::Text(format!("{h:02}:{m:02}")))
        .ok_or_else(|| {
            "is not a time: use HH:MM on a 24-hour clock in your own time zone, such as 23:45 (IB Gateway shows it under Configure > Settings > Lock and Exit), or leave it empty".into()
        })
}

/// Hours and minutes of `H:MM` or `HH:MM`, 00:00-23:59.
pub fn parse_clock_time(text: &str) -> Option<(i8, i8)> {
    let (h, m) = text.trim().split_once(':')?;
    let digits = |s: &str, max: i8| -> Option<i8> {
        if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<i8>().ok().filter(|n| *n <= max)
    };
    if m.len() != 2 {
        return None;
    }
    Some((digits(h, 23)?, digits(m, 59)?))
}

fn check_host(text: &str) -> Result<SettingValue, String> {
    // "[::1]" is kept as "::1"; what is left must itself be a host ("[" or "[]" is not: found by fuzzing).
    let bare = text.trim_matches(|c| c == '[' || c == ']');
    let ok = !bare.is_empty()
        && text.len() <= 253
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:_[]".contains(c));
    if ok {
        Ok(SettingValue::Text(bare.to_string()))
    } else {
        Err("is not a host name or IP address: the Gateway normally runs on this computer, 127.0.0.1".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_that_is_only_brackets_is_refused_and_a_bracketed_one_checks_again() {
        for bad in ["[", "]", "[]", " [] "] {
            assert!(Key::Host.parse_text(bad).is_err(), "{bad:?}");
        }
        let kept = Key::Host.parse_text("[::1]").expect("an IPv6 literal");
        assert_eq!(kept, SettingValue::Text("::1".into()));
        assert_eq!(Key::Host.parse_text("::1"), Ok(kept));
    }

    #[test]
    fn the_default_client_id_is_not_one_trading_programs_commonly_use() {
        assert_eq!(
            Key::ClientId.default_value(),
            SettingValue::Int(DEFAULT_CLIENT_ID)
        );
        assert!(!COMMON_CLIENT_IDS.contains(&DEFAULT_CLIENT_ID));
        assert!(!(0..=10).contains(&DEFAULT_CLIENT_ID));
    }

    #[test]
    fn another_client_id_skips_the_current_the_taken_and_wraps() {
        let none = std::collections::BTreeSet::new();
        assert_eq!(pick_client_id(DEFAULT_CLIENT_ID, &none), Some(7432));
        assert_eq!(pick_client_id(1, &none), Some(7400));
        let taken = [7432, 7433].into_iter().collect();
        assert_eq!(pick_client_id(DEFAULT_CLIENT_ID, &taken), Some(7434));
        assert_eq!(pick_client_id(7499, &none), Some(7400));
        let all: std::collections::BTreeSet<i64> = SPARE_CLIENT_IDS.collect();
        assert_eq!(pick_client_id(DEFAULT_CLIENT_ID, &all), None);
    }

    #[test]
    fn a_region_is_one_of_three_and_is_kept_by_its_name() {
        for (given, kept) in [
            ("europe", "europe"),
            (" Europe ", "europe"),
            ("north america", "north_america"),
            ("NORTH_AMERICA", "north_america"),
            ("asia", "asia"),
        ] {
            assert_eq!(
                Key::Region.parse_text(given),
                Ok(SettingValue::Text(kept.into())),
                "{given:?}"
            );
        }
        for bad in ["", "mars", "eu-west"] {
            let err = Key::Region.parse_text(bad).expect_err(bad);
            assert!(err.contains("north_america, europe or asia"), "{err}");
        }
        assert!(Key::Region.parse_json(&serde_json::json!(3)).is_err());
    }

    #[test]
    fn the_auto_restart_time_is_hh_mm_on_a_24_hour_clock_or_empty() {
        for (given, kept) in [
            ("23:45", "23:45"),
            ("7:05", "07:05"),
            ("00:00", "00:00"),
            ("", ""),
        ] {
            assert_eq!(
                Key::AutoRestart.parse_text(given),
                Ok(SettingValue::Text(kept.into())),
                "{given:?}"
            );
        }
        for bad in [
            "24:00", "23:60", "2345", "11:45 PM", "1:5", "-1:30", "123:00", ":30",
        ] {
            let err = Key::AutoRestart.parse_text(bad).expect_err(bad);
            assert!(err.contains("Lock and Exit"), "{bad}: {err}");
        }
        assert!(
            Key::AutoRestart
                .parse_json(&serde_json::json!(2345))
                .is_err()
        );
    }

    #[test]
    fn every_key_round_trips_its_name_and_its_default_is_valid() {
        for key in Key::ALL {
            assert_eq!(Key::from_name(key.name()), Some(key));
            let default = key.default_value();
            let as_json = serde_json::to_value(&default).expect("serialise");
            assert_eq!(key.parse_json(&as_json), Ok(default), "{key:?}");
        }
    }
}
