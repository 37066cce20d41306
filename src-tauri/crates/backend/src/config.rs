//! The app's view of the configuration. Sources, highest first: the demo gateway's port and short timeouts
//! while it runs (explicit overrides held in memory, never saved), the environment and `.env` in the working directory (read
//! from the process at each resolution), the settings file (what the Settings screen saves), defaults.
//!
//! [`ConfigStore::save`] checks every change first and writes nothing unless all are valid; then it writes
//! the settings file atomically (gateway-core keeps keys it does not know). A saved value can still be
//! hidden by a higher source (IBKR_PORT in the environment); the view shows which source won.
//!
//! "Import from the trading program" ([`ConfigStore::import_env`]) copies the trading program's `.env`
//! values into the settings file with a record of where they came from (gateway-core's config/import/mod.rs
//! says why a copy and what is taken); the view names that program and warns when its client id is ours.
//! Each resolution also keeps the region and auto-restart time ([`ConfigStore::time_rules`]) for the
//! reset windows and the schedule, which are computed every second without reading any file.
//!
//! A settings file that cannot be read (not JSON, not an object) is never replaced by defaults: every
//! connection setting (host, port, client id) that no higher source gives is reported as unknown, so the
//! configuration is bad (connect refused with BAD_CONFIG) until the file is fixed or reset; the view
//! carries the file's problem with its line and column for the Settings screen.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use gateway_core::config::{
    Config, ImportRecord, InputError, Inputs, InvalidValue, Key, Source, TradingProgram,
    import_changes, read_trading_env, reset_settings, time_rules_of, trading_env_path,
    write_settings,
};
use gateway_core::schedule::TimeRules;
use serde_json::{Map, Value};

use crate::dto::{ConfigView, EnvImport, SettingsFileProblem};
use crate::error::AppError;

/// Handshake timeout and guardrail while the demo gateway runs.
const DEMO_TIMEOUT_S: f64 = 3.0;
const DEMO_MAX_TIMEOUTS: u32 = 2;

/// What a resolution produced: the view for the UI and, when every value is good, the config to use.
pub struct Resolved {
    pub view: ConfigView,
    pub config: Result<Config, Vec<InvalidValue>>,
}

pub struct ConfigStore {
    settings_path: Option<PathBuf>,
    cwd: PathBuf,
    demo_port: Mutex<Option<u16>>,
    /// The region and auto-restart time of the last resolution.
    time_rules: Mutex<TimeRules>,
}

impl ConfigStore {
    pub fn new(settings_path: Option<PathBuf>, cwd: PathBuf) -> ConfigStore {
        ConfigStore {
            settings_path,
            cwd,
            demo_port: Mutex::new(None),
            time_rules: Mutex::new(TimeRules::default()),
        }
    }

    /// Points the session at the demo gateway's port (`Some`) or back at the configured one (`None`).
    pub fn set_demo_port(&self, port: Option<u16>) {
        *self
            .demo_port
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = port;
    }

