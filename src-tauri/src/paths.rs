//! Where the helper programs are. An environment variable names one explicitly (GATEWAY_DOCTOR_WORKER,
//! GATEWAY_DOCTOR_SIM); otherwise it sits in the folder of the app's own executable, under its plain name
//! plus the platform's executable suffix (`.exe` on Windows). That one rule fits every way the app is run:
//! `cargo build` puts every binary of the workspace in one target directory, and Tauri's `externalBin`
//! installs the sidecars next to the main binary, stripped of their target triple: /usr/bin in the .deb,
//! `Gateway Doctor.app/Contents/MacOS/` in the macOS bundle, the install folder of the Windows installer
//! (`%LOCALAPPDATA%\Gateway Doctor\` for a per-user install).

use std::path::{Path, PathBuf};

/// The gateway-worker program.
pub fn worker_bin() -> PathBuf {
    helper_bin("GATEWAY_DOCTOR_WORKER", "gateway-worker")
}

/// The gateway-sim program (the demo gateway).
pub fn sim_bin() -> PathBuf {
    helper_bin("GATEWAY_DOCTOR_SIM", "gateway-sim")
}

/// `$env_var` when set, else `name` beside the current executable. The path may not exist: whoever starts
/// it reports a missing program in words (WORKER_MISSING, DEMO_FAILED).
pub fn helper_bin(env_var: &str, name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env_var).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let file = program_file(name, std::env::consts::EXE_SUFFIX);
    match std::env::current_exe() {
        Ok(exe) => beside(&exe, &file),
        Err(e) => {
            // The OS would not say where we run from: the plain name leaves the search to the system's
            // program path, which is where a package manager would have put it.
            log::warn!(
                "cannot tell where Gateway Doctor runs from ({e}); looking for {file} on the PATH"
            );
            PathBuf::from(file)
        }
    }
}

/// The helper's file name: `name` and the platform's executable suffix ("" on Unix, ".exe" on Windows).
fn program_file(name: &str, exe_suffix: &str) -> String {
    format!("{name}{exe_suffix}")
}

/// `file` in the folder of the executable `exe` (an executable always has a folder; a bare name would
/// mean the current one).
fn beside(exe: &Path, file: &str) -> PathBuf {
    exe.parent().unwrap_or(Path::new(".")).join(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_helper_sits_beside_the_executable_unless_the_variable_names_it() {
        let beside = helper_bin("GATEWAY_DOCTOR_TEST_UNSET_VARIABLE", "gateway-worker");
        let exe = std::env::current_exe().expect("current exe");
        assert_eq!(beside.parent(), exe.parent());
        let expected = format!("gateway-worker{}", std::env::consts::EXE_SUFFIX);
        assert_eq!(
            beside.file_name().and_then(|f| f.to_str()),
            Some(expected.as_str())
        );
        // PATH is always set: it stands in for a variable naming the program.
        let named = helper_bin("PATH", "gateway-worker");
        assert_eq!(
            named,
            PathBuf::from(std::env::var_os("PATH").expect("PATH"))
        );
    }

    #[test]
    fn in_the_macos_bundle_the_helpers_are_in_contents_macos() {
        let app = Path::new("/Applications/Gateway Doctor.app/Contents/MacOS/gateway-doctor-app");
        assert_eq!(
            beside(app, &program_file("gateway-sim", "")),
            Path::new("/Applications/Gateway Doctor.app/Contents/MacOS/gateway-sim")
        );
    }

    #[test]
    fn on_windows_the_helpers_are_exe_files_in_the_install_folder() {
        assert_eq!(program_file("gateway-worker", ".exe"), "gateway-worker.exe");
        // The separator is the host's; the Windows-only test below checks a real Windows path.
        let app = Path::new("Gateway Doctor").join("gateway-doctor-app.exe");
        assert_eq!(
            beside(&app, "gateway-worker.exe"),
            Path::new("Gateway Doctor").join("gateway-worker.exe")
        );
    }

    #[cfg(windows)]
    #[test]
    fn a_windows_install_path_keeps_its_folder() {
        let app = Path::new(r"C:\Users\t\AppData\Local\Gateway Doctor\gateway-doctor-app.exe");
        assert_eq!(
            beside(
                app,
                &program_file("gateway-worker", std::env::consts::EXE_SUFFIX)
            ),
            Path::new(r"C:\Users\t\AppData\Local\Gateway Doctor\gateway-worker.exe")
        );
    }

    #[test]
    fn the_debian_package_has_them_in_usr_bin() {
        assert_eq!(
            beside(Path::new("/usr/bin/gateway-doctor-app"), "gateway-worker"),
            Path::new("/usr/bin/gateway-worker")
        );
    }
}
