//! Where the helper programs are. An environment variable names one explicitly (GATEWAY_DOCTOR_WORKER,
//! GATEWAY_DOCTOR_SIM); otherwise it sits in the folder of the app's own executable, plus the platform's
//! executable suffix (`.exe` on Windows), under one of its two names (gateway-core's helper_programs.rs):
//! the installed name first (gateway-doctor-worker, gateway-doctor-sim: Tauri's `externalBin` installs the
//! sidecars next to the main binary under these, stripped of their target triple: /usr/bin in the .deb,
//! `Gateway Doctor.app/Contents/MacOS/` in the macOS bundle, the install folder of the Windows installer,
//! `%LOCALAPPDATA%\Gateway Doctor\` for a per-user install), then the crate's name that `cargo build` gives
//! it in the target directory (gateway-worker, gateway-sim).

use std::path::{Path, PathBuf};

use gateway_core::helper_programs::{HelperProgram, SIM, WORKER};

/// The worker program.
pub fn worker_bin() -> PathBuf {
    helper_bin("GATEWAY_DOCTOR_WORKER", WORKER)
}

/// The simulator program (the demo gateway).
pub fn sim_bin() -> PathBuf {
    helper_bin("GATEWAY_DOCTOR_SIM", SIM)
}

/// `$env_var` when set, else the helper beside the current executable. The path may not exist: whoever
/// starts it reports a missing program in words (WORKER_MISSING, DEMO_FAILED).
pub fn helper_bin(env_var: &str, helper: HelperProgram) -> PathBuf {
    if let Some(path) = std::env::var_os(env_var).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let suffix = std::env::consts::EXE_SUFFIX;
    match std::env::current_exe() {
        Ok(exe) => helper.in_dir(folder_of(&exe), suffix),
        Err(e) => {
            // The OS would not say where we run from: the installed name leaves the search to the
            // system's program path, which is where a package manager would have put it.
            let file = format!("{}{suffix}", helper.installed);
            log::warn!(
                "cannot tell where Gateway Doctor runs from ({e}); looking for {file} on the PATH"
            );
            PathBuf::from(file)
        }
    }
}

/// The folder of the executable `exe` (an executable always has a folder; a bare name would mean the
/// current one).
fn folder_of(exe: &Path) -> &Path {
    exe.parent().unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_helper_sits_beside_the_executable_unless_the_variable_names_it() {
        let beside = helper_bin("GATEWAY_DOCTOR_TEST_UNSET_VARIABLE", WORKER);
        let exe = std::env::current_exe().expect("current exe");
        assert_eq!(beside.parent(), exe.parent());
        // The test binary lives in target/debug/deps, beside neither name: the installed one is reported.
        let expected = format!("gateway-doctor-worker{}", std::env::consts::EXE_SUFFIX);
        assert_eq!(
            beside.file_name().and_then(|f| f.to_str()),
            Some(expected.as_str())
        );
        // PATH is always set: it stands in for a variable naming the program.
        let named = helper_bin("PATH", WORKER);
        assert_eq!(
            named,
            PathBuf::from(std::env::var_os("PATH").expect("PATH"))
        );
    }

    #[test]
    fn in_the_macos_bundle_the_helpers_are_in_contents_macos() {
        let app = Path::new("/Applications/Gateway Doctor.app/Contents/MacOS/gateway-doctor-app");
        assert_eq!(
            SIM.in_dir(folder_of(app), ""),
            Path::new("/Applications/Gateway Doctor.app/Contents/MacOS/gateway-doctor-sim")
        );
    }

    #[test]
    fn on_windows_the_helpers_are_exe_files_in_the_install_folder() {
        // The separator is the host's; the Windows-only test below checks a real Windows path.
        let app = Path::new("Gateway Doctor").join("gateway-doctor-app.exe");
        assert_eq!(
            WORKER.in_dir(folder_of(&app), ".exe"),
            Path::new("Gateway Doctor").join("gateway-doctor-worker.exe")
        );
    }

    #[cfg(windows)]
    #[test]
    fn a_windows_install_path_keeps_its_folder() {
        let app = Path::new(r"C:\Users\t\AppData\Local\Gateway Doctor\gateway-doctor-app.exe");
        assert_eq!(
            WORKER.in_dir(folder_of(app), std::env::consts::EXE_SUFFIX),
            Path::new(r"C:\Users\t\AppData\Local\Gateway Doctor\gateway-doctor-worker.exe")
        );
    }

    #[test]
    fn the_debian_package_has_them_in_usr_bin() {
        let app = Path::new("/usr/bin/gateway-doctor-app");
        assert_eq!(
            WORKER.in_dir(folder_of(app), ""),
            Path::new("/usr/bin/gateway-doctor-worker")
        );
        assert_eq!(
            SIM.in_dir(folder_of(app), ""),
            Path::new("/usr/bin/gateway-doctor-sim")
        );
    }

    #[test]
    fn a_development_build_finds_the_crates_names_in_the_target_folder() {
        let target = tempfile::tempdir().expect("temp dir");
        for built in ["gateway-worker", "gateway-sim"] {
            std::fs::write(target.path().join(built), b"").expect("write");
        }
        let app = target.path().join("gateway-doctor-app");
        assert_eq!(
            WORKER.in_dir(folder_of(&app), ""),
            target.path().join("gateway-worker")
        );
        assert_eq!(
            SIM.in_dir(folder_of(&app), ""),
            target.path().join("gateway-sim")
        );
    }
}
