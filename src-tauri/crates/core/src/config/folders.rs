//! Where Gateway Doctor keeps its files on each platform: one function per folder, shared by the app and
//! the CLI so both read and write the same files.
//!
//! Two kinds of file, two folders:
//! - the **settings** (`settings.json`): what the trader chose; they may follow the user to another computer;
//! - the **state** (`guardrail.json`, `connects.json`): what this computer saw of its own Gateway (a listening
//!   socket's identity, the times of recent connects); it means nothing on another computer.
//!
//! | platform | settings | state |
//! |---|---|---|
//! | Linux   | `~/.config/gateway-doctor` | the same folder |
//! | macOS   | `~/Library/Application Support/<identifier>` | the same folder |
//! | Windows | `%APPDATA%\<identifier>` (roaming) | `%LOCALAPPDATA%\<identifier>` (this computer only) |
//!
//! `<identifier>` is the app's bundle identifier ([`APP_IDENTIFIER`], tauri.conf.json's `identifier`): the
//! name macOS expects under Application Support, and the folder Tauri itself uses for the app's logs, window
//! place and web view data on macOS and Windows, so everything of Gateway Doctor sits under one name there.
//! Linux keeps `gateway-doctor` under the XDG config folder because users already have files there.
//! The base folders come from the `dirs` crate; the rules are pure functions of them, tested per platform.
//!
//! The **log files** sit where Tauri's log plugin puts them for the app ([`log_dir`]), so the app (through
//! tauri-plugin-log) and the keeper (crates/keeper/src/logfile.rs) write the same file, under the same
//! size and count limits, defined once here.

use std::path::{Path, PathBuf};

/// The app's bundle identifier, as in tauri.conf.json (the app's tests check that they agree).
pub const APP_IDENTIFIER: &str = "app.gatewaydoctor.desktop";

/// The folder name on Linux, kept from the first releases.
pub const LINUX_FOLDER: &str = "gateway-doctor";

/// The log file's name without its `.log`: the app's product name, as tauri-plugin-log names it.
pub const LOG_FILE_STEM: &str = "Gateway Doctor";
/// The size at which the log file is set aside and a new one begun: a busy day's lines fit in one file.
pub const LOG_FILE_BYTES: u64 = 10_000_000;
/// Set-aside log files kept beside the current one (tauri-plugin-log's `KeepSome`), so a support request
/// can look back days rather than 40 KB.
pub const KEPT_LOG_FILES: usize = 5;

/// The platforms whose conventions differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Linux,
    MacOs,
    Windows,
}

impl Platform {
    /// The platform this program was built for; other Unix systems follow Linux's (XDG) conventions.
    pub const CURRENT: Platform = if cfg!(target_os = "macos") {
        Platform::MacOs
    } else if cfg!(windows) {
        Platform::Windows
    } else {
        Platform::Linux
    };
}

/// The per-user base folders the platform defines; None where it defines none (no home directory).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFolders {
    /// Linux `$XDG_CONFIG_HOME` or ~/.config; macOS ~/Library/Application Support; Windows %APPDATA%.
    pub config: Option<PathBuf>,
    /// Linux `$XDG_DATA_HOME` or ~/.local/share; macOS ~/Library/Application Support; Windows %LOCALAPPDATA%.
    pub local_data: Option<PathBuf>,
}

impl UserFolders {
    /// This user's folders, as the platform reports them.
    pub fn of_this_user() -> UserFolders {
        UserFolders {
            config: dirs::config_dir(),
            local_data: dirs::data_local_dir(),
        }
    }
}

/// The folder of the settings file on `platform` (see the table in the module doc).
pub fn settings_dir(platform: Platform, user: &UserFolders) -> Option<PathBuf> {
    let config = user.config.as_ref()?;
    Some(match platform {
        Platform::Linux => config.join(LINUX_FOLDER),
        Platform::MacOs | Platform::Windows => config.join(APP_IDENTIFIER),
    })
}

/// The folder of the state files (guardrail latch, connect record) on `platform`: beside the settings,
/// except on Windows, where it is the non-roaming %LOCALAPPDATA% (the state describes this computer).
pub fn state_dir(platform: Platform, user: &UserFolders) -> Option<PathBuf> {
    match platform {
        Platform::Linux | Platform::MacOs => settings_dir(platform, user),
        Platform::Windows => Some(user.local_data.as_ref()?.join(APP_IDENTIFIER)),
    }
}

