//! The settings file: a JSON object in the platform config directory. Writes are atomic (a temp file in
//! the same directory, flushed, then renamed over the old one) and keep keys this version does not know,
//! so a newer or older Gateway Doctor sharing the file loses nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::load::InputError;

/// `<config dir>/gateway-doctor/settings.json` (e.g. ~/.config/gateway-doctor/settings.json on Linux).
pub fn default_settings_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("gateway-doctor").join("settings.json"))
}

pub(super) fn read_settings(path: &Path) -> Result<Map<String, Value>, InputError> {
    let text = std::fs::read_to_string(path).map_err(|source| InputError::Read {
        path: path.into(),
        source,
    })?;
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(InputError::Settings {
            path: path.into(),
            message: "the top level is not an object".into(),
        }),
        Err(e) => Err(InputError::Settings {
            path: path.into(),
            message: e.to_string(),
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

/// Applies `changes` (a `null` removes the key) to the file at `path`, keeping every other key, atomically.
pub fn write_settings(path: &Path, changes: &Map<String, Value>) -> Result<(), WriteError> {
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
    let io = |source| WriteError::Write {
        path: path.into(),
        source,
    };
    let dir = path
        .parent()
        .ok_or_else(|| io(std::io::Error::other("the settings path has no directory")))?;
    std::fs::create_dir_all(dir).map_err(io)?;
    let text = serde_json::to_string_pretty(&Value::Object(current))
        .map_err(|e| io(std::io::Error::other(e)))?;
    let tmp = dir.join(format!(".settings.json.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
