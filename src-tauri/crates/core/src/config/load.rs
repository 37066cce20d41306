//! Resolving each setting from its sources, highest first: explicit (a CLI flag or the Settings screen) >
//! environment > `.env` in the working directory > the settings file > defaults. Every value keeps where
//! it came from, and every bad value is reported (all of them at once), never replaced by a fallback.
//!
//! Two finer provenances: a settings-file value copied from the trading program's `.env` (config/import/mod.rs)
//! is shown as imported from that file while it still equals what was copied; and the region, when no
//! source sets it, follows the computer's time zone (schedule/mod.rs), shown as such.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};
use ts_rs::TS;

use super::keys::{Key, SettingValue};

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    Explicit,
    Environment {
        var: String,
    },
    DotEnv {
        path: PathBuf,
    },
    SettingsFile {
        path: PathBuf,
    },
    /// Saved in the settings file by "Import from the trading program" from the `.env` at `path`.
    Imported {
        path: PathBuf,
    },
    /// The region of the computer's time zone `zone` (no source sets the region).
    TimeZone {
        zone: String,
    },
    Default,
}

impl Source {
    /// How a value from this source is named in a message: `IBKR_PORT=70000`, `port 70000 in FILE`.
    pub(super) fn describe(&self, key: Key, given: &str) -> String {
        match self {
            Source::Explicit => format!("{} {given}", key.name()),
            Source::Environment { var } => format!("{var}={given}"),
            Source::DotEnv { path } => format!("{}={given} in {}", key.env_var(), path.display()),
            Source::SettingsFile { path } => {
                format!("{} {given} in {}", key.name(), path.display())
            }
            Source::Imported { path } => {
                format!("{} {given} (imported from {})", key.name(), path.display())
            }
            Source::TimeZone { zone } => {
                format!("{} {given} (from the time zone {zone})", key.name())
            }
            Source::Default => format!("the default {} {given}", key.name()),
        }
    }
}

/// A resolved setting and its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Setting {
    pub key: Key,
    pub value: SettingValue,
    pub source: Source,
}

/// One bad value: which setting, from where, and what to do.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct InvalidValue {
    pub key: Key,
    pub source: Source,
    pub message: String,
}

/// The raw inputs, gathered by [`Inputs::gather`] or built by hand in tests.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Explicit overrides by setting name (text, as a flag gives them).
    pub explicit: BTreeMap<Key, String>,
    /// Environment variables by name (only the IBKR_* ones matter).
    pub env: BTreeMap<String, String>,
    /// `.env` in the working directory, if there is one.
    pub dotenv: Option<(PathBuf, BTreeMap<String, String>)>,
    /// The settings file, if there is one.
    pub settings: Option<(PathBuf, Map<String, Value>)>,
    /// The computer's IANA time zone ("Europe/Berlin"), for the region's default; `None` in tests.
    pub time_zone: Option<String>,
}

/// Why the inputs could not even be read (a value being wrong is an [`InvalidValue`] instead).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid .env syntax: {message}")]
    DotEnv { path: PathBuf, message: String },
    /// The settings file is not JSON (`line`/`column` of the first syntax error, from 1) or not an object.
    #[error("{path} is not a JSON object of settings: {message}")]
    Settings {
        path: PathBuf,
        message: String,
        line: Option<usize>,
        column: Option<usize>,
    },
}

impl Inputs {
    /// Reads the process environment, `cwd/.env` and the settings file (either may be absent).
    pub fn gather(
        explicit: BTreeMap<Key, String>,
        cwd: &Path,
        settings_path: Option<&Path>,
    ) -> Result<Inputs, InputError> {
        let env = std::env::vars()
            .filter(|(k, _)| Key::ALL.iter().any(|key| key.env_var() == k))
            .collect();
        let dotenv_path = cwd.join(".env");
        let dotenv = if dotenv_path.is_file() {
            Some((dotenv_path.clone(), read_dotenv(&dotenv_path)?))
        } else {
            None
        };
        let settings = match settings_path {
            Some(path) if path.is_file() => {
                Some((path.to_path_buf(), super::file::read_settings(path)?))
            }
            _ => None,
        };
        Ok(Inputs {
            explicit,
            env,
            dotenv,
            settings,
            time_zone: system_time_zone(),
        })
    }

