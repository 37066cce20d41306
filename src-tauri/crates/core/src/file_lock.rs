//! A cross-process lock beside a file: every read-modify-write of a file that several Gateway Doctor
//! processes share (the settings, the guardrail latch, the connect record) holds it, so two writers at once
//! never lose each other's entries.
//!
//! The lock is an advisory lock (std's `File::lock`: flock on Unix, LockFileEx on Windows) on
//! `<file name>.lock` beside the file, created when missing and never removed (removing it would let a
//! waiting process lock a file nobody else sees any more). It is held until the guard is dropped; the
//! operating system releases it when the process ends, even a crashed one. Each `take` opens the lock file
//! anew, and such locks exclude each other within one process too, so threads need no extra mutex.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// The lock of one file, held until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
#[error("cannot lock {path}: {source}")]
pub struct LockError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl FileLock {
    /// Waits for and takes the lock of `path` (its folder is created when missing).
    pub fn take(path: &Path) -> Result<FileLock, LockError> {
        let lock_path = lock_path(path);
        let error = |source| LockError {
            path: lock_path.clone(),
            source,
        };
        let dir = path
            .parent()
            .ok_or_else(|| error(std::io::Error::other("the path has no folder")))?;
        std::fs::create_dir_all(dir).map_err(error)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(error)?;
        file.lock().map_err(error)?;
        Ok(FileLock { _file: file })
    }
}

/// `<file name>.lock` beside `path`.
pub fn lock_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!("{name}.lock"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, mpsc};
    use std::time::Duration;

    #[test]
    fn a_second_taker_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("new").join("data.json");
        let first = FileLock::take(&path).expect("lock");
        assert!(dir.path().join("new").join("data.json.lock").is_file());
        let released = Arc::new(AtomicBool::new(false));
        let (took, taken) = mpsc::channel();
        let thread = {
            let (path, released) = (path.clone(), released.clone());
            std::thread::spawn(move || {
                let _second = FileLock::take(&path).expect("lock");
                took.send(released.load(Ordering::SeqCst)).expect("send");
            })
        };
        // Still waiting while the first holds it (a channel with nothing in it is not a timing assert:
        // a lock that did not exclude would have sent `false` by now or later; both fail below).
        assert!(taken.recv_timeout(Duration::from_millis(200)).is_err());
        released.store(true, Ordering::SeqCst);
        drop(first);
        assert!(
            taken.recv().expect("the second taker got the lock"),
            "the second taker got the lock only after the first let go"
        );
        thread.join().expect("thread");
    }

    #[test]
    fn a_path_without_a_folder_is_a_clear_error() {
        let err = FileLock::take(Path::new("/")).expect_err("no folder");
        assert!(err.to_string().contains("cannot lock"), "{err}");
    }
}
