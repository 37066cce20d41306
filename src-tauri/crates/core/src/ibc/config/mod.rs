//! Finding IBC and reading its config.ini: the settings Gateway Doctor needs (CommandServerPort,
//! BindAddress, ControlFrom, TradingMode, ReadOnlyApi, OverrideTwsApiPort, and CommandPrompt and
//! SuppressInfoMessages for talking to the command server), each with the file and line it came from.
//!
//! Values are read with IBC's own rules (properties.rs for the file format): names are case-sensitive; a
//! setting left blank is IBC's default; text settings are trimmed, but numbers and yes/no values are not,
//! so `CommandServerPort=7462 ` (a trailing space) is not a number to IBC, which then leaves its command
//! server off. A value IBC would reject or quietly replace by its default is an error naming the file, the
//! line and what IBC does with it, never a silent default here. How IBC reads a number, a yes/no and a
//! list: java.rs; where the file usually is: places.rs.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use gateway_proto::{IbcConfigView, IbcKey, IbcSetting};

use super::properties;

mod java;
mod places;

use java::{java_bool, java_int, java_split_commas};
pub use places::{candidates_for, default_candidates, discover};

/// IBC's two trading modes (`TradingMode`, default live).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradingMode {
    Live,
    Paper,
}

/// A value and the line of config.ini it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<T> {
    pub value: T,
    /// As written (after IBC's trimming rules), for display.
    pub text: String,
    pub line: u32,
}

/// What config.ini says, for the settings Gateway Doctor reads. `None`: not set (IBC's default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IbcConfig {
    pub path: PathBuf,
    /// `Some(0)` is an explicit "off".
    pub command_server_port: Option<Found<u16>>,
    pub bind_address: Option<Found<String>>,
    /// Split on commas, each entry as written (IBC compares them untrimmed).
    pub control_from: Option<Found<Vec<String>>>,
    pub trading_mode: Option<Found<TradingMode>>,
    pub read_only_api: Option<Found<bool>>,
    pub override_tws_api_port: Option<Found<u16>>,
    pub command_prompt: Option<Found<String>>,
    pub suppress_info_messages: Option<Found<bool>>,
}

/// Why config.ini could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IbcConfigError {
    #[error("IBC's settings file {path} cannot be read: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("IBC's settings file {path}, line {line}: {message}")]
    Syntax {
        path: PathBuf,
        line: u32,
        message: String,
    },
    #[error("IBC's settings file {path}, line {line}: {key} {value:?} {why}")]
    BadValue {
        path: PathBuf,
        line: u32,
        key: &'static str,
        value: String,
        why: String,
    },
}

impl IbcConfigError {
    /// A stable SCREAMING_SNAKE code for the UI and the CLI's JSON output.
    pub fn code(&self) -> gateway_proto::IbcErrorCode {
        match self {
            IbcConfigError::Unreadable { .. } => gateway_proto::IbcErrorCode::IbcConfigUnreadable,
            IbcConfigError::Syntax { .. } | IbcConfigError::BadValue { .. } => {
                gateway_proto::IbcErrorCode::IbcConfigInvalid
            }
        }
    }
}

impl IbcConfig {
    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<IbcConfig, IbcConfigError> {
        let bytes = std::fs::read(path).map_err(|source| IbcConfigError::Unreadable {
            path: path.into(),
            source,
        })?;
        IbcConfig::parse(path, &bytes)
    }

