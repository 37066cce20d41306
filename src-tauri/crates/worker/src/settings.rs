//! Settings from `connect` params, then the environment, then the defaults, checked strictly.
//!
//! A value that is given but wrong is an error naming where it came from and what is allowed; it never
//! falls back to a default, because a silently ignored setting is the failure this worker exists to end.
//! A variable that is set but empty counts as given.

mod values;

use std::time::Duration;

use gateway_proto::{ConnectParams, Target};

use crate::errors::WorkerError;
pub use values::{Env, ProcessEnv};
use values::{Spec, bad_env, bad_param, bool_env, check_host, env_text, int_setting, secs_setting};

const PORT: Spec<i64> = Spec::new("port", "IBKR_PORT", 1..=65535, 4002);
const CLIENT_ID: Spec<i64> = Spec::new(
    "client_id",
    "IBKR_CLIENT_ID",
    0..=2147483647,
    gateway_proto::DEFAULT_CLIENT_ID as i64,
);
const TIMEOUT: Spec<f64> = Spec::new("timeout", "IBKR_TIMEOUT", 0.1..=600.0, 30.0);
const HEARTBEAT_INTERVAL: Spec<f64> = Spec::new(
    "",
    "IBKR_HEARTBEAT_INTERVAL",
    0.1..=600.0,
    HeartbeatSettings::DEFAULT.interval.as_secs_f64(),
);
const HEARTBEAT_TIMEOUT: Spec<f64> = Spec::new(
    "",
    "IBKR_HEARTBEAT_TIMEOUT",
    0.1..=60.0,
    HeartbeatSettings::DEFAULT.timeout.as_secs_f64(),
);
const MAX_TIMEOUTS: Spec<i64> = Spec::new(
    "",
    "IBKR_MAX_TIMEOUTS",
    1..=100,
    DEFAULT_MAX_TIMEOUTS as i64,
);

/// Where one API session goes and how long its handshake may take.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectSettings {
    pub host: String,
    pub port: u16,
    pub client_id: i32,
    pub readonly: bool,
    pub timeout: Duration,
}

impl ConnectSettings {
    /// `host:port` as ibapi wants it (IPv6 literals in brackets).
    pub fn address(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    pub fn target(&self) -> Target {
        Target {
            host: self.host.clone(),
            port: self.port,
            client_id: self.client_id,
            readonly: self.readonly,
            timeout_s: self.timeout.as_secs_f64(),
        }
    }
}

/// Merges `params` over the environment over the defaults.
pub fn connect_settings(
    params: &ConnectParams,
    env: &dyn Env,
) -> Result<ConnectSettings, WorkerError> {
    let host = match &params.host {
        Some(host) => check_host(host).map_err(|why| bad_param("host", host, why))?,
        None => match env_text(env, "IBKR_HOST")? {
            Some(host) => check_host(&host).map_err(|why| bad_env("IBKR_HOST", &host, why))?,
            None => "127.0.0.1".to_string(),
        },
    };
    let port = int_setting(params.port.map(i64::from), &PORT, env)?;
    let client_id = int_setting(params.client_id.map(i64::from), &CLIENT_ID, env)?;
    let readonly = match params.readonly {
        Some(readonly) => readonly,
        None => bool_env(env, "IBKR_READONLY", true)?,
    };
    let timeout = secs_setting(params.timeout, &TIMEOUT, env)?;
    Ok(ConnectSettings {
        host,
        port: u16::try_from(port)
            .map_err(|_| WorkerError::Internal("port range check failed".into()))?,
        client_id: i32::try_from(client_id)
            .map_err(|_| WorkerError::Internal("client id range check failed".into()))?,
        readonly,
        timeout,
    })
}

/// How often the session's heartbeat runs and how long each round trip may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeartbeatSettings {
    pub interval: Duration,
    pub timeout: Duration,
}

impl HeartbeatSettings {
    pub const DEFAULT: HeartbeatSettings = HeartbeatSettings {
        interval: Duration::from_secs(3),
        timeout: Duration::from_secs(2),
    };
}

pub const DEFAULT_MAX_TIMEOUTS: u32 = 3;

pub fn heartbeat_settings(env: &dyn Env) -> Result<HeartbeatSettings, WorkerError> {
    Ok(HeartbeatSettings {
        interval: secs_setting(None, &HEARTBEAT_INTERVAL, env)?,
        timeout: secs_setting(None, &HEARTBEAT_TIMEOUT, env)?,
    })
}

/// Handshake timeouts in a row that latch the guardrail.
pub fn max_timeouts(env: &dyn Env) -> Result<u32, WorkerError> {
    let max = int_setting(None, &MAX_TIMEOUTS, env)?;
    u32::try_from(max).map_err(|_| WorkerError::Internal("max timeouts range check failed".into()))
}

