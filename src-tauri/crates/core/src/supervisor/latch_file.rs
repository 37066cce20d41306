//! The guardrail latch on disk: `guardrail.json` in the state folder (beside the settings except on Windows;
//! config/folders.rs).
//!
//! One entry per Gateway address (`host:port`), recording the Gateway's listening socket as it was when
//! the guardrail tripped (its inode: a restarted Gateway listens on a new socket), when, and why. A
//! supervisor that starts (the app, `gateway-doctor connect`) reads its entry and starts latched while the
//! same listener is there, so a restart of Gateway Doctor spends no handshake on an API layer already seen
//! dead. A different listener, or none, means the Gateway restarted: the entry is stale and is removed.
//!
//! Every change is a read-modify-write under the cross-process lock `guardrail.json.lock`
//! (crate::file_lock), so two processes latching two Gateways at once keep both entries. Writes go through
//! a temp file with a name no other process or thread uses, are flushed to disk, then renamed over the
//! file: a reader sees the old file or the new one, never half of one (reads need no lock).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gateway_proto::ErrorBody;
use serde::{Deserialize, Serialize};

use crate::file_lock::{FileLock, LockError};

/// `guardrail.json` in this user's state folder (config/folders.rs): ~/.config/gateway-doctor on Linux,
/// ~/Library/Application Support/app.gatewaydoctor.desktop on macOS, %LOCALAPPDATA%\app.gatewaydoctor.desktop
/// on Windows (the latch names this computer's Gateway, so it does not roam). None when there is no such folder.
pub fn default_latch_path() -> Option<PathBuf> {
    crate::config::folders::this_state_dir().map(|dir| dir.join("guardrail.json"))
}

/// One tripped guardrail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatchRecord {
    /// Inode of the Gateway's listening socket when the guardrail tripped (None: none was seen).
    pub listener_inode: Option<u64>,
    pub latched_at_ms: i64,
    /// What the trader was told.
    pub reason: ErrorBody,
}

/// The whole file: entries by `host:port`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Contents {
    latches: BTreeMap<String, LatchRecord>,
}