    fn demo_port(&self) -> Option<u16> {
        *self
            .demo_port
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads every source now and resolves every setting.
    pub fn resolve(&self) -> Resolved {
        let demo_port = self.demo_port();
        // The demo gateway answers in microseconds: short handshake timeouts let "freeze the API" show the
        // guardrail within seconds instead of the real Gateway's 3 x 30 s.
        let explicit: BTreeMap<Key, String> = demo_port
            .map(|port| {
                [
                    (Key::Port, port.to_string()),
                    (Key::Timeout, DEMO_TIMEOUT_S.to_string()),
                    (Key::MaxTimeouts, DEMO_MAX_TIMEOUTS.to_string()),
                ]
            })
            .into_iter()
            .flatten()
            .collect();
        let (inputs, skipped) =
            Inputs::gather_lenient(explicit, &self.cwd, self.settings_path.as_deref());
        let (mut settings, mut errors) = inputs.resolve_all();
        let file_problem = skipped.iter().find_map(file_problem);
        if let Some(problem) = &file_problem {
            // What the unreadable file said about these is unknown: a default would be a guess.
            let unknown: Vec<InvalidValue> = settings
                .iter()
                .filter(|s| {
                    s.source == Source::Default
                        && matches!(s.key, Key::Host | Key::Port | Key::ClientId)
                })
                .map(|s| InvalidValue {
                    key: s.key,
                    source: Source::SettingsFile {
                        path: PathBuf::from(&problem.path),
                    },
                    message: format!(
                        "{} is unknown: {} cannot be read ({}); fix the file or reset the settings to defaults",
                        s.key.name(),
                        problem.path,
                        problem.message
                    ),
                })
                .collect();
            settings.retain(|s| !unknown.iter().any(|u| u.key == s.key));
            errors.extend(unknown);
            errors.sort_by_key(|e| e.key);
        }
        let config = if errors.is_empty() {
            Config::resolve(&inputs)
        } else {
            Err(errors.clone())
        };
        *self
            .time_rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = time_rules_of(&settings);
        let our_client_id = settings
            .iter()
            .find(|s| s.key == Key::ClientId)
            .and_then(|s| match s.value {
                gateway_core::config::SettingValue::Int(id) => Some(id),
                _ => None,
            });
        let trading_program = inputs
            .settings
            .as_ref()
            .and_then(|(_, map)| TradingProgram::of(map, our_client_id));
        Resolved {
            view: ConfigView {
                settings,
                errors,
                skipped: skipped.iter().map(ToString::to_string).collect(),
                settings_path: self.settings_path.as_ref().map(|p| p.display().to_string()),
                demo_port,
                file_problem,
                applies_at_next_connect: false,
                trading_program,
            },
            config,
        }
    }

    /// Checks `changes` (setting name -> value, null removes it) and writes them to the settings file; on
    /// any bad value or unknown name nothing is written.
    pub fn save(&self, changes: &Map<String, Value>) -> Result<Resolved, AppError> {
        let mut invalid = Vec::new();
        for (name, value) in changes {
            let key = Key::from_name(name).ok_or_else(|| AppError::UnknownSetting(name.clone()))?;
            if value.is_null() {
                continue;
            }
            if let Err(reason) = key.parse_json(value) {
                let shown = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                invalid.push(InvalidValue {
                    key,
                    source: Source::Explicit,
                    message: format!("{} {shown} {reason}", key.name()),
                });
            }
        }
        if !invalid.is_empty() {
            return Err(AppError::BadConfig(invalid));
        }
        let path = self.settings_path.as_ref().ok_or_else(|| {
            AppError::SettingsWrite(
                "this computer has no settings folder for Gateway Doctor".into(),
            )
        })?;
        write_settings(path, changes).map_err(|e| AppError::SettingsWrite(e.to_string()))?;
        Ok(self.resolve())
    }

    /// The region and auto-restart time as last resolved (any resolution: start-up, a save, Settings
    /// opening), for the reset windows and the schedule.
    pub fn time_rules(&self) -> TimeRules {
        *self
            .time_rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The trading program's own client id, as recorded at the last import.
    pub fn program_client_id(&self) -> Option<i64> {
        let path = self.settings_path.as_ref()?;
        let (inputs, _) = Inputs::gather_lenient(BTreeMap::new(), &self.cwd, Some(path));
        ImportRecord::of(&inputs.settings?.1)?.program_client_id
    }

    /// "Import from the trading program": checks the `.env` at `given` (typed by the trader) and copies
    /// its values into the settings file; a bad file changes nothing.
    pub fn import_env(&self, given: &str) -> Result<EnvImport, AppError> {
        let path = trading_env_path(
            given,
            gateway_core::config::folders::this_home_dir().as_deref(),
        )?;
        let env = read_trading_env(&path)?;
        let settings_path = self.settings_path.as_ref().ok_or_else(|| {
            AppError::SettingsWrite(
                "this computer has no settings folder for Gateway Doctor".into(),
            )
        })?;
        write_settings(settings_path, &import_changes(&env, jiff::Timestamp::now()))
            .map_err(|e| AppError::SettingsWrite(e.to_string()))?;
        Ok(EnvImport {
            path: env.path.display().to_string(),
            imported: env.values.iter().map(|(key, _)| *key).collect(),
            left_out: env.left_out,
            config: self.resolve().view,
        })
    }

    /// Resets the settings file to defaults (an empty object), first keeping the old one as
    /// `settings.json.bak-<time>` beside it; returns the backup's path (None: there was no file).
    pub fn reset(&self) -> Result<Option<PathBuf>, AppError> {
        let path = self.settings_path.as_ref().ok_or_else(|| {
            AppError::SettingsWrite(
                "this computer has no settings folder for Gateway Doctor".into(),
            )
        })?;
        reset_settings(path).map_err(|e| AppError::SettingsWrite(e.to_string()))
    }
}

/// The settings file's own problem (a `.env` problem stays in `skipped` only: its keys have other sources).
fn file_problem(error: &InputError) -> Option<SettingsFileProblem> {
    match error {
        InputError::Settings {
            path,
            message,
            line,
            column,
        } => Some(SettingsFileProblem {
            path: path.display().to_string(),
            message: message.clone(),
            line: line.and_then(|n| u32::try_from(n).ok()),
            column: column.and_then(|n| u32::try_from(n).ok()),
        }),
        InputError::Read { path, source } if path.file_name() != Some(".env".as_ref()) => {
            Some(SettingsFileProblem {
                path: path.display().to_string(),
                message: source.to_string(),
                line: None,
                column: None,
            })
        }
        _ => None,
    }
}
