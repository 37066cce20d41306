//! One setting at a time: a `connect` param if given, else the environment variable if set, else the
//! default, each checked against its allowed range with an error that names its source.

use std::ffi::OsString;
use std::fmt::Display;
use std::ops::RangeInclusive;
use std::time::Duration;

use crate::errors::WorkerError;

/// Where environment variables come from (the process, or a map in tests).
pub trait Env: Send + Sync {
    fn var(&self, name: &str) -> Option<OsString>;
}

/// The worker's own environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }
}

/// One setting read this way: its `connect` param ("" when it has none), its environment variable, the
/// values allowed and the default.
pub(super) struct Spec<T> {
    param: &'static str,
    var: &'static str,
    range: RangeInclusive<T>,
    default: T,
}

impl<T> Spec<T> {
    pub(super) const fn new(
        param: &'static str,
        var: &'static str,
        range: RangeInclusive<T>,
        default: T,
    ) -> Spec<T> {
        Spec {
            param,
            var,
            range,
            default,
        }
    }
}

pub(super) fn int_setting(
    param: Option<i64>,
    spec: &Spec<i64>,
    env: &dyn Env,
) -> Result<i64, WorkerError> {
    let (param_name, var, range) = (spec.param, spec.var, &spec.range);
    let allowed = || {
        format!(
            "use a whole number from {} to {}",
            range.start(),
            range.end()
        )
    };
    if let Some(value) = param {
        return if range.contains(&value) {
            Ok(value)
        } else {
            Err(bad_param(param_name, value, allowed()))
        };
    }
    match env_text(env, var)? {
        Some(text) => match text.trim().parse::<i64>() {
            Ok(value) if range.contains(&value) => Ok(value),
            _ => Err(bad_env(var, &text, allowed())),
        },
        None => Ok(spec.default),
    }
}

pub(super) fn secs_setting(
    param: Option<f64>,
    spec: &Spec<f64>,
    env: &dyn Env,
) -> Result<Duration, WorkerError> {
    let (param_name, var, range) = (spec.param, spec.var, &spec.range);
    let allowed = || {
        format!(
            "use seconds from {} to {} (fractions allowed)",
            range.start(),
            range.end()
        )
    };
    let secs = match param {
        Some(value) if range.contains(&value) => value,
        Some(value) => return Err(bad_param(param_name, value, allowed())),
        None => match env_text(env, var)? {
            Some(text) => match text.trim().parse::<f64>() {
                Ok(value) if range.contains(&value) => value,
                _ => return Err(bad_env(var, &text, allowed())),
            },
            None => spec.default,
        },
    };
    Ok(Duration::from_secs_f64(secs))
}

pub(super) fn bool_env(
    env: &dyn Env,
    var: &'static str,
    default: bool,
) -> Result<bool, WorkerError> {
    let Some(text) = env_text(env, var)? else {
        return Ok(default);
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(bad_env(var, &text, "use 1 or 0 (true or false)".into())),
    }
}

/// The variable's text, `None` when unset; set but not UTF-8 is an error.
pub(super) fn env_text(env: &dyn Env, var: &'static str) -> Result<Option<String>, WorkerError> {
    match env.var(var) {
        None => Ok(None),
        Some(value) => value
            .into_string()
            .map(Some)
            .map_err(|raw| bad_env(var, &raw.to_string_lossy(), "it is not valid text".into())),
    }
}

pub(super) fn check_host(host: &str) -> Result<String, String> {
    let host = host.trim();
    let well_formed = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'));
    if well_formed {
        Ok(host.to_string())
    } else {
        Err("use a host name or IP address such as 127.0.0.1".into())
    }
}

pub(super) fn bad_param(name: &str, value: impl Display, allowed: String) -> WorkerError {
    WorkerError::BadRequest(format!("params.{name}={value} is not allowed: {allowed}."))
}

pub(super) fn bad_env(var: &str, value: &str, allowed: String) -> WorkerError {
    WorkerError::BadRequest(format!(
        "The environment variable {var}={value:?} is not valid: {allowed}. Fix or unset it (connect params \
         take precedence over it)."
    ))
}
