//! The settings file: a JSON object in the platform's settings folder (config/folders.rs).
//!
//! Every change is a read-modify-write done under two locks: a process-wide mutex (threads of one app) and
//! the advisory lock on `settings.json.lock` beside the file (file_lock.rs: the app and the CLI, or two
//! apps), so two saves at once never lose each other's keys. The file is replaced atomically
//! (atomic_file.rs): a crash leaves either the old file or the new one, never half of one. Keys this
//! version does not know are kept, so a newer or older Gateway Doctor sharing the file loses nothing.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value};

use super::load::InputError;
use crate::file_lock::FileLock;

/// Serialises saves between the threads of this process (the file lock does it between processes).
static SAVE_LOCK: Mutex<()> = Mutex::new(());

/// `settings.json` in this user's settings folder (config/folders.rs): ~/.config/gateway-doctor on Linux,
/// ~/Library/Application Support/app.gatewaydoctor.desktop on macOS, %APPDATA%\app.gatewaydoctor.desktop on
/// Windows. None when the platform reports no such folder.
pub fn default_settings_path() -> Option<PathBuf> {
    super::folders::this_settings_dir().map(|dir| dir.join("settings.json"))
}

pub(super) fn read_settings(path: &Path) -> Result<Map<String, Value>, InputError> {
    let text = std::fs::read_to_string(path).map_err(|source| InputError::Read {
        path: path.into(),
        source,
    })?;
    parse_settings(path, &text)
}

fn parse_settings(path: &Path, text: &str) -> Result<Map<String, Value>, InputError> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(InputError::Settings {
            path: path.into(),
            message: "the top level is not an object: it must start with { and end with }".into(),
            line: None,
            column: None,
        }),
        Err(e) => Err(InputError::Settings {
            path: path.into(),
            message: e.to_string(),
            line: Some(e.line()),
            column: Some(e.column()),
        }),
    }
}

/// Why the settings file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Read(#[from] InputError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Applies `changes` (a `null` removes the key) to the file at `path`, keeping every other key, atomically
/// and serialised with every other save (see the module doc).
pub fn write_settings(path: &Path, changes: &Map<String, Value>) -> Result<(), WriteError> {
    let _locked = SaveLock::take(path)?;
    let mut current = if path.is_file() {
        read_settings(path)?
    } else {
        Map::new()
    };
    for (key, value) in changes {
        if value.is_null() {
            current.remove(key);
        } else {
            current.insert(key.clone(), value.clone());
        }
    }
    replace_file(path, &current)
}

/// Resets the file to defaults (an empty object). The old file, if there is one, is first copied to
/// `settings.json.bak-<UTC timestamp>` beside it, whose path is returned (None: there was no file).
pub fn reset_settings(path: &Path) -> Result<Option<PathBuf>, WriteError> {
    let _locked = SaveLock::take(path)?;
    let backup = if path.is_file() {
        let stamp = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let name = format!("{}.bak-{stamp}", file_name(path));
        let mut backup = path.with_file_name(&name);
        // Two resets in one second keep both backups.
        let mut n = 1;
        while backup.exists() {
            n += 1;
            backup = path.with_file_name(format!("{name}-{n}"));
        }
        std::fs::copy(path, &backup).map_err(|source| WriteError::Write {
            path: backup.clone(),
            source,
        })?;
        Some(backup)
    } else {
        None
    };
    replace_file(path, &Map::new())?;
    Ok(backup)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || "settings.json".into(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Both save locks, held until dropped (the file lock is released when its file closes).
struct SaveLock {
    _process: MutexGuard<'static, ()>,
    _file: FileLock,
}

impl SaveLock {
    fn take(path: &Path) -> Result<SaveLock, WriteError> {
        let process = SAVE_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
        let file = FileLock::take(path).map_err(|e| WriteError::Write {
            path: e.path,
            source: e.source,
        })?;
        Ok(SaveLock {
            _process: process,
            _file: file,
        })
    }
}

/// Writes `map` to a unique temp file beside `path`, flushes it, renames it over `path`, flushes the
/// directory. Call with the save locks held.
fn replace_file(path: &Path, map: &Map<String, Value>) -> Result<(), WriteError> {
    let io = |source| WriteError::Write {
        path: path.into(),
        source,
    };
    let mut text = serde_json::to_string_pretty(&Value::Object(map.clone()))
        .map_err(|e| io(std::io::Error::other(e)))?;
    text.push('\n');
    crate::atomic_file::replace(path, text.as_bytes()).map_err(io)
}
