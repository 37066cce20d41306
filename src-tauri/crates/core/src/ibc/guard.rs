//! The restart guard: at most one Gateway restart per period (default 10 minutes) and at most a few a day
//! (default 3 in any 24 hours), whoever asks (the app, `gateway-doctor restart`, a script), so a loop that
//! restarts on every failed check (one such loop recorded 472 restarts) cannot happen through us.
//!
//! Why 3 a day: a restart through IBC keeps the login, so each one costs the trader a minute or two without
//! the Gateway, not a new login; one RED episode needs one restart, and a second within the day is
//! plausible (the Gateway's own nightly reset can leave it half-alive). A Gateway that needs a fourth
//! within 24 hours has a problem a restart does not fix, and the trader should look at it.
//!
//! The decision is a pure function of (history, now, limits): [`decide`]. The history is shared by every
//! Gateway Doctor process through `restarts.json` in the config folder (beside connects.json, the connect
//! budget's record, and built the same way: supervisor/connect_record.rs): a restart is recorded before it
//! is sent, in one step with the check, under the cross-process lock `restarts.json.lock`
//! (crate::file_lock), and the file is replaced atomically (crate::atomic_file). Times are wall-clock
//! milliseconds; one in the future (the clock went back) counts as now, so a clock change can only hold a
//! restart back longer, never let one through early.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::file_lock::{FileLock, LockError};

/// The limits on restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartLimits {
    /// At most one restart in any window this long.
    pub period: Duration,
    /// At most this many restarts in any 24 hours.
    pub daily_cap: u32,
}

/// The window the daily cap counts in (rolling, so it needs no time zone).
pub const DAY: Duration = Duration::from_secs(24 * 3600);

impl Default for RestartLimits {
    fn default() -> Self {
        RestartLimits {
            period: Duration::from_secs(10 * 60),
            daily_cap: 3,
        }
    }
}

/// Whether a restart may be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// The last restart was less than a period ago.
    TooSoon {
        next_allowed_ms: i64,
    },
    /// The daily cap is used up.
    DailyCap {
        next_allowed_ms: i64,
    },
}

/// The decision for a restart at `now_ms`, given the earlier restarts' times (any order).
pub fn decide(history: &[i64], now_ms: i64, limits: &RestartLimits) -> Decision {
    let mut times: Vec<i64> = history.iter().map(|&t| t.min(now_ms)).collect();
    times.sort_unstable();
    let period = millis(limits.period);
    let day = millis(DAY);
    if let Some(&last) = times.last()
        && now_ms < last.saturating_add(period)
    {
        return Decision::TooSoon {
            next_allowed_ms: last.saturating_add(period),
        };
    }
    let in_day: Vec<i64> = times
        .iter()
        .copied()
        .filter(|&t| now_ms < t.saturating_add(day))
        .collect();
    let cap = usize::try_from(limits.daily_cap).unwrap_or(usize::MAX);
    if in_day.len() >= cap {
        // The restart that must leave the window first: the cap-th newest.
        let oldest_kept = in_day
            .len()
            .checked_sub(cap)
            .and_then(|i| in_day.get(i))
            .copied()
            .unwrap_or(now_ms);
        return Decision::DailyCap {
            next_allowed_ms: oldest_kept.saturating_add(day),
        };
    }
    Decision::Allowed
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// `<config dir>/gateway-doctor/restarts.json` (e.g. ~/.config/gateway-doctor/restarts.json on Linux).
pub fn default_restarts_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("gateway-doctor").join("restarts.json"))
}

/// The whole file: restart times (Unix ms, oldest first) by Gateway (`host:port` of its API).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Contents {
    restarts: BTreeMap<String, Vec<i64>>,
}

