//! Where IBC's config.ini usually is: `~/ibc/config.ini` on Linux and macOS (IBC's start scripts and its
//! built-in default); on Windows `%USERPROFILE%\Documents\IBC\config.ini` (the start scripts),
//! `%HOMEDRIVE%%HOMEPATH%\Documents\IBC\config.ini` (IBC's built-in default, usually the same folder) and
//! the Documents folder Windows reports (it can be moved); then the install folder's sample
//! (`C:\IBC\config.ini`, `/opt/ibc/config.ini`), which a trader may have edited in place. [`discover`] takes
//! the candidate list as input, so tests use temp dirs.

use std::path::PathBuf;

use super::{IbcConfig, IbcConfigError};

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
