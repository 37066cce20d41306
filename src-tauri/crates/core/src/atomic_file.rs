//! Replacing a small file that several Gateway Doctor processes share (the settings, the guardrail latch,
//! the connect record) so that a reader sees either the old or the new contents, never a torn mix, and a
//! crash leaves no half-written file behind.
//!
//! The new contents go to a temp file beside the target whose name is unique per process, per write and per
//! random draw, created exclusively (O_EXCL: a leftover or someone else's temp file is never written
//! through), flushed to disk, then renamed over the target; the folder is flushed so the rename lasts too.
//! Callers hold the file's lock (file_lock.rs) around their read-modify-write.

use std::collections::hash_map::RandomState;
use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `contents` (its folder is created when missing).
pub fn replace(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("the path has no folder"))?;
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(temp_name(path));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// The file's text, or `None` when there is no such file.
pub fn read_if_exists(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// `.<name>.<pid>.<n>.<random>.tmp`.
fn temp_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(
        ".{name}.{}.{}.{:016x}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed),
        RandomState::new().build_hasher().finish()
    )
}

/// Flushes the folder entry of the rename (Unix; Windows has no folder handles to flush).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_leaves_no_temp_behind() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub").join("state.json");
        assert_eq!(read_if_exists(&path).expect("readable"), None);
        replace(&path, b"{\"a\":1}").expect("first write");
        replace(&path, b"{}").expect("second write");
        assert_eq!(
            read_if_exists(&path).expect("readable").as_deref(),
            Some("{}")
        );
        let names: Vec<_> = std::fs::read_dir(path.parent().expect("folder"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["state.json"], "no temp file is left");
        assert_ne!(temp_name(&path), temp_name(&path));
    }
}
