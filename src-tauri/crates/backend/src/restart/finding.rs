//! Finding IBC's config.ini: the file named in Settings (`ibc_config`), else IBC's usual places.

use std::path::PathBuf;

use gateway_core::config::{Key, SettingValue};
use gateway_core::ibc::{self, IbcConfig, IbcError};

use crate::restart_view::IbcFinding;
use crate::state::AppState;

/// The config.ini named in Settings (`ibc_config`), if any.
fn named_ibc_config(state: &AppState) -> Option<PathBuf> {
    state
        .config
        .resolve()
        .view
        .settings
        .into_iter()
        .find(|s| s.key == Key::IbcConfig)
        .and_then(|s| match s.value {
            SettingValue::Text(path) if !path.is_empty() => Some(PathBuf::from(path)),
            _ => None,
        })
}

/// Finds and reads IBC's config.ini: the file named in Settings, else the first of `candidates` there.
pub fn find_ibc(named: Option<PathBuf>, candidates: &[PathBuf]) -> (IbcFinding, Option<IbcConfig>) {
    let problem = |path: String, err: ibc::IbcConfigError| {
        let failure = IbcError::from(err).to_failure();
        (IbcFinding::Problem { path, failure }, None)
    };
    match named {
        Some(path) => match IbcConfig::load(&path) {
            Ok(config) => (
                IbcFinding::Found {
                    config: config.view(),
                    picked: true,
                },
                Some(config),
            ),
            Err(ibc::IbcConfigError::Unreadable { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                (
                    IbcFinding::NotFound {
                        looked_in: vec![path.display().to_string()],
                    },
                    None,
                )
            }
            Err(err) => problem(path.display().to_string(), err),
        },
        None => match ibc::discover(candidates) {
            Ok(Some(config)) => (
                IbcFinding::Found {
                    config: config.view(),
                    picked: false,
                },
                Some(config),
            ),
            Ok(None) => (
                IbcFinding::NotFound {
                    looked_in: candidates.iter().map(|p| p.display().to_string()).collect(),
                },
                None,
            ),
            Err(err) => {
                let path = match &err {
                    ibc::IbcConfigError::Unreadable { path, .. }
                    | ibc::IbcConfigError::Syntax { path, .. }
                    | ibc::IbcConfigError::BadValue { path, .. } => path.display().to_string(),
                };
                problem(path, err)
            }
        },
    }
}

pub(super) fn find_for(state: &AppState) -> (IbcFinding, Option<IbcConfig>) {
    find_ibc(named_ibc_config(state), &state.options.ibc_candidates)
}
