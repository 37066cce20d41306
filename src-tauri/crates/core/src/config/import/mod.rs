//! Settings from the trading program: the `.env` file in the trader's trading-program folder names where
//! IB Gateway is (IBKR_HOST, IBKR_PORT) and how patient to be with it. The app started from the desktop has
//! no working folder, so it never finds that file by itself; the trader points at it once.
//!
//! The values are COPIED into the settings file, with a record of the copy (`imported_env`: the file's path,
//! the values taken, the program's client id, when). Copied rather than re-read at every start: a file
//! that later moves, breaks or changes never silently changes the settings; "Import again" re-reads it on
//! purpose. A copied value shows "imported from PATH" while it still equals what was copied (config/load.rs),
//! and a value the trader changes afterwards is simply a saved setting again. Older versions keep the
//! record untouched (config/file.rs keeps keys it does not know).
//!
//! Never taken: IBKR_CLIENT_ID is the trading PROGRAM's client id; Gateway Doctor using the same one would
//! knock the program off the Gateway (config/keys.rs), so it is only remembered, to warn about a clash and
//! to steer "Use another client id" away from it. IBKR_READONLY and IBKR_FORCE_DISCONNECT describe how that
//! program treats its own session, not Gateway Doctor's.
//!
//! A file that is missing, unreadable, not `NAME=value` lines, without any IBKR_ value, or with a value out
//! of range is refused with a specific error and nothing is changed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

use super::keys::{CLIENT_ID_RANGE, Key, SettingValue, pick_client_id};
use super::load::{InputError, InvalidValue, Source, read_dotenv};

/// The settings file's key for the record of the last import.
pub const IMPORT_RECORD_KEY: &str = "imported_env";

/// What is taken from the program's `.env`: where IB Gateway is, and how patient to be with it.
pub const IMPORTED_KEYS: [Key; 6] = [
    Key::Host,
    Key::Port,
    Key::Timeout,
    Key::MaxTimeouts,
    Key::HeartbeatInterval,
    Key::StableAfter,
];

/// A checked trading-program `.env`.
#[derive(Debug, Clone, PartialEq)]
pub struct TradingEnv {
    pub path: PathBuf,
    /// The values to copy, in [`IMPORTED_KEYS`] order.
    pub values: Vec<(Key, SettingValue)>,
    /// The program's own client id (IBKR_CLIENT_ID), never copied.
    pub program_client_id: Option<i64>,
    /// Variables present but not taken, with why, for the result message.
    pub left_out: Vec<String>,
}

/// Why a `.env` could not be imported. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "{given:?} is not a full path: give the whole path of the trading program's .env file, such as /home/you/trading-bot/.env"
    )]
    NotAbsolute { given: String },
    #[error(
        "there is no file {path}: check the folder of your trading program and the file's name (.env)"
    )]
    Missing { path: PathBuf },
    #[error("{path} is a folder: give the .env file inside it")]
    NotAFile { path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}{} is not a NAME=value line: {message}", .line.map_or(String::new(), |n| format!(" line {n}")))]
    Malformed {
        path: PathBuf,
        /// The bad line, from 1, when it could be found.
        line: Option<usize>,
        message: String,
    },
    #[error(
        "{path} sets none of IBKR_HOST, IBKR_PORT, IBKR_TIMEOUT, IBKR_MAX_TIMEOUTS, IBKR_HEARTBEAT_INTERVAL or IBKR_STABLE_SECS: is it your trading program's settings file?"
    )]
    NothingToImport { path: PathBuf },
    #[error("{path} has values Gateway Doctor cannot use, so nothing was imported: {}", .invalid.iter().map(|v| v.message.as_str()).collect::<Vec<_>>().join("; "))]
    BadValues {
        path: PathBuf,
        invalid: Vec<InvalidValue>,
    },
}

/// Why a trading program's `.env` was not imported, as the UI branches on it (SCREAMING_SNAKE_CASE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportErrorCode {
    EnvPathNotFull,
    EnvNotFound,
    EnvNotAFile,
    EnvUnreadable,
    EnvMalformed,
    EnvNothingToImport,
    EnvBadValues,
}

