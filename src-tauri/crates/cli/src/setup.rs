//! What every subcommand needs before it starts: the settings (resolved by core, flags first) and the
//! worker program.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gateway_core::config::{Config, Inputs, InvalidValue, Key, default_settings_path};
use gateway_core::helper_programs::WORKER;

use crate::error::CliError;

/// The variable that points at the worker program when it is not installed next to gateway-doctor.
pub const WORKER_ENV: &str = "GATEWAY_DOCTOR_WORKER";

/// The Gateway port option. Text, not a number, so a bad value gets core's message (which says what
/// to use instead) rather than a parser's.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PortFlag {
    /// The Gateway's API port: 4002 IB Gateway paper, 4001 IB Gateway live, 7497 TWS paper, 7496 TWS live
    /// [default: IBKR_PORT, then the settings file, then 4002]
    #[arg(long, value_name = "PORT")]
    pub port: Option<String>,
}

impl PortFlag {
    pub fn overrides(&self) -> BTreeMap<Key, String> {
        self.port.iter().map(|p| (Key::Port, p.clone())).collect()
    }
}

/// Where and how to connect; each option overrides the same setting from every other source.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SessionFlags {
    /// The computer running the Gateway [default: IBKR_HOST, then 127.0.0.1]
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    #[command(flatten)]
    pub port: PortFlag,
    /// The client id this connection uses; each program connected to the Gateway needs its own
    /// [default: IBKR_CLIENT_ID, then 7431]
    #[arg(long, value_name = "N")]
    pub client_id: Option<String>,
    /// How many seconds to wait for the Gateway to answer when connecting [default: IBKR_TIMEOUT, then 30]
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<String>,
}

impl SessionFlags {
    pub fn overrides(&self) -> BTreeMap<Key, String> {
        let mut map = self.port.overrides();
        for (key, value) in [
            (Key::Host, &self.host),
            (Key::ClientId, &self.client_id),
            (Key::Timeout, &self.timeout),
        ] {
            if let Some(value) = value {
                map.insert(key, value.clone());
            }
        }
        map
    }
}

/// Resolves the settings with `overrides` on top. The outer `Err` is a source that could not be read at
/// all; the inner one lists every bad value (diagnose still reports on those).
pub fn resolve(
    overrides: BTreeMap<Key, String>,
) -> Result<Result<Config, Vec<InvalidValue>>, CliError> {
    // Without a working directory there is no .env to read; "." then finds none.
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let settings = default_settings_path();
    let inputs = Inputs::gather(overrides, &cwd, settings.as_deref())?;
    Ok(Config::resolve(&inputs))
}

/// The resolved settings; any bad value is an error.
pub fn config(overrides: BTreeMap<Key, String>) -> Result<Config, CliError> {
    resolve(overrides)?.map_err(CliError::Config)
}

/// Where the worker should be: `GATEWAY_DOCTOR_WORKER`, else next to this executable, under its installed
/// name (gateway-doctor-worker) or, in a development build, its crate's name (gateway-worker).
pub fn worker_path() -> PathBuf {
    if let Some(path) = std::env::var_os(WORKER_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let suffix = std::env::consts::EXE_SUFFIX;
    match std::env::current_exe() {
        Ok(exe) => WORKER.in_dir(exe.parent().unwrap_or(Path::new(".")), suffix),
        // The system would not say where this program is: leave the search to the PATH.
        Err(_) => PathBuf::from(format!("{}{suffix}", WORKER.installed)),
    }
}

/// [`worker_path`], which must exist (needed for a connection).
pub fn existing_worker() -> Result<PathBuf, CliError> {
    let path = worker_path();
    if path.is_file() {
        Ok(path)
    } else {
        Err(CliError::WorkerMissing(path))
    }
}
