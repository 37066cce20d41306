//! Running gateway-doctor as a user would, with nothing of this machine leaking in: a fresh temp dir as
//! the working directory and as HOME / XDG_CONFIG_HOME / XDG_RUNTIME_DIR (so no app open on this machine
//! answers its local link), no IBKR_* variables, stdin not a terminal, the worker from this build; every run
//! bounded.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use gateway_core::config::Key;
use gateway_core::reset_window::{Region, current_window};
use gateway_proto::{Report, Verdict};

use gateway_testkit::{Lines, bin, wait_exit};

/// The longest any one CLI run may take here.
const RUN_BOUND: Duration = Duration::from_secs(30);

/// A temp dir to run gateway-doctor in.
pub struct Doctor {
    dir: tempfile::TempDir,
}

/// How a run ended.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Doctor {
    pub fn new() -> Doctor {
        Doctor {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(bin("gateway-doctor"));
        command
            .args(args)
            .current_dir(self.dir())
            .env("HOME", self.dir())
            .env("XDG_CONFIG_HOME", self.dir().join("config"))
            .env("XDG_RUNTIME_DIR", self.dir().join("run"))
            .env("GATEWAY_DOCTOR_WORKER", bin("gateway-worker"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for key in Key::ALL {
            command.env_remove(key.env_var());
        }
        command
    }

    /// `diagnose --handshake` against the Gateway on `port` with `client_id`.
    pub fn diagnose_handshake(&self, port: u16, client_id: i32) -> Command {
        let (port, client_id) = (port.to_string(), client_id.to_string());
        self.command(&[
            "diagnose",
            "--port",
            &port,
            "--handshake",
            "--client-id",
            &client_id,
        ])
    }

    /// Runs to the end (killed after [`RUN_BOUND`]).
    pub fn run_with(&self, mut command: Command) -> Run {
        let mut child = command.spawn().expect("spawn gateway-doctor");
        let stdout = reader(child.stdout.take().expect("piped stdout"));
        let stderr = reader(child.stderr.take().expect("piped stderr"));
        let status = wait_exit(&mut child, RUN_BOUND);
        let ended = status.is_some();
        let run = Run {
            code: status.and_then(|s| s.code()),
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
        };
        assert!(
            ended,
            "gateway-doctor still running after {RUN_BOUND:?}; stdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
        run
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(self.command(args))
    }

    /// Starts `command` with its stdout read line by line and its stderr shown with the test's output.
    pub fn start(&self, mut command: Command) -> (Child, Lines) {
        let mut child = command
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn gateway-doctor");
        let lines = Lines::follow(child.stdout.take().expect("piped stdout"));
        (child, lines)
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

impl Run {
    pub fn assert_code(&self, expected: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(expected),
            "exit code; stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn report(&self) -> Report {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not a Report ({e}):\n{}", self.stdout))
    }
}

/// The verdict expected, or, inside one of IBKR's reset windows right now (the CLI uses the real clock),
/// the reset-window verdict that core gives any problem then.
pub fn assert_verdict(report: &Report, expected: Verdict) {
    let in_window = current_window(
        jiff::Timestamp::now(),
        Region::default(),
        None,
        &jiff::tz::TimeZone::system(),
    )
    .is_some();
    assert!(
        report.verdict == expected || (in_window && report.verdict == Verdict::ResetWindow),
        "expected {expected:?}: {report:#?}"
    );
}