impl ImportErrorCode {
    pub const ALL: [ImportErrorCode; 7] = [
        ImportErrorCode::EnvPathNotFull,
        ImportErrorCode::EnvNotFound,
        ImportErrorCode::EnvNotAFile,
        ImportErrorCode::EnvUnreadable,
        ImportErrorCode::EnvMalformed,
        ImportErrorCode::EnvNothingToImport,
        ImportErrorCode::EnvBadValues,
    ];
}

impl ImportError {
    /// Stable code for the app's error answer.
    pub fn code(&self) -> ImportErrorCode {
        match self {
            ImportError::NotAbsolute { .. } => ImportErrorCode::EnvPathNotFull,
            ImportError::Missing { .. } => ImportErrorCode::EnvNotFound,
            ImportError::NotAFile { .. } => ImportErrorCode::EnvNotAFile,
            ImportError::Unreadable { .. } => ImportErrorCode::EnvUnreadable,
            ImportError::Malformed { .. } => ImportErrorCode::EnvMalformed,
            ImportError::NothingToImport { .. } => ImportErrorCode::EnvNothingToImport,
            ImportError::BadValues { .. } => ImportErrorCode::EnvBadValues,
        }
    }

    /// The bad values, for inline messages.
    pub fn invalid(&self) -> &[InvalidValue] {
        match self {
            ImportError::BadValues { invalid, .. } => invalid,
            _ => &[],
        }
    }
}

/// The path as the trader typed it: trimmed, surrounding quotes dropped (a copied path often has them),
/// `~/` as the home folder; it must then be absolute (the app has no working folder to be relative to).
pub fn trading_env_path(given: &str, home: Option<&Path>) -> Result<PathBuf, ImportError> {
    let text = given.trim().trim_matches(|c| c == '"' || c == '\'');
    let path = match (text.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(text),
    };
    if text.is_empty() || !path.is_absolute() {
        return Err(ImportError::NotAbsolute {
            given: given.to_string(),
        });
    }
    Ok(path)
}

/// Reads and checks the trading program's `.env` at `path` (see the module doc for what is taken).
pub fn read_trading_env(path: &Path) -> Result<TradingEnv, ImportError> {
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ImportError::Missing { path: path.into() },
        _ => ImportError::Unreadable {
            path: path.into(),
            source,
        },
    })?;
    if meta.is_dir() {
        return Err(ImportError::NotAFile { path: path.into() });
    }
    let vars = read_dotenv(path).map_err(|e| match e {
        InputError::Read { path, source } => ImportError::Unreadable { path, source },
        InputError::DotEnv { path, message } => ImportError::Malformed {
            line: bad_line(&path, &message),
            path,
            message,
        },
        InputError::Settings { path, message, .. } => ImportError::Malformed {
            path,
            line: None,
            message,
        },
    })?;
    let source = Source::DotEnv { path: path.into() };
    let mut invalid = Vec::new();
    let mut values = Vec::new();
    for key in IMPORTED_KEYS {
        let Some(given) = vars.get(key.env_var()) else {
            continue;
        };
        match key.parse_text(given) {
            Ok(value) => values.push((key, value)),
            Err(reason) => invalid.push(InvalidValue {
                key,
                message: format!("{} {reason}", source.describe(key, given)),
                source: source.clone(),
            }),
        }
    }
    let program_client_id = match vars.get(Key::ClientId.env_var()) {
        None => None,
        Some(given) => match given.trim().parse::<i64>() {
            Ok(id) if CLIENT_ID_RANGE.contains(&id) => Some(id),
            _ => {
                invalid.push(InvalidValue {
                    key: Key::ClientId,
                    message: format!(
                        "{} is not a client id: use 0-2147483647",
                        source.describe(Key::ClientId, given)
                    ),
                    source: source.clone(),
                });
                None
            }
        },
    };
    if !invalid.is_empty() {
        return Err(ImportError::BadValues {
            path: path.into(),
            invalid,
        });
    }
    if values.is_empty() {
        return Err(ImportError::NothingToImport { path: path.into() });
    }
    let mut left_out = Vec::new();
    if let Some(id) = program_client_id {
        left_out.push(format!(
            "IBKR_CLIENT_ID={id} is your trading program's own client id: Gateway Doctor keeps a different one"
        ));
    }
    for key in [Key::Readonly, Key::ForceDisconnect] {
        if vars.contains_key(key.env_var()) {
            left_out.push(format!(
                "{} is how your trading program treats its own session, not Gateway Doctor's",
                key.env_var()
            ));
        }
    }
    Ok(TradingEnv {
        path: path.into(),
        values,
        program_client_id,
        left_out,
    })
}