/// Whether `disconnect` may drop the session.
pub fn force_disconnect(env: &dyn Env) -> Result<bool, WorkerError> {
    bool_env(env, "IBKR_FORCE_DISCONNECT", false)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::ffi::OsString;

    use super::*;

    struct MapEnv(HashMap<&'static str, &'static str>);

    impl Env for MapEnv {
        fn var(&self, name: &str) -> Option<OsString> {
            self.0.get(name).map(OsString::from)
        }
    }

    fn env(vars: &[(&'static str, &'static str)]) -> MapEnv {
        MapEnv(vars.iter().copied().collect())
    }

    fn message(err: WorkerError) -> String {
        assert!(matches!(err, WorkerError::BadRequest(_)), "{err:?}");
        err.to_string()
    }

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        let settings =
            connect_settings(&ConnectParams::default(), &env(&[])).expect("defaults are valid");
        assert_eq!(settings.address(), "127.0.0.1:4002");
        assert_eq!(
            (settings.client_id, settings.readonly),
            (gateway_proto::DEFAULT_CLIENT_ID, true)
        );
        assert_eq!(settings.timeout, Duration::from_secs(30));
        assert_eq!(max_timeouts(&env(&[])).expect("default"), 3);
        assert!(!force_disconnect(&env(&[])).expect("default"));
        let heartbeat = heartbeat_settings(&env(&[])).expect("default");
        assert_eq!(
            (heartbeat.interval, heartbeat.timeout),
            (Duration::from_secs(3), Duration::from_secs(2))
        );
    }

    #[test]
    fn params_win_over_the_environment_which_wins_over_defaults() {
        let vars = env(&[
            ("IBKR_PORT", "4001"),
            ("IBKR_CLIENT_ID", "7"),
            ("IBKR_READONLY", "0"),
            ("IBKR_TIMEOUT", "2.5"),
        ]);
        let params = ConnectParams {
            port: Some(7497),
            ..ConnectParams::default()
        };
        let settings = connect_settings(&params, &vars).expect("valid");
        assert_eq!(
            (settings.port, settings.client_id, settings.readonly),
            (7497, 7, false)
        );
        assert_eq!(settings.timeout, Duration::from_millis(2500));
    }

    #[test]
    fn a_malformed_variable_is_named_with_its_allowed_range() {
        let text = message(
            connect_settings(&ConnectParams::default(), &env(&[("IBKR_PORT", "abc")]))
                .expect_err("abc"),
        );
        assert!(
            text.contains("IBKR_PORT") && text.contains("1 to 65535"),
            "{text}"
        );
        let text = message(max_timeouts(&env(&[("IBKR_MAX_TIMEOUTS", "0")])).expect_err("0"));
        assert!(
            text.contains("IBKR_MAX_TIMEOUTS") && text.contains("1 to 100"),
            "{text}"
        );
        let text = message(
            force_disconnect(&env(&[("IBKR_FORCE_DISCONNECT", "maybe")])).expect_err("maybe"),
        );
        assert!(text.contains("IBKR_FORCE_DISCONNECT"), "{text}");
        let text = message(
            heartbeat_settings(&env(&[("IBKR_HEARTBEAT_TIMEOUT", "")])).expect_err("empty"),
        );
        assert!(text.contains("IBKR_HEARTBEAT_TIMEOUT"), "{text}");
    }

    #[test]
    fn a_malformed_variable_is_ignored_when_params_give_the_value() {
        let params = ConnectParams {
            port: Some(4002),
            ..ConnectParams::default()
        };
        assert!(connect_settings(&params, &env(&[("IBKR_PORT", "abc")])).is_ok());
    }

    #[test]
    fn out_of_range_params_are_refused_with_the_range() {
        let port = |port| ConnectParams {
            port: Some(port),
            ..Default::default()
        };
        let timeout = |timeout| ConnectParams {
            timeout: Some(timeout),
            ..Default::default()
        };
        let client_id = ConnectParams {
            client_id: Some(-1),
            ..Default::default()
        };
        let host = ConnectParams {
            host: Some("bad host".into()),
            ..Default::default()
        };
        let cases = [
            (port(0), "1 to 65535"),
            (port(70000), "1 to 65535"),
            (client_id, "0 to 2147483647"),
            (timeout(0.05), "0.1 to 600"),
            (timeout(f64::NAN), "0.1 to 600"),
            (host, "host name"),
        ];
        for (params, allowed) in cases {
            let text = message(connect_settings(&params, &env(&[])).expect_err("out of range"));
            assert!(text.contains(allowed) && text.contains("params."), "{text}");
        }
    }

    #[test]
    fn ipv6_hosts_get_brackets() {
        let params = ConnectParams {
            host: Some("::1".into()),
            ..ConnectParams::default()
        };
        assert_eq!(
            connect_settings(&params, &env(&[]))
                .expect("valid")
                .address(),
            "[::1]:4002"
        );
    }
}
