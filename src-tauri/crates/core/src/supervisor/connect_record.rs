//! The connect budget shared by every Gateway Doctor process: `connects.json` beside the guardrail latch
//! (in the state folder, config/folders.rs), the times of the recent connects to each Gateway
//! (`host:port`), whoever sent them (the app, `gateway-doctor connect`, a script running
//! `gateway-doctor diagnose --handshake` in a loop).
//!
//! A connect is recorded before it is sent, in one step with the check that it fits the budget, under the
//! cross-process lock `connects.json.lock` (crate::file_lock): two processes can never both take the last
//! connect of a window. The budget is the same rule as the in-memory one (budget.rs `wait_for`) applied to
//! the union of all processes' connects. Times are wall-clock milliseconds (processes share no other
//! clock); one in the future (the clock went back) counts as now, so a clock change can delay a connect by
//! one window at most. Connects older than the longest window are dropped at each write. The file is
//! replaced through a unique temp file, flushed, renamed: a reader sees the old or the new file. A file that
//! is not valid (a crash of the disk, a hand edit) is kept aside as `connects.json.invalid` by the next
//! connect, which starts a new record: the budget is shared again from then on, and nothing is deleted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::budget::{Limits, longest, wait_for};
use crate::file_lock::{FileLock, LockError};

/// The whole file: connect times (Unix ms, oldest first) by `host:port`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Contents {
    connects: BTreeMap<String, Vec<i64>>,
}

