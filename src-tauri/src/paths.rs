//! Where the helper programs are. An environment variable names one explicitly (GATEWAY_DOCTOR_WORKER,
//! GATEWAY_DOCTOR_SIM); otherwise it sits beside the app's own executable: `cargo build` puts every binary
//! of the workspace in one target directory, and Tauri's `externalBin` installs sidecars next to the main
//! binary (/usr/bin in the .deb) under their plain names. One function, so there is one rule.

use std::path::PathBuf;

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
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(&file)))
        .unwrap_or_else(|| PathBuf::from(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_helper_sits_beside_the_executable_unless_the_variable_names_it() {
        let beside = helper_bin("GATEWAY_DOCTOR_TEST_UNSET_VARIABLE", "gateway-worker");
        let exe = std::env::current_exe().expect("current exe");
        assert_eq!(beside.parent(), exe.parent());
        assert!(beside.ends_with("gateway-worker"));
        // PATH is always set: it stands in for a variable naming the program.
        let named = helper_bin("PATH", "gateway-worker");
        assert_eq!(
            named,
            PathBuf::from(std::env::var_os("PATH").expect("PATH"))
        );
    }
}
