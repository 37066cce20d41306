//! Finding IBC and reading its config.ini: the settings Gateway Doctor needs (CommandServerPort,
//! BindAddress, ControlFrom, TradingMode, ReadOnlyApi, OverrideTwsApiPort, and CommandPrompt and
//! SuppressInfoMessages for talking to the command server), each with the file and line it came from.
//!
//! Values are read with IBC's own rules (properties.rs for the file format): names are case-sensitive; a
//! setting left blank is IBC's default; text settings are trimmed, but numbers and yes/no values are not,
//! so `CommandServerPort=7462 ` (a trailing space) is not a number to IBC, which then leaves its command
//! server off. A value IBC would reject or quietly replace by its default is an error naming the file, the
//! line and what IBC does with it, never a silent default here.
//!
//! Where IBC's config.ini usually is: `~/ibc/config.ini` on Linux and macOS (IBC's start scripts and its
//! built-in default); on Windows `%USERPROFILE%\Documents\IBC\config.ini` (the start scripts),
//! `%HOMEDRIVE%%HOMEPATH%\Documents\IBC\config.ini` (IBC's built-in default, usually the same folder) and
//! the Documents folder Windows reports (it can be moved); then the install folder's sample
//! (`C:\IBC\config.ini`, `/opt/ibc/config.ini`), which a trader may have edited in place. [`discover`] takes
//! the candidate list as input, so tests use temp dirs.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use gateway_proto::{IbcConfigView, IbcKey, IbcSetting};

use super::properties;

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

/// Java's Integer.parseInt: an optional sign and decimal digits, nothing else (no spaces).
fn java_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i32>().ok().map(i64::from)
}

/// IBC's getBoolean on a value that is not blank: yes/true and no/false in any case, nothing else.
fn java_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("yes") || text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("no") || text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Java's `split(",")`: entries as written, trailing empty ones dropped.
fn java_split_commas(text: &str) -> Vec<String> {
    let mut parts: Vec<String> = text.split(',').map(str::to_string).collect();
    while parts.last().is_some_and(String::is_empty) {
        parts.pop();
    }
    parts
}

/// The usual places of IBC's config.ini on this computer, most likely first.
pub fn default_candidates() -> Vec<PathBuf> {
    candidates_for(
        std::env::consts::OS,
        &|name| std::env::var_os(name),
        dirs::home_dir(),
        dirs::document_dir(),
    )
}