    /// Checks the contents of a config.ini read from `path`.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<IbcConfig, IbcConfigError> {
        let entries = properties::parse(bytes).map_err(|err| IbcConfigError::Syntax {
            path: path.into(),
            line: err.line,
            message: err.message,
        })?;
        // Like Java's Properties: the last entry of a key wins.
        let raw = |key: IbcKey| entries.iter().rev().find(|e| e.key == key.name());
        let bad = |key: IbcKey, entry: &properties::Entry, why: &str| IbcConfigError::BadValue {
            path: path.into(),
            line: entry.line,
            key: key.name(),
            value: entry.value.clone(),
            why: why.into(),
        };
        let port = |key: IbcKey, zero_is_off: bool| -> Result<Option<Found<u16>>, IbcConfigError> {
            let Some(entry) = raw(key).filter(|e| !e.value.is_empty()) else {
                return Ok(None);
            };
            let number = java_int(&entry.value).ok_or_else(|| {
                bad(key, entry, if key == IbcKey::CommandServerPort {
                    "is not a whole number (spaces count): IBC ignores it and leaves its command server off"
                } else {
                    "is not a whole number (spaces count): IBC ignores it and leaves the Gateway's API port as it is"
                })
            })?;
            if number == 0 && !zero_is_off {
                return Ok(None);
            }
            let value = u16::try_from(number).map_err(|_| {
                bad(
                    key,
                    entry,
                    "is not a port number (1 to 65535): IBC cannot use it",
                )
            })?;
            Ok(Some(Found {
                value,
                text: entry.value.clone(),
                line: entry.line,
            }))
        };
        let text = |key: IbcKey| -> Option<Found<String>> {
            let entry = raw(key)?;
            let trimmed = entry.value.trim();
            (!trimmed.is_empty()).then(|| Found {
                value: trimmed.to_string(),
                text: trimmed.to_string(),
                line: entry.line,
            })
        };
        let yes_no =
            |key: IbcKey, default_word: &str| -> Result<Option<Found<bool>>, IbcConfigError> {
                let Some(entry) = raw(key).filter(|e| !e.value.trim().is_empty()) else {
                    return Ok(None);
                };
                let value = java_bool(&entry.value).ok_or_else(|| {
                bad(key, entry, &format!(
                    "is not yes, no, true or false (spaces count): IBC reads it as {default_word}"
                ))
            })?;
                Ok(Some(Found {
                    value,
                    text: entry.value.clone(),
                    line: entry.line,
                }))
            };
        let trading_mode = match raw(IbcKey::TradingMode).filter(|e| !e.value.trim().is_empty()) {
            None => None,
            Some(entry) => {
                let word = entry.value.trim();
                let value = if word.eq_ignore_ascii_case("live") {
                    TradingMode::Live
                } else if word.eq_ignore_ascii_case("paper") {
                    TradingMode::Paper
                } else {
                    return Err(bad(
                        IbcKey::TradingMode,
                        entry,
                        "is neither live nor paper: IBC refuses to start with it",
                    ));
                };
                Some(Found {
                    value,
                    text: word.to_string(),
                    line: entry.line,
                })
            }
        };
        Ok(IbcConfig {
            path: path.into(),
            command_server_port: port(IbcKey::CommandServerPort, true)?,
            bind_address: text(IbcKey::BindAddress),
            control_from: text(IbcKey::ControlFrom).map(|found| Found {
                value: java_split_commas(&found.value),
                text: found.text,
                line: found.line,
            }),
            trading_mode,
            // IBC leaves the Gateway's read-only setting alone when this is blank, and reads any other
            // unknown word as yes.
            read_only_api: yes_no(IbcKey::ReadOnlyApi, "yes")?,
            override_tws_api_port: port(IbcKey::OverrideTwsApiPort, false)?,
            command_prompt: text(IbcKey::CommandPrompt),
            suppress_info_messages: yes_no(IbcKey::SuppressInfoMessages, "yes")?,
        })
    }

    /// The command server's port, when IBC starts one (CommandServerPort set and not 0).
    pub fn command_server_port(&self) -> Option<u16> {
        self.command_server_port
            .as_ref()
            .map(|f| f.value)
            .filter(|&p| p != 0)
    }

    /// Where to reach the command server from this computer: the BindAddress when IBC listens on one
    /// address only, else loopback (always allowed by IBC's ControlFrom rule).
    pub fn command_server_host(&self) -> String {
        match self.bind_address.as_ref().map(|f| f.value.as_str()) {
            None => "127.0.0.1".into(),
            Some(addr) => match addr.parse::<IpAddr>() {
                Ok(ip) if ip.is_unspecified() => "127.0.0.1".into(),
                _ => addr.to_string(),
            },
        }
    }

    /// The settings with a value and where each came from, for display.
    pub fn view(&self) -> IbcConfigView {
        let path = self.path.display().to_string();
        let setting = |key: IbcKey, text: &str, line: u32| IbcSetting {
            key,
            value: text.to_string(),
            path: path.clone(),
            line,
        };
        let mut settings = Vec::new();
        let mut add = |key, found: Option<(&str, u32)>| {
            if let Some((text, line)) = found {
                settings.push(setting(key, text, line));
            }
        };
        add(
            IbcKey::CommandServerPort,
            self.command_server_port
                .as_ref()
                .map(|f| (f.text.as_str(), f.line)),
        );
        add(
            IbcKey::BindAddress,
            self.bind_address
                .as_ref()
                .map(|f| (f.text.as_str(), f.line)),
        );
        add(
            IbcKey::ControlFrom,
            self.control_from
                .as_ref()
                .map(|f| (f.text.as_str(), f.line)),
        );
        add(
            IbcKey::TradingMode,
            self.trading_mode
                .as_ref()
                .map(|f| (f.text.as_str(), f.line)),
        );
        add(
            IbcKey::ReadOnlyApi,
            self.read_only_api
                .as_ref()
                .map(|f| (f.text.as_str(), f.line)),
        );
        add(
            IbcKey::OverrideTwsApiPort,
            self.override_tws_api_port
                .as_ref()
                .map(|f| (f.text.as_str(), f.line)),
        );
        add(
            IbcKey::CommandPrompt,
            self.command_prompt
                .as_ref()
                .map(|f| (f.text.as_str(), f.line)),
        );
        add(
            IbcKey::SuppressInfoMessages,
            self.suppress_info_messages
                .as_ref()
                .map(|f| (f.text.as_str(), f.line)),
        );
        IbcConfigView {
            path,
            settings,
            command_server: self
                .command_server_port()
                .map(|port| host_port(&self.command_server_host(), port)),
        }
    }
}

/// `host:port`, with brackets around an IPv6 address.
pub(crate) fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests;