/// Why the connect record could not be used (the caller then keeps its own in-memory budget).
#[derive(Debug, thiserror::Error)]
pub enum ConnectRecordError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot read the connect record {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the connect record {path} is not valid ({source}); the next connect keeps it aside and starts a new one"
    )]
    Invalid {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "the connect record {path} was not valid ({source}); it is kept as {aside} and a new record starts \
         with the next connect"
    )]
    SetAside {
        path: PathBuf,
        aside: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("the connect record {path} is not valid and cannot be set aside as {aside}: {source}")]
    SetAsideFailed {
        path: PathBuf,
        aside: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the connect record {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The connect record at one path.
#[derive(Debug, Clone)]
pub struct ConnectRecord {
    path: PathBuf,
}

impl ConnectRecord {
    pub fn new(path: PathBuf) -> ConnectRecord {
        ConnectRecord { path }
    }

    /// The record beside the guardrail latch file at `latch_path` (they live and go together).
    pub fn beside(latch_path: &Path) -> ConnectRecord {
        ConnectRecord::new(latch_path.with_file_name("connects.json"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How long a connect to `key` must wait at `now_ms` to fit `limits`, counting every process's
    /// connects; zero means it fits, and then it is recorded as sent at `now_ms` (send it now). A file that
    /// is not valid is set aside (`SetAside`: this connect goes by the caller's own budget; the next one
    /// starts the new record).
    pub fn take(
        &self,
        key: &str,
        limits: &Limits,
        now_ms: i64,
    ) -> Result<Duration, ConnectRecordError> {
        let _locked = FileLock::take(&self.path)?;
        let mut contents = match self.read() {
            Err(ConnectRecordError::Invalid { path, source }) => {
                let aside = path.with_file_name("connects.json.invalid");
                return Err(match std::fs::rename(&path, &aside) {
                    Ok(()) => ConnectRecordError::SetAside {
                        path,
                        aside,
                        source,
                    },
                    Err(source) => ConnectRecordError::SetAsideFailed {
                        path,
                        aside,
                        source,
                    },
                });
            }
            contents => contents?,
        };
        let wait = wait_in(&contents, key, limits, now_ms);
        if wait.is_zero() {
            contents
                .connects
                .entry(key.to_string())
                .or_default()
                .push(now_ms);
            forget_old(&mut contents, limits, now_ms);
            self.write(&contents)?;
        }
        Ok(wait)
    }

    /// How long a connect to `key` would wait at `now_ms`, without recording anything.
    pub fn wait(
        &self,
        key: &str,
        limits: &Limits,
        now_ms: i64,
    ) -> Result<Duration, ConnectRecordError> {
        Ok(wait_in(&self.read()?, key, limits, now_ms))
    }

    /// The connects to `key` still on record, oldest first (Unix ms).
    pub fn sent(&self, key: &str) -> Result<Vec<i64>, ConnectRecordError> {
        Ok(self.read()?.connects.remove(key).unwrap_or_default())
    }

    fn read(&self) -> Result<Contents, ConnectRecordError> {
        let text = crate::atomic_file::read_if_exists(&self.path).map_err(|source| {
            ConnectRecordError::Read {
                path: self.path.clone(),
                source,
            }
        })?;
        let Some(text) = text else {
            return Ok(Contents::default());
        };
        serde_json::from_str(&text).map_err(|source| ConnectRecordError::Invalid {
            path: self.path.clone(),
            source,
        })
    }

    fn write(&self, contents: &Contents) -> Result<(), ConnectRecordError> {
        let error = |source| ConnectRecordError::Write {
            path: self.path.clone(),
            source,
        };
        let text = serde_json::to_string_pretty(contents).map_err(|e| error(e.into()))?;
        crate::atomic_file::replace(&self.path, text.as_bytes()).map_err(error)
    }
}

/// The wait for one more connect to `key` at `now_ms` under `limits`.
fn wait_in(contents: &Contents, key: &str, limits: &Limits, now_ms: i64) -> Duration {
    let now = since_epoch(now_ms);
    let mut sent: Vec<Duration> = contents
        .connects
        .get(key)
        .map(|times| times.iter().map(|&t| since_epoch(t).min(now)).collect())
        .unwrap_or_default();
    sent.sort();
    wait_for(limits, &sent, now, |t| t.saturating_sub(now))
}

/// Drops connects older than the longest window, and Gateways with none left.
fn forget_old(contents: &mut Contents, limits: &Limits, now_ms: i64) {
    let longest_ms = i64::try_from(longest(limits).as_millis()).unwrap_or(i64::MAX);
    for times in contents.connects.values_mut() {
        times.retain(|&t| now_ms < t.saturating_add(longest_ms));
    }
    contents.connects.retain(|_, times| !times.is_empty());
}

fn since_epoch(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervisor::budget::LIMITS;

    const S: i64 = 1000;

    #[test]
    fn the_seventh_connect_in_20_s_waits_whoever_sent_the_six() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("connects.json");
        let t0 = 1_700_000_000_000;
        // Six connects from six "processes" (each its own handle on the file).
        for i in 0..6 {
            let record = ConnectRecord::new(path.clone());
            assert_eq!(
                record.take("h:1", &LIMITS, t0 + i * S).expect("take"),
                Duration::ZERO,
                "connect {i}"
            );
        }
        let record = ConnectRecord::new(path);
        assert_eq!(
            record.take("h:1", &LIMITS, t0 + 6 * S).expect("take"),
            Duration::from_secs(14)
        );
        assert_eq!(
            record.sent("h:1").expect("read").len(),
            6,
            "a refused connect is not recorded"
        );
        assert_eq!(
            record.wait("h:2", &LIMITS, t0 + 6 * S).expect("read"),
            Duration::ZERO,
            "another Gateway has its own budget"
        );
        assert_eq!(
            record.take("h:1", &LIMITS, t0 + 20 * S).expect("take"),
            Duration::ZERO
        );
    }

    #[test]
    fn a_connect_in_the_future_counts_as_now_so_a_clock_change_delays_one_window_at_most() {
        let dir = tempfile::tempdir().expect("temp dir");
        let record = ConnectRecord::new(dir.path().join("connects.json"));
        let now = 1_700_000_000_000;
        for _ in 0..6 {
            record.take("h:1", &LIMITS, now + 3600 * S).expect("take");
        }
        assert_eq!(
            record.wait("h:1", &LIMITS, now).expect("read"),
            Duration::from_secs(20)
        );
    }

    #[test]
    fn old_connects_are_forgotten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let record = ConnectRecord::new(dir.path().join("connects.json"));
        record.take("old:1", &LIMITS, 0).expect("take");
        record.take("h:1", &LIMITS, 301 * S).expect("take");
        assert!(record.sent("old:1").expect("read").is_empty());
        assert_eq!(record.sent("h:1").expect("read"), vec![301 * S]);
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error_then_kept_aside_and_the_record_starts_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("connects.json");
        let record = ConnectRecord::new(path.clone());
        std::fs::write(&path, "{oops").expect("write");
        let err = record.wait("h:1", &LIMITS, 0).expect_err("corrupt");
        assert!(matches!(err, ConnectRecordError::Invalid { .. }), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("still there"),
            "{oops",
            "reading changes nothing"
        );

        let err = record.take("h:1", &LIMITS, S).expect_err("corrupt");
        let aside = dir.path().join("connects.json.invalid");
        assert!(matches!(err, ConnectRecordError::SetAside { .. }), "{err}");
        assert!(
            err.to_string().contains(&aside.display().to_string()),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&aside).expect("kept aside"),
            "{oops",
            "nothing is lost"
        );
        assert!(
            record.sent("h:1").expect("read").is_empty(),
            "that connect went by the caller's budget"
        );

        assert_eq!(
            record.take("h:1", &LIMITS, 2 * S).expect("take"),
            Duration::ZERO
        );
        assert_eq!(
            record.sent("h:1").expect("read"),
            vec![2 * S],
            "the record is shared again"
        );
    }

    /// Set in the child this test binary starts for the test below: the file it records to.
    const CHILD_PATH: &str = "GATEWAY_DOCTOR_TEST_CONNECTS_CHILD";
    const TAKES: usize = 15;
    /// Room for every connect of the test below, so none is refused and every one must be on record.
    const ROOMY: Limits = [
        (Duration::from_secs(20), 1000),
        (Duration::from_secs(300), 1000),
    ];

    fn take_many(record: &ConnectRecord) {
        for _ in 0..TAKES {
            let wait = record.take("h:1", &ROOMY, crate::now_ms()).expect("take");
            assert!(wait.is_zero());
        }
    }

    /// The child's half of the test below (does nothing when run on its own).
    #[test]
    fn connect_record_child() {
        if let Some(path) = std::env::var_os(CHILD_PATH) {
            take_many(&ConnectRecord::new(PathBuf::from(path)));
        }
    }

    #[test]
    fn threads_and_another_process_recording_at_once_lose_no_connect() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("connects.json");
        let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "supervisor::connect_record::tests::connect_record_child",
            ])
            .env(CHILD_PATH, &path)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn the child");
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let record = ConnectRecord::new(path.clone());
                std::thread::spawn(move || take_many(&record))
            })
            .collect();
        for thread in threads {
            thread.join().expect("recording thread");
        }
        assert!(child.wait().expect("child").success(), "the child failed");
        let sent = ConnectRecord::new(path).sent("h:1").expect("read");
        assert_eq!(sent.len(), 4 * TAKES, "connects were lost: {sent:?}");
    }
}