/// Why the latch file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LatchFileError {
    #[error("cannot read the guardrail file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the guardrail file {path} is not valid: {source}")]
    Invalid {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot write the guardrail file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The latch file at one path.
#[derive(Debug, Clone)]
pub struct LatchFile {
    path: PathBuf,
}

impl LatchFile {
    pub fn new(path: PathBuf) -> LatchFile {
        LatchFile { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The key of a Gateway address.
    pub fn key(host: &str, port: u16) -> String {
        format!("{host}:{port}")
    }

    /// The entry for `key`, if any. A missing file has none.
    pub fn get(&self, key: &str) -> Result<Option<LatchRecord>, LatchFileError> {
        Ok(self.read()?.latches.remove(key))
    }

    /// Records (or replaces) the entry for `key`.
    pub fn set(&self, key: &str, record: LatchRecord) -> Result<(), LatchFileError> {
        let _locked = FileLock::take(&self.path)?;
        // A corrupt file is replaced rather than kept: it holds nothing we could honour.
        let mut contents = self.read().unwrap_or_default();
        contents.latches.insert(key.to_string(), record);
        self.write(&contents)
    }

    /// Removes the entry for `key`; the file goes when it holds no entry.
    pub fn remove(&self, key: &str) -> Result<(), LatchFileError> {
        let _locked = FileLock::take(&self.path)?;
        let mut contents = match self.read() {
            Ok(contents) => contents,
            Err(LatchFileError::Invalid { .. }) => Contents::default(),
            Err(e) => return Err(e),
        };
        let removed = contents.latches.remove(key).is_some();
        if contents.latches.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(source) => Err(LatchFileError::Write {
                    path: self.path.clone(),
                    source,
                }),
            };
        }
        if !removed {
            return Ok(());
        }
        self.write(&contents)
    }

    fn read(&self) -> Result<Contents, LatchFileError> {
        let text = crate::atomic_file::read_if_exists(&self.path).map_err(|source| {
            LatchFileError::Read {
                path: self.path.clone(),
                source,
            }
        })?;
        let Some(text) = text else {
            return Ok(Contents::default());
        };
        serde_json::from_str(&text).map_err(|source| LatchFileError::Invalid {
            path: self.path.clone(),
            source,
        })
    }

    fn write(&self, contents: &Contents) -> Result<(), LatchFileError> {
        let error = |source| LatchFileError::Write {
            path: self.path.clone(),
            source,
        };
        let text = serde_json::to_string_pretty(contents).map_err(|e| error(e.into()))?;
        crate::atomic_file::replace(&self.path, text.as_bytes()).map_err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_proto::ErrorCode;

    fn record(inode: u64) -> LatchRecord {
        LatchRecord {
            listener_inode: Some(inode),
            latched_at_ms: 1,
            reason: ErrorBody::new(ErrorCode::GatewayUnresponsive, "dead"),
        }
    }

    #[test]
    fn entries_are_kept_by_address_and_removed_one_by_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = LatchFile::new(dir.path().join("sub").join("guardrail.json"));
        assert_eq!(
            file.get("127.0.0.1:4002").expect("no file is no entry"),
            None
        );
        file.set("127.0.0.1:4002", record(7)).expect("write");
        file.set("127.0.0.1:4001", record(8)).expect("write");
        assert_eq!(file.get("127.0.0.1:4002").expect("read"), Some(record(7)));
        file.remove("127.0.0.1:4002").expect("remove");
        assert_eq!(file.get("127.0.0.1:4002").expect("read"), None);
        assert_eq!(file.get("127.0.0.1:4001").expect("read"), Some(record(8)));
        file.remove("127.0.0.1:4001").expect("remove");
        assert!(!file.path().exists(), "an empty file is removed");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .filter(|name| name != "guardrail.json.lock")
            .collect();
        assert!(leftovers.is_empty(), "no temp files left: {leftovers:?}");
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error_and_is_replaced_by_the_next_latch() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("guardrail.json");
        std::fs::write(&path, "{not json").expect("write");
        let file = LatchFile::new(path);
        let err = file.get("h:1").expect_err("corrupt");
        assert!(matches!(err, LatchFileError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains("guardrail.json"), "{err}");
        file.set("h:1", record(3)).expect("write over it");
        assert_eq!(file.get("h:1").expect("read"), Some(record(3)));
    }

    /// Set in the child this test binary starts for the test below: the file it writes to.
    const CHILD_PATH: &str = "GATEWAY_DOCTOR_TEST_LATCH_CHILD";
    const WRITES: usize = 15;

    fn write_entries(file: &LatchFile, who: &str) {
        for i in 0..WRITES {
            file.set(&format!("{who}:{i}"), record(i as u64))
                .expect("write");
        }
    }

    /// The child's half of the test below (does nothing when run on its own).
    #[test]
    fn latch_writer_child() {
        if let Some(path) = std::env::var_os(CHILD_PATH) {
            write_entries(&LatchFile::new(PathBuf::from(path)), "child");
        }
    }

    #[test]
    fn threads_and_another_process_latching_at_once_lose_no_entry() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("guardrail.json");
        let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "supervisor::latch_file::tests::latch_writer_child",
            ])
            .env(CHILD_PATH, &path)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn the child writer");
        let threads: Vec<_> = (0..3)
            .map(|t| {
                let file = LatchFile::new(path.clone());
                std::thread::spawn(move || write_entries(&file, &format!("thread{t}")))
            })
            .collect();
        for thread in threads {
            thread.join().expect("writer thread");
        }
        assert!(
            child.wait().expect("child").success(),
            "the child writer failed"
        );
        let file = LatchFile::new(path);
        for who in ["child", "thread0", "thread1", "thread2"] {
            for i in 0..WRITES {
                assert_eq!(
                    file.get(&format!("{who}:{i}")).expect("read"),
                    Some(record(i as u64)),
                    "{who}:{i} was lost"
                );
            }
        }
    }
}
