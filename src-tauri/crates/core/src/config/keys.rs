//! The settings Gateway Doctor knows, their names in each source, their defaults, and how a raw value from
//! any source is checked. Messages name the value, where it came from and what to use instead.

use serde_json::Value;

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

pub const PORT_RANGE: std::ops::RangeInclusive<i64> = 1..=65535;
pub const CLIENT_ID_RANGE: std::ops::RangeInclusive<i64> = 0..=2_147_483_647;
pub const TIMEOUT_RANGE: std::ops::RangeInclusive<f64> = 0.1..=600.0;
pub const HEARTBEAT_RANGE: std::ops::RangeInclusive<f64> = 0.5..=600.0;
pub const MAX_TIMEOUTS_RANGE: std::ops::RangeInclusive<i64> = 1..=100;
pub const STABLE_AFTER_RANGE: std::ops::RangeInclusive<f64> = 1.0..=3600.0;

impl Key {
    pub const ALL: [Key; 10] = [
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
        }
    }

    pub fn from_name(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.name() == name)
    }

    /// DESIGN "Config" defaults.
    pub fn default_value(self) -> SettingValue {
        match self {
            Key::Host => SettingValue::Text("127.0.0.1".into()),
            Key::Port => SettingValue::Int(4002),
            Key::ClientId => SettingValue::Int(1),
            Key::Timeout => SettingValue::Float(30.0),
            Key::Readonly => SettingValue::Bool(true),
            Key::ForceDisconnect => SettingValue::Bool(false),
            Key::MaxTimeouts => SettingValue::Int(3),
            Key::HeartbeatInterval => SettingValue::Float(3.0),
            Key::ConnectAtStartup => SettingValue::Bool(false),
            // A session must last this long before the reconnect backoff starts again from its first step.
            Key::StableAfter => SettingValue::Float(60.0),
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
            Key::Readonly | Key::ForceDisconnect | Key::ConnectAtStartup => boolean(text),
        }
    }

    /// Checks a value from the settings file (JSON).
    pub fn parse_json(self, value: &Value) -> Result<SettingValue, String> {
        match (self, value) {
            (_, Value::String(text)) => self.parse_text(text),
            (Key::Host, _) => Err("is not a host name: use text such as \"127.0.0.1\"".into()),
            (Key::Port | Key::ClientId | Key::MaxTimeouts, Value::Number(n)) => match n.as_i64() {
                Some(n) => self.check_int(n),
                None => Err("is not a whole number".into()),
            },
            (Key::Timeout | Key::HeartbeatInterval | Key::StableAfter, Value::Number(n)) => {
                self.check_float(n.as_f64().unwrap_or(f64::NAN))
            }
            (Key::Readonly | Key::ForceDisconnect | Key::ConnectAtStartup, Value::Bool(b)) => {
                Ok(SettingValue::Bool(*b))
            }
            (Key::Readonly | Key::ForceDisconnect | Key::ConnectAtStartup, _) => {
                Err("is not true or false".into())
            }
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
    fn every_key_round_trips_its_name_and_its_default_is_valid() {
        for key in Key::ALL {
            assert_eq!(Key::from_name(key.name()), Some(key));
            let default = key.default_value();
            let as_json = serde_json::to_value(&default).expect("serialise");
            assert_eq!(key.parse_json(&as_json), Ok(default), "{key:?}");
        }
    }
}