/// The usual places of config.ini for operating system `os` (`std::env::consts::OS` names), given the
/// environment, the home folder and the Documents folder the system reports. Duplicates are dropped.
pub fn candidates_for(
    os: &str,
    env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    home: Option<PathBuf>,
    documents: Option<PathBuf>,
) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    if os == "windows" {
        let in_documents = |dir: PathBuf| dir.join("Documents").join("IBC").join("config.ini");
        if let Some(profile) = env("USERPROFILE") {
            out.push(in_documents(PathBuf::from(profile)));
        }
        if let (Some(drive), Some(home_path)) = (env("HOMEDRIVE"), env("HOMEPATH")) {
            let mut joined = drive;
            joined.push(home_path);
            out.push(in_documents(PathBuf::from(joined)));
        }
        if let Some(documents) = documents {
            out.push(documents.join("IBC").join("config.ini"));
        }
        let system_drive = env("SYSTEMDRIVE").unwrap_or_else(|| "C:".into());
        let mut install = system_drive;
        install.push("\\IBC\\config.ini");
        out.push(PathBuf::from(install));
    } else {
        if let Some(home) = home {
            out.push(home.join("ibc").join("config.ini"));
        }
        out.push(PathBuf::from("/opt/ibc/config.ini"));
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

/// The first of `candidates` that exists, read and checked; `Ok(None)` when none exists.
pub fn discover(candidates: &[PathBuf]) -> Result<Option<IbcConfig>, IbcConfigError> {
    for path in candidates {
        if path.is_file() {
            return IbcConfig::load(path).map(Some);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<IbcConfig, IbcConfigError> {
        IbcConfig::parse(Path::new("/home/t/ibc/config.ini"), text.as_bytes())
    }

    const SAMPLE: &str = "\
# IBC sample
FIX=no
TradingMode=paper
ReadOnlyApi=no
OverrideTwsApiPort=4002
#CommandServerPort=7462
CommandServerPort=7462
ControlFrom=10.0.0.5,myhost
BindAddress=
CommandPrompt= >
SuppressInfoMessages=no
";

    #[test]
    fn reads_each_setting_with_its_line() {
        let config = parse(SAMPLE).expect("valid");
        assert_eq!(config.command_server_port(), Some(7462));
        assert_eq!(config.command_server_port.as_ref().map(|f| f.line), Some(7));
        assert_eq!(
            config.trading_mode.as_ref().map(|f| (f.value, f.line)),
            Some((TradingMode::Paper, 3))
        );
        assert_eq!(
            config.read_only_api.as_ref().map(|f| (f.value, f.line)),
            Some((false, 4))
        );
        assert_eq!(
            config.override_tws_api_port.as_ref().map(|f| f.value),
            Some(4002)
        );
        assert_eq!(
            config.control_from.as_ref().map(|f| f.value.clone()),
            Some(vec!["10.0.0.5".to_string(), "myhost".to_string()])
        );
        assert_eq!(config.bind_address, None, "blank is IBC's default");
        assert_eq!(
            config.command_prompt.as_ref().map(|f| f.value.as_str()),
            Some(">")
        );
        assert_eq!(
            config.suppress_info_messages.as_ref().map(|f| f.value),
            Some(false)
        );
        assert_eq!(config.command_server_host(), "127.0.0.1");
        let view = config.view();
        assert_eq!(view.command_server.as_deref(), Some("127.0.0.1:7462"));
        let port = view
            .settings
            .iter()
            .find(|s| s.key == IbcKey::CommandServerPort)
            .expect("listed");
        assert_eq!((port.value.as_str(), port.line), ("7462", 7));
        assert_eq!(port.path, "/home/t/ibc/config.ini");
        assert!(!view.settings.iter().any(|s| s.key == IbcKey::BindAddress));
    }

    #[test]
    fn blank_and_zero_mean_ibc_defaults_and_the_command_server_off() {
        let config =
            parse("CommandServerPort=0\nOverrideTwsApiPort=0\nTradingMode=\n").expect("valid");
        assert_eq!(config.command_server_port(), None);
        assert_eq!(
            config.command_server_port.as_ref().map(|f| f.value),
            Some(0),
            "an explicit off"
        );
        assert_eq!(config.override_tws_api_port, None);
        assert_eq!(config.trading_mode, None);
        assert_eq!(config.view().command_server, None);
        let empty = parse("").expect("valid");
        assert_eq!(empty.command_server_port, None);
    }

    #[test]
    fn names_are_case_sensitive_as_in_ibc() {
        let config = parse("commandserverport=7462\n").expect("valid");
        assert_eq!(config.command_server_port(), None);
    }

    #[test]
    fn a_trailing_space_after_a_number_is_an_error_naming_file_and_line() {
        let err = parse("A=1\nCommandServerPort=7462 \n").expect_err("IBC would ignore it");
        assert_eq!(err.code(), gateway_proto::IbcErrorCode::IbcConfigInvalid);
        let text = err.to_string();
        assert!(text.contains("/home/t/ibc/config.ini"), "{text}");
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("command server off"), "{text}");
        match err {
            IbcConfigError::BadValue { key, line, .. } => {
                assert_eq!((key, line), ("CommandServerPort", 2))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn values_ibc_rejects_or_replaces_are_errors() {
        for (text, key) in [
            ("CommandServerPort=seven", "CommandServerPort"),
            ("CommandServerPort=70000", "CommandServerPort"),
            ("CommandServerPort=-1", "CommandServerPort"),
            ("OverrideTwsApiPort=4002x", "OverrideTwsApiPort"),
            ("TradingMode=demo", "TradingMode"),
            ("ReadOnlyApi=maybe", "ReadOnlyApi"),
            ("ReadOnlyApi=no ", "ReadOnlyApi"),
            ("SuppressInfoMessages=si", "SuppressInfoMessages"),
        ] {
            match parse(text) {
                Err(IbcConfigError::BadValue {
                    key: k, line: 1, ..
                }) => assert_eq!(k, key, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(
            parse("CommandPrompt=\\uZZZZ"),
            Err(IbcConfigError::Syntax { line: 1, .. })
        ));
        assert!(
            parse("TradingMode= LIVE ").is_ok(),
            "text settings are trimmed, any case"
        );
    }

    #[test]
    fn a_bind_address_is_where_the_command_server_is_reached() {
        let config = parse("CommandServerPort=7462\nBindAddress=192.168.1.20\n").expect("valid");
        assert_eq!(
            config.view().command_server.as_deref(),
            Some("192.168.1.20:7462")
        );
        let wildcard = parse("CommandServerPort=7462\nBindAddress=0.0.0.0\n").expect("valid");
        assert_eq!(wildcard.command_server_host(), "127.0.0.1");
        let v6 = parse("CommandServerPort=7462\nBindAddress=::1\n").expect("valid");
        assert_eq!(v6.view().command_server.as_deref(), Some("[::1]:7462"));
    }

    #[test]
    fn control_from_is_split_like_java() {
        assert_eq!(java_split_commas("a, b,,"), ["a", " b"]);
        assert_eq!(java_split_commas("a,,b"), ["a", "", "b"]);
    }

    #[test]
    fn candidates_per_platform() {
        let env = |name: &str| -> Option<std::ffi::OsString> {
            match name {
                "USERPROFILE" => Some("C:\\Users\\t".into()),
                "HOMEDRIVE" => Some("C:".into()),
                "HOMEPATH" => Some("\\Users\\t".into()),
                _ => None,
            }
        };
        let windows = candidates_for("windows", &env, None, Some(PathBuf::from("D:\\Docs")));
        assert_eq!(
            windows,
            [
                PathBuf::from("C:\\Users\\t")
                    .join("Documents")
                    .join("IBC")
                    .join("config.ini"),
                PathBuf::from("C:\\Users\\t")
                    .join("Documents")
                    .join("IBC")
                    .join("config.ini"),
                PathBuf::from("D:\\Docs").join("IBC").join("config.ini"),
                PathBuf::from("C:\\IBC\\config.ini"),
            ]
            .into_iter()
            .fold(Vec::<PathBuf>::new(), |mut v, p| {
                if !v.contains(&p) {
                    v.push(p);
                }
                v
            })
        );
        let none = |_: &str| None;
        for os in ["linux", "macos"] {
            assert_eq!(
                candidates_for(os, &none, Some(PathBuf::from("/home/t")), None),
                [
                    PathBuf::from("/home/t/ibc/config.ini"),
                    PathBuf::from("/opt/ibc/config.ini")
                ]
            );
        }
    }

    #[test]
    fn discovery_takes_the_first_existing_candidate() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("nope").join("config.ini");
        let first = dir.path().join("a.ini");
        let second = dir.path().join("b.ini");
        assert!(
            discover(std::slice::from_ref(&missing))
                .expect("nothing found is not an error")
                .is_none()
        );
        std::fs::write(&first, "CommandServerPort=7462\n").expect("write");
        std::fs::write(&second, "CommandServerPort=7463\n").expect("write");
        let found = discover(&[missing.clone(), first.clone(), second])
            .expect("valid")
            .expect("found");
        assert_eq!(
            (found.path.clone(), found.command_server_port()),
            (first.clone(), Some(7462))
        );
        std::fs::write(&first, "CommandServerPort=x\n").expect("write");
        let err = discover(&[first]).expect_err("a bad file found is an error, not skipped");
        assert!(matches!(err, IbcConfigError::BadValue { line: 1, .. }));
    }
}