/// The line (from 1) dotenvy's message quotes, found in the file again.
fn bad_line(path: &Path, message: &str) -> Option<usize> {
    // dotenvy: "Error parsing line: 'TEXT', error at line index: N".
    let quoted = message.split_once('\'')?.1.rsplit_once('\'')?.0;
    let first = quoted.lines().next()?.trim();
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .position(|l| !first.is_empty() && l.trim() == first)
        .map(|i| i + 1)
}

/// The settings-file changes that copy `env` in at `at`: each value under its name, and the record.
pub fn import_changes(env: &TradingEnv, at: jiff::Timestamp) -> Map<String, Value> {
    let mut changes = Map::new();
    let mut taken = Map::new();
    for (key, value) in &env.values {
        let json = serde_json::to_value(value).unwrap_or(Value::Null);
        changes.insert(key.name().into(), json.clone());
        taken.insert(key.name().into(), json);
    }
    let record = ImportRecord {
        path: env.path.clone(),
        values: taken,
        program_client_id: env.program_client_id,
        at: Some(at.to_string()),
    };
    changes.insert(
        IMPORT_RECORD_KEY.into(),
        serde_json::to_value(record).unwrap_or(Value::Null),
    );
    changes
}

/// The record of the last import, as kept in the settings file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRecord {
    pub path: PathBuf,
    #[serde(default)]
    pub values: Map<String, Value>,
    #[serde(default)]
    pub program_client_id: Option<i64>,
    /// When, as an RFC 3339 UTC time.
    #[serde(default)]
    pub at: Option<String>,
}

impl ImportRecord {
    /// The record in a settings-file object; `None` when there is none or it is not one (then every value
    /// simply shows as the settings file's).
    pub fn of(settings: &Map<String, Value>) -> Option<ImportRecord> {
        serde_json::from_value(settings.get(IMPORT_RECORD_KEY)?.clone()).ok()
    }

    /// The value copied for `key`, checked as the settings file's would be.
    pub fn imported(&self, key: Key) -> Option<SettingValue> {
        key.parse_json(self.values.get(key.name())?).ok()
    }
}

/// The trading program the settings were imported from, for Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TradingProgram {
    /// Its `.env` file.
    pub path: String,
    /// Its own client id (IBKR_CLIENT_ID in that file), if it sets one.
    pub client_id: Option<i64>,
    /// When the values were copied (RFC 3339, UTC).
    pub imported_at: Option<String>,
    /// Gateway Doctor's client id is the program's: a warning and a free one to use instead.
    pub clash: Option<ClientIdClash>,
}

/// Gateway Doctor and the trading program would use one client id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ClientIdClash {
    pub client_id: i64,
    /// A spare client id to use instead (null: every spare one is taken).
    pub suggested: Option<i64>,
    /// The warning in words.
    pub message: String,
}

impl TradingProgram {
    /// The program recorded in the settings file `settings`, and whether `our_client_id` clashes with its.
    pub fn of(settings: &Map<String, Value>, our_client_id: Option<i64>) -> Option<TradingProgram> {
        let record = ImportRecord::of(settings)?;
        let clash = match (our_client_id, record.program_client_id) {
            (Some(ours), Some(theirs)) if ours == theirs => Some(clash(ours, &record.path)),
            _ => None,
        };
        Some(TradingProgram {
            path: record.path.display().to_string(),
            client_id: record.program_client_id,
            imported_at: record.at,
            clash,
        })
    }
}

fn clash(id: i64, path: &Path) -> ClientIdClash {
    let suggested = pick_client_id(id, &BTreeSet::from([id]));
    let instead = suggested.map_or_else(
        || "choose another client id for Gateway Doctor".to_string(),
        |s| format!("use client id {s} for Gateway Doctor instead"),
    );
    ClientIdClash {
        client_id: id,
        suggested,
        message: format!(
            "Your trading program uses client id {id} too (IBKR_CLIENT_ID in {}). Two programs with one client id push each other off IB Gateway: {instead}.",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests;