/// Tauri's log folder for the app on `platform`: `<local data>/<identifier>/logs` on Linux and Windows,
/// `~/Library/Logs/<identifier>` on macOS (`home` is the user's home folder).
pub fn log_dir(platform: Platform, user: &UserFolders, home: Option<&Path>) -> Option<PathBuf> {
    match platform {
        Platform::Linux | Platform::Windows => {
            Some(user.local_data.as_ref()?.join(APP_IDENTIFIER).join("logs"))
        }
        Platform::MacOs => Some(home?.join("Library/Logs").join(APP_IDENTIFIER)),
    }
}

/// This user's log folder on this platform.
pub fn this_log_dir() -> Option<PathBuf> {
    log_dir(
        Platform::CURRENT,
        &UserFolders::of_this_user(),
        dirs::home_dir().as_deref(),
    )
}

/// This user's settings folder on this platform.
pub fn this_settings_dir() -> Option<PathBuf> {
    settings_dir(Platform::CURRENT, &UserFolders::of_this_user())
}

/// This user's home folder (for a typed `~/` path).
pub fn this_home_dir() -> Option<PathBuf> {
    dirs::home_dir()
}

/// This user's state folder on this platform.
pub fn this_state_dir() -> Option<PathBuf> {
    state_dir(Platform::CURRENT, &UserFolders::of_this_user())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folders(config: &str, local_data: &str) -> UserFolders {
        UserFolders {
            config: Some(PathBuf::from(config)),
            local_data: Some(PathBuf::from(local_data)),
        }
    }

    #[test]
    fn linux_keeps_settings_and_state_in_the_gateway_doctor_config_folder() {
        let user = folders("/home/t/.config", "/home/t/.local/share");
        let dir = Path::new("/home/t/.config/gateway-doctor");
        assert_eq!(settings_dir(Platform::Linux, &user).as_deref(), Some(dir));
        assert_eq!(state_dir(Platform::Linux, &user).as_deref(), Some(dir));
    }

    #[test]
    fn macos_keeps_both_under_application_support_by_identifier() {
        let support = "/Users/t/Library/Application Support";
        let user = folders(support, support);
        let dir = Path::new(support).join(APP_IDENTIFIER);
        assert_eq!(settings_dir(Platform::MacOs, &user), Some(dir.clone()));
        assert_eq!(state_dir(Platform::MacOs, &user), Some(dir));
    }

    #[test]
    fn windows_roams_the_settings_and_keeps_the_state_on_this_computer() {
        let user = folders(r"C:\Users\t\AppData\Roaming", r"C:\Users\t\AppData\Local");
        assert_eq!(
            settings_dir(Platform::Windows, &user),
            Some(Path::new(r"C:\Users\t\AppData\Roaming").join(APP_IDENTIFIER))
        );
        assert_eq!(
            state_dir(Platform::Windows, &user),
            Some(Path::new(r"C:\Users\t\AppData\Local").join(APP_IDENTIFIER))
        );
    }

    #[test]
    fn without_a_base_folder_there_is_no_folder_rather_than_a_guess() {
        let none = UserFolders::default();
        for platform in [Platform::Linux, Platform::MacOs, Platform::Windows] {
            assert_eq!(settings_dir(platform, &none), None, "{platform:?}");
            assert_eq!(state_dir(platform, &none), None, "{platform:?}");
        }
        let roaming_only = UserFolders {
            config: Some(PathBuf::from(r"C:\Users\t\AppData\Roaming")),
            local_data: None,
        };
        assert_eq!(state_dir(Platform::Windows, &roaming_only), None);
    }

    #[test]
    fn logs_go_to_the_folder_tauri_gives_the_app_on_each_platform() {
        let linux = folders("/home/t/.config", "/home/t/.local/share");
        assert_eq!(
            log_dir(Platform::Linux, &linux, Some(Path::new("/home/t"))),
            Some(PathBuf::from(
                "/home/t/.local/share/app.gatewaydoctor.desktop/logs"
            ))
        );
        let windows = folders(r"C:\Users\t\AppData\Roaming", r"C:\Users\t\AppData\Local");
        assert_eq!(
            log_dir(Platform::Windows, &windows, None),
            Some(
                Path::new(r"C:\Users\t\AppData\Local")
                    .join(APP_IDENTIFIER)
                    .join("logs")
            )
        );
        let support = "/Users/t/Library/Application Support";
        assert_eq!(
            log_dir(
                Platform::MacOs,
                &folders(support, support),
                Some(Path::new("/Users/t"))
            ),
            Some(PathBuf::from(
                "/Users/t/Library/Logs/app.gatewaydoctor.desktop"
            ))
        );
        assert_eq!(
            log_dir(Platform::MacOs, &folders(support, support), None),
            None
        );
        assert_eq!(
            log_dir(Platform::Linux, &UserFolders::default(), None),
            None
        );
    }
}