    /// Like [`Inputs::gather`], but a source that cannot be read (bad `.env` syntax, a settings file that
    /// is not a JSON object, an unreadable file) is left out instead of failing the whole gathering; the
    /// reasons are returned beside the inputs, so a screen can show both the settings and what was skipped.
    pub fn gather_lenient(
        explicit: BTreeMap<Key, String>,
        cwd: &Path,
        settings_path: Option<&Path>,
    ) -> (Inputs, Vec<InputError>) {
        let mut skipped = Vec::new();
        let mut inputs = Inputs::gather(explicit, cwd, None).unwrap_or_else(|e| {
            skipped.push(e);
            Inputs {
                env: std::env::vars()
                    .filter(|(k, _)| Key::ALL.iter().any(|key| key.env_var() == k))
                    .collect(),
                time_zone: system_time_zone(),
                ..Inputs::default()
            }
        });
        inputs.settings = match settings_path {
            Some(path) if path.is_file() => match super::file::read_settings(path) {
                Ok(map) => Some((path.to_path_buf(), map)),
                Err(e) => {
                    skipped.push(e);
                    None
                }
            },
            _ => None,
        };
        (inputs, skipped)
    }

    /// Resolves every setting; `Err` lists every bad value found in any source that would be used.
    pub fn resolve(&self) -> Result<Vec<Setting>, Vec<InvalidValue>> {
        let (settings, invalid) = self.resolve_all();
        if invalid.is_empty() {
            Ok(settings)
        } else {
            Err(invalid)
        }
    }

    /// Every setting that resolved, and every bad value, side by side (for display: a screen shows the
    /// good values even while one is wrong).
    pub fn resolve_all(&self) -> (Vec<Setting>, Vec<InvalidValue>) {
        let mut settings = Vec::new();
        let mut invalid = Vec::new();
        for key in Key::ALL {
            match self.resolve_one(key) {
                Ok(setting) => settings.push(setting),
                Err(bad) => invalid.push(bad),
            }
        }
        (settings, invalid)
    }

    /// The region setting from the computer's time zone, when `key` is the region and the zone names one.
    fn region_of_time_zone(&self, key: Key) -> Option<Setting> {
        let zone = self.time_zone.as_deref().filter(|_| key == Key::Region)?;
        let region = crate::reset_window::Region::of_time_zone(zone)?;
        Some(Setting {
            key,
            value: SettingValue::Text(region.name().into()),
            source: Source::TimeZone { zone: zone.into() },
        })
    }

    fn resolve_one(&self, key: Key) -> Result<Setting, InvalidValue> {
        let text_source = |given: &String, source: Source| {
            let parsed = key.parse_text(given);
            (parsed, source, given.clone())
        };
        let candidate = if let Some(given) = self.explicit.get(&key) {
            Some(text_source(given, Source::Explicit))
        } else if let Some(given) = self.env.get(key.env_var()) {
            Some(text_source(
                given,
                Source::Environment {
                    var: key.env_var().into(),
                },
            ))
        } else if let Some(given) = self
            .dotenv
            .as_ref()
            .and_then(|(path, vars)| vars.get(key.env_var()).map(|v| (path, v)))
        {
            Some(text_source(
                given.1,
                Source::DotEnv {
                    path: given.0.clone(),
                },
            ))
        } else {
            self.settings.as_ref().and_then(|(path, map)| {
                map.get(key.name()).map(|value| {
                    let shown = match value {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let parsed = key.parse_json(value);
                    let source = match (&parsed, super::import::ImportRecord::of(map)) {
                        (Ok(got), Some(record)) if record.imported(key).as_ref() == Some(got) => {
                            Source::Imported { path: record.path }
                        }
                        _ => Source::SettingsFile { path: path.clone() },
                    };
                    (parsed, source, shown)
                })
            })
        };
        match candidate {
            None => Ok(self.region_of_time_zone(key).unwrap_or(Setting {
                key,
                value: key.default_value(),
                source: Source::Default,
            })),
            Some((Ok(value), source, _)) => Ok(Setting { key, value, source }),
            Some((Err(reason), source, given)) => Err(InvalidValue {
                key,
                message: format!("{} {reason}", source.describe(key, &given)),
                source,
            }),
        }
    }
}

/// This computer's IANA time zone name, when the system names one.
fn system_time_zone() -> Option<String> {
    jiff::tz::TimeZone::system().iana_name().map(str::to_string)
}

pub(super) fn read_dotenv(path: &Path) -> Result<BTreeMap<String, String>, InputError> {
    let iter = dotenvy::from_path_iter(path).map_err(|e| match e {
        dotenvy::Error::Io(source) => InputError::Read {
            path: path.to_path_buf(),
            source,
        },
        other => InputError::DotEnv {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    })?;
    let mut vars = BTreeMap::new();
    for item in iter {
        let (k, v) = item.map_err(|e| InputError::DotEnv {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        vars.insert(k, v);
    }
    Ok(vars)
}
