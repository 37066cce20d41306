//! Gateway Doctor's helper programs and their file names. An installed package names the worker and the
//! simulator `gateway-doctor-worker` and `gateway-doctor-sim`, names nothing else in a shared folder such
//! as /usr/bin can clash with; a `cargo build` names them after their crates, `gateway-worker` and
//! `gateway-sim`. Both names are looked for, the installed one first, so an installed app never picks up a
//! stray development binary and a development build needs no renaming. [`piped_command`] is how the app
//! and the CLI start one.

use std::path::{Path, PathBuf};

/// One helper program's two names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelperProgram {
    /// The name the packages install it under.
    pub installed: &'static str,
    /// The name `cargo build` gives it.
    pub built: &'static str,
}

/// The worker: the one process that holds Gateway Doctor's API session.
pub const WORKER: HelperProgram = HelperProgram {
    installed: "gateway-doctor-worker",
    built: "gateway-worker",
};

/// The simulator: the app's demo gateway.
pub const SIM: HelperProgram = HelperProgram {
    installed: "gateway-doctor-sim",
    built: "gateway-sim",
};

/// The keeper (Linux): the small process that holds the session, the tray and the notifications while the
/// window comes and goes.
pub const KEEPER: HelperProgram = HelperProgram::one_name("gateway-doctor-keeper");

/// The window: the Tauri app, which the keeper starts on Open.
pub const WINDOW: HelperProgram = HelperProgram::one_name("gateway-doctor-app");

/// The window's argument to open on Diagnose and run it (the keeper's tray Diagnose with no window open).
pub const WINDOW_DIAGNOSE_ARG: &str = "--diagnose";

impl HelperProgram {
    /// A program built and installed under the same name.
    pub const fn one_name(name: &'static str) -> HelperProgram {
        HelperProgram {
            installed: name,
            built: name,
        }
    }

    /// Both file names, the installed one first, each with `exe_suffix` (".exe" on Windows, "" elsewhere).
    pub fn file_names(&self, exe_suffix: &str) -> [String; 2] {
        [self.installed, self.built].map(|name| format!("{name}{exe_suffix}"))
    }

    /// The helper in `dir`: the installed name when that file exists, else the built name when that one
    /// does, else the installed name (the path a "not found" message should name: where a package puts it).
    pub fn in_dir(&self, dir: &Path, exe_suffix: &str) -> PathBuf {
        let [installed, built] = self.file_names(exe_suffix).map(|name| dir.join(name));
        if installed.is_file() || !built.is_file() {
            installed
        } else {
            built
        }
    }

    /// Whether a process is this helper, from its short name and its command line. The command line's
    /// program file decides when there is one: Linux cuts a process's short name to 15 characters
    /// (`gateway-doctor-` for both installed helpers), so the short name alone cannot tell them apart.
    pub fn is_process(&self, name: &str, cmdline: &[String]) -> bool {
        match cmdline.first().filter(|program| !program.is_empty()) {
            Some(program) => self.is_file_name(last_part(program)),
            None => self.is_file_name(name),
        }
    }

    /// Whether `file` is one of the two names, with or without `.exe` (any case on the suffix).
    fn is_file_name(&self, file: &str) -> bool {
        let stem = match file.len().checked_sub(4) {
            Some(cut)
                if file
                    .get(cut..)
                    .is_some_and(|s| s.eq_ignore_ascii_case(".exe")) =>
            {
                file.get(..cut).unwrap_or(file)
            }
            _ => file,
        };
        stem == self.installed || stem == self.built
    }
}

/// The last part of a path written with either slash.
fn last_part(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A command that starts a helper program at `path` with its three standard streams piped, killed if its
/// handle is dropped; on Unix in its own process group: a Ctrl-C in the terminal reaches Gateway Doctor,
/// which then ends the helper in order, instead of reaching both at once; on Windows with no console: the
/// helpers are console programs, and one started from the windowed app would open a console window of its
/// own beside it (and closing that window would end the session).
pub fn piped_command(path: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(path);
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    #[cfg(windows)]
    command.creation_flags(windows_sys::Win32::System::Threading::CREATE_NO_WINDOW);
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installed_name_is_found_first_then_the_built_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let installed = dir.path().join("gateway-doctor-worker");
        let built = dir.path().join("gateway-worker");
        assert_eq!(
            WORKER.in_dir(dir.path(), ""),
            installed,
            "neither exists: the installed name is the one to report"
        );
        std::fs::write(&built, b"").expect("write");
        assert_eq!(WORKER.in_dir(dir.path(), ""), built, "a development build");
        std::fs::write(&installed, b"").expect("write");
        assert_eq!(
            WORKER.in_dir(dir.path(), ""),
            installed,
            "installed wins over a stray development binary"
        );
        assert_eq!(
            SIM.in_dir(dir.path(), ".exe"),
            dir.path().join("gateway-doctor-sim.exe")
        );
        assert_eq!(
            SIM.file_names(".exe"),
            ["gateway-doctor-sim.exe", "gateway-sim.exe"]
        );
    }

    #[test]
    fn a_process_is_the_worker_by_its_program_file_or_else_its_name() {
        let cmd = |program: &str| vec![program.to_string()];
        assert!(WORKER.is_process("gateway-doctor-", &cmd("/usr/bin/gateway-doctor-worker")));
        assert!(WORKER.is_process("gateway-worker", &cmd("/w/target/debug/gateway-worker")));
        assert!(WORKER.is_process(
            "gateway-doctor-worker.exe",
            &cmd(r"C:\Users\t\AppData\Local\Gateway Doctor\gateway-doctor-worker.exe")
        ));
        assert!(
            WORKER.is_process("gateway-worker.EXE", &[]),
            "no command line: the name"
        );
        assert!(
            !WORKER.is_process("gateway-doctor-", &cmd("/usr/bin/gateway-doctor-sim")),
            "the truncated name is shared with the simulator"
        );
        assert!(!WORKER.is_process("gateway-doctor-", &[]));
        assert!(!WORKER.is_process("python3", &cmd("python3")));
        assert!(!WORKER.is_process("gateway-worker-soak", &cmd("/tmp/gateway-worker-soak")));
    }
}
