//! A fully resolved, valid configuration with typed accessors.

use std::time::Duration;

use serde::Serialize;

use super::keys::{DEFAULT_CLIENT_ID, Key, SettingValue, parse_clock_time};
use super::load::{Inputs, InvalidValue, Setting};
use crate::reset_window::Region;
use crate::schedule::TimeRules;

/// Every setting resolved and checked. Built only through [`Config::resolve`], so accessors cannot fail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    settings: Vec<Setting>,
}

impl Config {
    /// Resolves `inputs`; `Err` lists every bad value.
    pub fn resolve(inputs: &Inputs) -> Result<Config, Vec<InvalidValue>> {
        inputs.resolve().map(|settings| Config { settings })
    }

    /// The settings given as explicit values (as flags give them), defaults for the rest: what a
    /// benchmark or a test runs with.
    pub fn from_explicit(
        values: impl IntoIterator<Item = (Key, String)>,
    ) -> Result<Config, Vec<InvalidValue>> {
        Config::resolve(&Inputs {
            explicit: values.into_iter().collect(),
            ..Inputs::default()
        })
    }

    /// Each setting with its source, for display.
    pub fn settings(&self) -> &[Setting] {
        &self.settings
    }

    pub fn setting(&self, key: Key) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key == key)
    }

    fn value(&self, key: Key) -> SettingValue {
        self.setting(key)
            .map_or_else(|| key.default_value(), |s| s.value.clone())
    }

    fn int(&self, key: Key) -> i64 {
        match self.value(key) {
            SettingValue::Int(n) => n,
            _ => match key.default_value() {
                SettingValue::Int(n) => n,
                _ => 0,
            },
        }
    }

    fn float(&self, key: Key) -> f64 {
        match self.value(key) {
            SettingValue::Float(f) => f,
            SettingValue::Int(n) => n as f64,
            _ => 0.0,
        }
    }

    fn boolean(&self, key: Key) -> bool {
        matches!(self.value(key), SettingValue::Bool(true))
    }

    pub fn host(&self) -> String {
        match self.value(Key::Host) {
            SettingValue::Text(host) => host,
            _ => "127.0.0.1".into(),
        }
    }

    pub fn port(&self) -> u16 {
        u16::try_from(self.int(Key::Port)).unwrap_or(super::keys::DEFAULT_PORT)
    }

    pub fn client_id(&self) -> i32 {
        // CLIENT_ID_RANGE is i32's, so the fallback is never used.
        i32::try_from(self.int(Key::ClientId)).unwrap_or(DEFAULT_CLIENT_ID as i32)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.float(Key::Timeout))
    }

    pub fn readonly(&self) -> bool {
        self.boolean(Key::Readonly)
    }

    pub fn force_disconnect(&self) -> bool {
        self.boolean(Key::ForceDisconnect)
    }

    pub fn max_timeouts(&self) -> u32 {
        u32::try_from(self.int(Key::MaxTimeouts)).unwrap_or(3)
    }

    pub fn heartbeat_interval(&self) -> Duration {
        Duration::from_secs_f64(self.float(Key::HeartbeatInterval))
    }

    /// How long a session must stay up before the supervisor's reconnect backoff starts over.
    pub fn stable_after(&self) -> Duration {
        Duration::from_secs_f64(self.float(Key::StableAfter))
    }

    /// IBC's config.ini as the trader named it; `None`: look in IBC's usual places.
    pub fn ibc_config(&self) -> Option<std::path::PathBuf> {
        match self.value(Key::IbcConfig) {
            SettingValue::Text(path) if !path.is_empty() => Some(path.into()),
            _ => None,
        }
    }

    /// Restart IB Gateway through IBC by itself when the guardrail latches.
    pub fn ibc_auto_restart(&self) -> bool {
        self.boolean(Key::IbcAutoRestart)
    }

    pub fn connect_at_startup(&self) -> bool {
        self.boolean(Key::ConnectAtStartup)
    }

    /// The IBKR server region (its reset windows).
    pub fn region(&self) -> Region {
        time_rules_of(&self.settings).region
    }

    /// IB Gateway's daily auto-restart time in the trader's time zone; `None` when not known.
    pub fn auto_restart(&self) -> Option<jiff::civil::Time> {
        time_rules_of(&self.settings).auto_restart
    }

    /// The region and the auto-restart time together, for schedule/mod.rs and reset_window.rs.
    pub fn time_rules(&self) -> TimeRules {
        time_rules_of(&self.settings)
    }

    /// The environment the worker process gets: every setting it reads, as IBKR_* variables, so the worker
    /// sees exactly what this configuration resolved (no second resolution with other inputs).
    pub fn worker_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("IBKR_HOST", self.host()),
            ("IBKR_PORT", self.port().to_string()),
            ("IBKR_CLIENT_ID", self.client_id().to_string()),
            ("IBKR_TIMEOUT", self.timeout().as_secs_f64().to_string()),
            ("IBKR_READONLY", self.readonly().to_string()),
            (
                "IBKR_FORCE_DISCONNECT",
                if self.force_disconnect() { "1" } else { "0" }.into(),
            ),
            ("IBKR_MAX_TIMEOUTS", self.max_timeouts().to_string()),
            (
                "IBKR_HEARTBEAT_INTERVAL",
                self.heartbeat_interval().as_secs_f64().to_string(),
            ),
        ]
    }
}

/// The region and auto-restart time among resolved `settings` (defaults for any missing), so the schedule
/// can be shown even while another setting is bad.
pub fn time_rules_of(settings: &[Setting]) -> TimeRules {
    let text = |key: Key| {
        settings
            .iter()
            .find(|s| s.key == key)
            .and_then(|s| match &s.value {
                SettingValue::Text(t) => Some(t.clone()),
                _ => None,
            })
    };
    TimeRules {
        region: text(Key::Region)
            .and_then(|t| Region::from_name(&t))
            .unwrap_or_default(),
        auto_restart: text(Key::AutoRestart)
            .and_then(|t| parse_clock_time(&t))
            .and_then(|(h, m)| jiff::civil::Time::new(h, m, 0, 0).ok()),
    }
}
