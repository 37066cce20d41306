//! "Start IB Gateway" on the Restart screen, for a Gateway that is not running: where an installation is
//! usually found (IBC's start script first, as it logs in by itself; then IB Gateway's own launcher), the
//! offer when nothing listens on the Gateway's port and no IB Gateway or TWS process runs, and the start
//! itself: the program in its own process group, not tied to the app (quitting the app leaves it running).
//!
//! Usual places: IBC's `gatewaystart.sh` in ~/ibc or /opt/ibc (`StartGateway.bat` in C:\IBC on Windows);
//! IB Gateway in ~/Jts/ibgateway/<version>/ibgateway on Linux, /Applications/IB Gateway <version>.app on
//! macOS, C:\Jts\ibgateway\<version>\ibgateway.exe on Windows; the highest version first.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;
use ts_rs::TS;

/// An installation that "Start IB Gateway" would start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct GatewayInstall {
    pub path: String,
    /// IBC's start script (IB Gateway then logs in by itself), not IB Gateway's own launcher.
    pub via_ibc: bool,
    /// The offer in words.
    pub message: String,
}

/// The usual places, most wanted first, for this computer.
pub fn usual_places() -> Vec<PathBuf> {
    places_for(std::env::consts::OS, std::env::home_dir())
}

fn places_for(os: &str, home: Option<PathBuf>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    match os {
        "windows" => {
            out.push(PathBuf::from(r"C:\IBC\StartGateway.bat"));
            out.extend(versions(Path::new(r"C:\Jts\ibgateway"), "ibgateway.exe"));
        }
        "macos" => {
            if let Some(home) = &home {
                out.push(home.join("ibc").join("gatewaystart.sh"));
            }
            out.push(PathBuf::from("/opt/ibc/gatewaystart.sh"));
            out.extend(apps(Path::new("/Applications")));
            if let Some(home) = &home {
                out.extend(apps(&home.join("Applications")));
            }
        }
        _ => {
            if let Some(home) = &home {
                out.push(home.join("ibc").join("gatewaystart.sh"));
            }
            out.push(PathBuf::from("/opt/ibc/gatewaystart.sh"));
            if let Some(home) = &home {
                out.extend(versions(&home.join("Jts").join("ibgateway"), "ibgateway"));
            }
        }
    }
    out
}

/// `<dir>/<version>/<program>` for each version folder, the highest version first.
fn versions(dir: &Path, program: &str) -> Vec<PathBuf> {
    let mut found: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let number = name.parse::<u64>().ok()?;
            Some((number, entry.path().join(program)))
        })
        .collect();
    found.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
    found.into_iter().map(|(_, path)| path).collect()
}

/// `IB Gateway*.app` bundles in `dir`, by name, last (the highest version) first.
fn apps(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .is_some_and(|n| n.starts_with("IB Gateway") && n.ends_with(".app"))
        })
        .collect();
    found.sort();
    found.reverse();
    found
}

/// The first of `candidates` that is there.
pub fn find(candidates: &[PathBuf]) -> Option<PathBuf> {
    candidates.iter().find(|p| p.exists()).cloned()
}

/// What "Start IB Gateway" offers: only when nothing listens on the port and no IB Gateway or TWS runs.
pub fn offer(
    port: u16,
    listening: bool,
    gateway_running: bool,
    found: Option<&Path>,
) -> Option<GatewayInstall> {
    if listening || gateway_running {
        return None;
    }
    let path = found?;
    let via_ibc = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|n| n.starts_with("gatewaystart") || n.starts_with("startgateway"));
    let message = if via_ibc {
        format!(
            "IB Gateway is not running (nothing listens on port {port}). IBC's start script is at {}: \
             Gateway Doctor can start IB Gateway with it, and IBC logs in for you (approve the 2FA on your \
             phone if it asks).",
            path.display()
        )
    } else {
        format!(
            "IB Gateway is not running (nothing listens on port {port}). It is installed at {}: Gateway \
             Doctor can start it; then log in and approve the 2FA on your phone.",
            path.display()
        )
    };
    Some(GatewayInstall {
        path: path.display().to_string(),
        via_ibc,
        message,
    })
}

/// Starts `path` on its own: its own process group, no input or output tied to the app. Returns its pid.
pub fn launch(path: &Path) -> std::io::Result<u32> {
    let mut command = if path.extension().is_some_and(|e| e == "app") {
        let mut open = Command::new("open");
        open.arg(path);
        open
    } else {
        Command::new(path)
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Not in the app's group: a Ctrl-C or a signal to the app does not reach IB Gateway.
        command.process_group(0);
    }
    if let Some(dir) = path.parent() {
        command.current_dir(dir);
    }
    let mut child = command.spawn()?;
    let pid = child.id();
    // Reaped when it ends, so it never lingers as a zombie of the app.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_linux_ibcs_script_comes_first_then_the_highest_gateway_version() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().to_path_buf();
        for version in ["1019", "1030", "981", "latest"] {
            std::fs::create_dir_all(home.join("Jts").join("ibgateway").join(version))
                .expect("version dir");
        }
        let places = places_for("linux", Some(home.clone()));
        assert_eq!(places[0], home.join("ibc").join("gatewaystart.sh"));
        assert_eq!(places[1], PathBuf::from("/opt/ibc/gatewaystart.sh"));
        let gateway: Vec<PathBuf> = places[2..].to_vec();
        assert_eq!(
            gateway,
            ["1030", "1019", "981"]
                .iter()
                .map(|v| home.join("Jts").join("ibgateway").join(v).join("ibgateway"))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn start_is_offered_only_when_nothing_listens_and_no_gateway_runs() {
        let script = Path::new("/home/t/ibc/gatewaystart.sh");
        let plain = Path::new("/home/t/Jts/ibgateway/1030/ibgateway");
        let by_ibc = offer(4002, false, false, Some(script)).expect("offered");
        assert!(by_ibc.via_ibc && by_ibc.message.contains("IBC logs in for you"));
        let own = offer(4002, false, false, Some(plain)).expect("offered");
        assert!(!own.via_ibc && own.message.contains("port 4002"));
        assert_eq!(offer(4002, true, false, Some(plain)), None, "listening");
        assert_eq!(offer(4002, false, true, Some(plain)), None, "running");
        assert_eq!(offer(4002, false, false, None), None, "not installed");
    }
}