/// Why the restart record could not be used (then no restart is sent: the guard must hold).
#[derive(Debug, thiserror::Error)]
pub enum RestartRecordError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("the restart record {path} cannot be read: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the restart record {path} is not valid ({source}); delete it to restart again")]
    Invalid {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("the restart record {path} cannot be written: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The restart record at one path.
#[derive(Debug, Clone)]
pub struct RestartGuard {
    path: PathBuf,
}

impl RestartGuard {
    pub fn new(path: PathBuf) -> RestartGuard {
        RestartGuard { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Decides a restart of Gateway `key` at `now_ms`; when allowed, records it as sent at `now_ms` in
    /// the same locked step (send it now).
    pub fn take(
        &self,
        key: &str,
        limits: &RestartLimits,
        now_ms: i64,
    ) -> Result<Decision, RestartRecordError> {
        let _locked = FileLock::take(&self.path)?;
        let mut contents = self.read()?;
        let history = contents.restarts.get(key).cloned().unwrap_or_default();
        let decision = decide(&history, now_ms, limits);
        if decision == Decision::Allowed {
            let times = contents.restarts.entry(key.to_string()).or_default();
            times.push(now_ms);
            times.sort_unstable();
            forget_old(&mut contents, limits, now_ms);
            self.write(&contents)?;
        }
        Ok(decision)
    }

    /// Takes back the restart recorded at `at_ms` for `key`: used only when the command provably never
    /// reached IBC (nothing listened, or IBC closed the connection unread), so it restarted nothing.
    pub fn forget(&self, key: &str, at_ms: i64) -> Result<(), RestartRecordError> {
        let _locked = FileLock::take(&self.path)?;
        let mut contents = self.read()?;
        if let Some(times) = contents.restarts.get_mut(key)
            && let Some(at) = times.iter().position(|&t| t == at_ms)
        {
            times.remove(at);
        }
        contents.restarts.retain(|_, times| !times.is_empty());
        self.write(&contents)
    }

    /// The restarts of `key` on record, oldest first (Unix ms).
    pub fn history(&self, key: &str) -> Result<Vec<i64>, RestartRecordError> {
        Ok(self.read()?.restarts.remove(key).unwrap_or_default())
    }

    fn read(&self) -> Result<Contents, RestartRecordError> {
        let text = crate::atomic_file::read_if_exists(&self.path).map_err(|source| {
            RestartRecordError::Read {
                path: self.path.clone(),
                source,
            }
        })?;
        let Some(text) = text else {
            return Ok(Contents::default());
        };
        serde_json::from_str(&text).map_err(|source| RestartRecordError::Invalid {
            path: self.path.clone(),
            source,
        })
    }

    fn write(&self, contents: &Contents) -> Result<(), RestartRecordError> {
        let error = |source| RestartRecordError::Write {
            path: self.path.clone(),
            source,
        };
        let text = serde_json::to_string_pretty(contents).map_err(|e| error(e.into()))?;
        crate::atomic_file::replace(&self.path, text.as_bytes()).map_err(error)
    }
}

/// Drops restarts that no limit counts any more, and Gateways with none left.
fn forget_old(contents: &mut Contents, limits: &RestartLimits, now_ms: i64) {
    let keep = millis(limits.period.max(DAY));
    for times in contents.restarts.values_mut() {
        times.retain(|&t| now_ms < t.saturating_add(keep));
    }
    contents.restarts.retain(|_, times| !times.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const HOUR: i64 = 60 * MIN;
    const T0: i64 = 1_700_000_000_000;

    #[test]
    fn the_first_restart_is_allowed_and_a_second_within_the_period_waits_for_it() {
        let limits = RestartLimits::default();
        assert_eq!(decide(&[], T0, &limits), Decision::Allowed);
        assert_eq!(
            decide(&[T0], T0 + MIN, &limits),
            Decision::TooSoon {
                next_allowed_ms: T0 + 10 * MIN
            }
        );
        assert_eq!(decide(&[T0], T0 + 10 * MIN, &limits), Decision::Allowed);
    }

    #[test]
    fn the_fourth_restart_in_24_hours_waits_for_the_oldest_to_age_out() {
        let limits = RestartLimits::default();
        let history = [T0, T0 + HOUR, T0 + 2 * HOUR];
        assert_eq!(
            decide(&history, T0 + 3 * HOUR, &limits),
            Decision::DailyCap {
                next_allowed_ms: T0 + 24 * HOUR
            }
        );
        assert_eq!(decide(&history, T0 + 24 * HOUR, &limits), Decision::Allowed);
        // Order on record does not matter.
        assert_eq!(
            decide(&[T0 + 2 * HOUR, T0, T0 + HOUR], T0 + 3 * HOUR, &limits),
            Decision::DailyCap {
                next_allowed_ms: T0 + 24 * HOUR
            }
        );
    }

    #[test]
    fn a_restart_in_the_future_counts_as_now() {
        let limits = RestartLimits::default();
        assert_eq!(
            decide(&[T0 + 5 * HOUR], T0, &limits),
            Decision::TooSoon {
                next_allowed_ms: T0 + 10 * MIN
            }
        );
    }

    #[test]
    fn a_cap_of_zero_refuses_every_restart() {
        let limits = RestartLimits {
            period: Duration::ZERO,
            daily_cap: 0,
        };
        assert!(matches!(
            decide(&[], T0, &limits),
            Decision::DailyCap { .. }
        ));
    }

    #[test]
    fn the_record_is_shared_per_gateway_and_refusals_are_not_recorded() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("restarts.json");
        let limits = RestartLimits::default();
        let first = RestartGuard::new(path.clone());
        let second = RestartGuard::new(path.clone());
        assert_eq!(
            first.take("h:4002", &limits, T0).expect("take"),
            Decision::Allowed
        );
        assert_eq!(
            second.take("h:4002", &limits, T0 + MIN).expect("take"),
            Decision::TooSoon {
                next_allowed_ms: T0 + 10 * MIN
            },
            "another process sees the first restart"
        );
        assert_eq!(second.history("h:4002").expect("read"), [T0]);
        assert_eq!(
            second.take("h:4001", &limits, T0 + MIN).expect("take"),
            Decision::Allowed,
            "another Gateway has its own record"
        );
        first.forget("h:4001", T0 + MIN).expect("forget");
        assert!(first.history("h:4001").expect("read").is_empty());
        // A day later the old entries are gone from the file.
        first.take("h:4002", &limits, T0 + 25 * HOUR).expect("take");
        assert_eq!(first.history("h:4002").expect("read"), [T0 + 25 * HOUR]);
    }

    #[test]
    fn a_corrupt_record_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("restarts.json");
        std::fs::write(&path, "{oops").expect("write");
        let err = RestartGuard::new(path)
            .take("h:1", &RestartLimits::default(), T0)
            .expect_err("corrupt");
        assert!(matches!(err, RestartRecordError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains("restarts.json"), "{err}");
    }
}
